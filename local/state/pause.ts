/**
 * A pause hook for the tests that kill a command at a given point of its work on the local state
 * (test/cli/local-concurrency.test.ts, local-state-recovery.test.ts): a process cannot be killed
 * "just after it took the lock" from outside unless it stops there and says so.
 */

/**
 * For tests that kill a command at a given point: with $SELFHEAL_TEST_PAUSE set to the point's
 * name (`locked`: the lock just taken; `writing`: the new file's temporary copy just created),
 * the command says so on stderr and waits for a line on stdin (or its end) before going on.
 */
export async function pauseAt(
  point: 'locked' | 'writing',
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (env.SELFHEAL_TEST_PAUSE !== point) return;
  process.stderr.write(`selfheal-test: paused ${point}\n`);
  await new Promise<void>((done) => {
    process.stdin.once('data', () => done());
    process.stdin.once('end', () => done());
    process.stdin.resume();
  });
  process.stdin.destroy();
}
