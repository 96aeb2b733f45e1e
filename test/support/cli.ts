/**
 * The CLI in a test: an AWS client class mocked behind the CLI's client hook, the console's output
 * captured line by line, and a temporary state file for the local deployment (--local --state
 * FILE), removed after.
 */
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.ts';
import { useAwsClients, type AwsClientFactory } from '../../cli/target.ts';

/**
 * An AWS client class mocked (aws-sdk-client-mock, by `mock`) for each test of the file or describe
 * block this is called in, and AWS targets given the clients `clients` makes, which are to record in
 * `regions` the region each is asked for. `stub()` is the running test's mock.
 */
export function useMockedAws<Stub extends { restore(): void }>(
  mock: () => Stub,
  clients: (regions: (string | undefined)[]) => AwsClientFactory,
): { stub: () => Stub; regions: (string | undefined)[] } {
  let stub: Stub | undefined;
  let restore: () => void = () => undefined;
  const regions: (string | undefined)[] = [];
  beforeEach(() => {
    stub = mock();
    regions.length = 0;
    restore = useAwsClients(clients(regions));
  });
  afterEach(() => {
    restore();
    stub?.restore();
  });
  return {
    stub: () => {
      if (!stub) throw new Error('the AWS mock is made before each test');
      return stub;
    },
    regions,
  };
}

export interface Console {
  out: string[];
  err: string[];
}

/**
 * From now on console.log and console.error write to `into`, emptied first; the returned function
 * (or vi.restoreAllMocks()) gives the console back.
 */
export function captureConsole(into: Console): () => void {
  into.out.length = 0;
  into.err.length = 0;
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...args: unknown[]) => void into.out.push(args.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...args: unknown[]) => void into.err.push(args.join(' ')));
  return () => {
    log.mockRestore();
    error.mockRestore();
  };
}

/**
 * Each test's output captured, with no deployment and no state file from the environment; `take`
 * reads what was printed as JSON and empties `out` for the next command.
 */
export function useCliConsole(): Console & { take: <T>() => T } {
  const captured: Console = { out: [], err: [] };
  beforeEach(() => {
    captureConsole(captured);
    vi.stubEnv('SELFHEAL_DEPLOYMENT', undefined);
    vi.stubEnv('SELFHEAL_STATE_FILE', undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  return {
    ...captured,
    take: <T>(): T => {
      const value = JSON.parse(captured.out.join('\n')) as T;
      captured.out.length = 0;
      return value;
    },
  };
}

/** One command, its output captured for it alone (usable in beforeAll, where no test's hooks run). */
export async function runCapturing(argv: string[]): Promise<{ code: number } & Console> {
  const captured: Console = { out: [], err: [] };
  const restore = captureConsole(captured);
  try {
    return { code: await main(argv), ...captured };
  } finally {
    restore();
  }
}

/**
 * A state file in a temporary folder of its own, new for each test (`each`) or one for the file or
 * describe block (`all`); the folder is removed after. `path` is the file, `local` the options that
 * point a command at the local deployment kept in it.
 */
export function useTempStateFile(
  prefix: string,
  scope: 'each' | 'all' = 'each',
): { path: () => string; local: () => string[] } {
  let dir: string | undefined;
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const path = () => {
    if (!dir) throw new Error('the state file is made in a hook before the tests');
    return join(dir, 'state.json');
  };
  return { path, local: () => ['--local', '--state', path()] };
}
