/**
 * An operator who asks for a run and gets none is told so by the exit code: dispatch succeeds when
 * it suppresses a request (here: the kill switch is on), but for `start` no run is a failure.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../cli/exit-codes.ts';
import { runCapturing as run, useTempStateFile } from '../support/cli.ts';
import { START_HOT_SHARD } from '../support/operator-cli.ts';

const { local } = useTempStateFile('selfheal-start-suppressed-', 'all');

beforeAll(() => {
  vi.stubEnv('SELFHEAL_ROUTING', undefined);
});

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('selfheal start, when dispatch starts nothing', () => {
  it('says in a sentence that nothing started and why, never SUCCEEDED, and exits 1', async () => {
    expect((await run(['kill-switch', 'on', ...local()])).code).toBe(EXIT.ok);

    const started = await run([...START_HOT_SHARD, ...local()]);

    expect(started.code).toBe(EXIT.failed);
    const printed = started.out.join('\n');
    expect(printed).toMatch(
      /^Nothing started: dispatch suppressed the request: the global kill switch is on: selfheal changes nothing\.\n/,
    );
    expect(printed).not.toMatch(/SUCCEEDED/);

    const json = await run([...START_HOT_SHARD, ...local(), '--json']);
    expect(json.code).toBe(EXIT.failed);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ outcome: 'suppressed', runbooks: [] });
  }, 60_000);
});
