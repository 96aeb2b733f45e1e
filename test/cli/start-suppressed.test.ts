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
  it('exits 1 and says no runbook started', async () => {
    expect((await run(['kill-switch', 'on', ...local()])).code).toBe(EXIT.ok);

    const started = await run([...START_HOT_SHARD, ...local()]);

    expect(started.code).toBe(EXIT.failed);
    expect(started.out.join('\n')).toMatch(/SUCCEEDED[\s\S]*no runbook started/);
  }, 60_000);
});
