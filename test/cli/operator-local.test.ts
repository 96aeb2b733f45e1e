import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { EXIT } from '../../cli/exit-codes.ts';
import { runCapturing as run, useTempStateFile } from '../support/cli.ts';
import { START_HOT_SHARD } from '../support/operator-cli.ts';

/**
 * start, list, describe, stop, approve and reject on the local deployment: a real dispatch run on
 * the local engine (the hot-shard world), saved in a temporary state file, then read back.
 */
const { path: state, local } = useTempStateFile('selfheal-operator-', 'all');

interface Listed {
  name: string;
  runbook: string;
  status: string;
  executionArn: string;
}

let started: { code: number; out: string[]; err: string[] };

beforeAll(async () => {
  vi.stubEnv('USER', 'alice');
  vi.stubEnv('SELFHEAL_ROUTING', undefined);
  started = await run([...START_HOT_SHARD, '--reason', 'sale at 09:00', ...local()]);
}, 60_000);

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('selfheal start --local', () => {
  it('goes through dispatch, shows each state on stderr as it is entered, and prints how it ended', () => {
    expect(started.code).toBe(EXIT.ok);
    expect(started.err[0]).toMatch(
      /^started arn:aws:states:us-east-1:000000000000:execution:dispatch:operator-hot-shard-\d{8}T\d{9}Z$/,
    );
    expect(started.err.slice(1, 5)).toEqual([
      '  > Take the event as delivered',
      '  > Read the signal',
      '  > Is there work to do?',
      '  > Check the guardrails',
    ]);
    expect(started.err).toContain('  > Run the hot-shard runbook');
    expect(started.err.at(-1)).toBe('  > Remediation done');
    // Not live yet: dispatch made it a dry run.
    expect(started.out.join('\n')).toMatch(
      /^operator-hot-shard-\S+: SUCCEEDED \(started \S+, took \S+\)\n {2}arn:\S+\n {2}Dry run of hot-shard on dynamodb-table\/orders: dry-run \(plan: raise-capacity, write \d+ -> \d+\)\n {2}runbook hot-shard: SUCCEEDED \(dry-run\)\n {4}arn:aws:states:us-east-1:000000000000:execution:hot-shard:local-[0-9a-f]{8}-0001$/,
    );
  });

  it('keeps the runs in the state file, and --no-wait prints the ARN of a run that has still ended with the command', async () => {
    const noWait = await run([...START_HOT_SHARD, '--no-wait', '--json', ...local()]);

    expect(noWait.code).toBe(EXIT.ok);
    expect(noWait.err).toEqual([]);
    const { executionArn } = JSON.parse(noWait.out.join('\n')) as { executionArn: string };
    const saved = JSON.parse(await readFile(state(), 'utf8')) as {
      executions: { executionArn: string; status: string; history: unknown[] }[];
    };
    expect(saved.executions.map((e) => e.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(saved.executions.find((e) => e.executionArn === executionArn)?.history.length).toBeGreaterThan(10);
  }, 60_000);
});

describe('list, describe, stop, approve and reject --local read the saved runs', () => {
  it('list: newest first, every state machine, or one runbook', async () => {
    const all = await run(['list', ...local(), '--json']);
    expect(all.code).toBe(EXIT.ok);
    const listed = JSON.parse(all.out.join('\n')) as Listed[];
    // A runbook starts after its dispatch has read the signal and checked the guardrails (tasks
    // take virtual time on the local engine), so each hot-shard run is newer than its dispatch.
    expect(listed.map((e) => [e.runbook, e.status])).toEqual([
      ['hot-shard', 'SUCCEEDED'],
      ['dispatch', 'SUCCEEDED'],
      ['hot-shard', 'SUCCEEDED'],
      ['dispatch', 'SUCCEEDED'],
    ]);

    const dispatches = await run(['list', '--runbook', 'dispatch', '--max', '1', ...local()]);
    expect(dispatches.out.join('\n')).toMatch(
      /^NAME +RUNBOOK +STATUS +OUTCOME +RESOURCE +STARTED +DURATION\noperator-hot-shard-\S+ +dispatch +SUCCEEDED +dry-run +dynamodb-table\/orders +\S+ +\S+$/,
    );
    expect((await run(['list', '--status', 'FAILED', ...local()])).out).toEqual(['(no executions)']);
  });

  it('describe: the dispatch run as a timeline, by name', async () => {
    const [first] = JSON.parse(
      (await run(['list', '--runbook', 'dispatch', ...local(), '--json'])).out.join('\n'),
    ) as Listed[];
    const described = await run(['describe', first?.name ?? '', ...local()]);

    expect(described.code).toBe(EXIT.ok);
    const text = described.out.join('\n');
    expect(text).toContain(`Execution  ${first?.executionArn}`);
    expect(text).toContain('Status     SUCCEEDED');
    expect(text).toMatch(/succeeded {2}Check the guardrails {2}\[lambda:invoke selfheal-check-guardrails\]/);
    expect(text).toMatch(/-> \{verdict: "proceed", reason: "dry run of hot-shard \(t…", dryRun: true/);
    expect(text).toMatch(
      /succeeded {2}Run the hot-shard runbook {2}\[states:startExecution\.sync:2 hot-shard\]/,
    );
  });

  it('stop: the run has ended with its command, says so, exit 1', async () => {
    const [first] = JSON.parse((await run(['list', ...local(), '--json'])).out.join('\n')) as Listed[];
    const stopped = await run(['stop', first?.executionArn ?? '', ...local()]);

    expect(stopped.code).toBe(EXIT.failed);
    expect(stopped.err).toEqual([
      expect.stringMatching(
        /^selfheal: arn:\S+ has already ended: SUCCEEDED at \S+; there is nothing to stop$/,
      ),
    ]);
  });

  it('approve and reject: nothing local is left waiting, in one line, exit 1', async () => {
    const [first] = JSON.parse((await run(['list', ...local(), '--json'])).out.join('\n')) as Listed[];
    const arn = first?.executionArn ?? '';

    for (const argv of [
      ['approve', arn],
      ['reject', arn, '--reason', 'no'],
    ]) {
      const answered = await run([...argv, ...local()]);
      expect(answered.code).toBe(EXIT.failed);
      expect(answered.err).toEqual([
        `selfheal: nothing waits for approval in ${arn} (the execution is SUCCEEDED: local runs end with the command that started them, so none is left waiting)`,
      ]);
    }
  });

  it('an execution the local deployment never ran: one line, exit 1', async () => {
    const unknown = 'arn:aws:states:us-east-1:000000000000:execution:dispatch:never-ran';
    const described = await run(['describe', unknown, ...local()]);
    expect(described.code).toBe(EXIT.failed);
    expect(described.err).toEqual([`selfheal: no execution ${unknown}`]);
    expect((await run(['describe', 'never-ran', ...local()])).err).toEqual([
      `selfheal: no execution named never-ran in the local deployment (${state()})`,
    ]);
  });
});
