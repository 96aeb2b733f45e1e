/**
 * The check before a command that changes the local state runs anything: a file that could not be
 * saved afterwards is refused by name now, rather than losing the command's work at its save.
 */
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, firstIssue, LocalStateUnwritableError } from './errors.ts';

/**
 * Refuses, before anything runs, a file that could not be saved: its folder cannot be made or is
 * read-only, or the file is. A rename would replace a read-only file in a writable folder, and
 * root may write anything, so the write bits are read too: a file marked read-only stays as it is.
 */
export async function checkWritable(path: string): Promise<void> {
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw notWritable(path, `its folder ${folder} cannot be made: ${errnoCode(error) ?? firstIssue(error)}`);
  }
  const folderProblem = await writeProblem(folder);
  if (folderProblem) throw notWritable(path, `its folder ${folder} is ${folderProblem}`);
  const fileProblem = await writeProblem(path);
  if (fileProblem) throw notWritable(path, `the file is ${fileProblem}`);
}

function notWritable(path: string, reason: string): LocalStateUnwritableError {
  return new LocalStateUnwritableError(
    path,
    `the local state ${path} cannot be written (${reason}): nothing was run; make it writable, or use another file (--state FILE)`,
  );
}

async function writeProblem(target: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(target)).mode;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    return `not reachable (${errnoCode(error) ?? firstIssue(error)})`;
  }
  if ((mode & 0o222) === 0) return 'read-only';
  try {
    await access(target, constants.W_OK);
  } catch {
    return 'not writable by this user';
  }
  return undefined;
}
