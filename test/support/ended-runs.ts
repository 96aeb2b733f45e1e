/**
 * Ended runs for the local state file's tests: `count` executions of a one-minute state machine,
 * one after the other from `startMs` in virtual time (a later command's runs start later), named
 * `<prefix>-<i>`, each with the input `{ i }`.
 */
import { LocalEngine, type ExecutionRecord } from '../../engine/local-engine.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';

export async function endedRuns(
  count: number,
  { prefix = 'run', startMs = Date.UTC(2026, 0, 1) }: { prefix?: string; startMs?: number } = {},
): Promise<ExecutionRecord[]> {
  const engine = new LocalEngine({
    clock: new VirtualClock(startMs),
    functions: { get: () => undefined, names: () => [] },
  });
  engine.register('ends', {
    StartAt: 'Wait',
    States: { Wait: { Type: 'Wait', Seconds: 60, Next: 'Done' }, Done: { Type: 'Pass', End: true } },
  });
  const records: ExecutionRecord[] = [];
  for (let i = 0; i < count; i++) records.push(await engine.run('ends', { i }, { name: `${prefix}-${i}` }));
  return records;
}
