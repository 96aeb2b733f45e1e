import { describe, expect, it } from 'vitest';
import { runSpans, stepMarkers } from '../../cli/render/report/markers.ts';
import type { RunSummary } from '../../simulations/outcome.ts';

function run(states: [number, string, string][], overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:hot-shard:local-0001',
    status: 'SUCCEEDED',
    outcome: 'healed',
    startedAtSeconds: states[0]?.[0] ?? 0,
    stoppedAtSeconds: states.at(-1)?.[0] ?? 0,
    states: states.map(([atSeconds, type, name]) => ({ atSeconds, type, name })),
    ...overrides,
  };
}

// The hot-shard runbook's shape: a burst of tasks, a wait, a check, a long wait, the verification.
const HOT_SHARD = run([
  [540, 'Task', 'Check the request'],
  [540, 'Task', 'Diagnose the table'],
  [540, 'Choice', 'What does the plan say?'],
  [540, 'Task', 'Apply the capacity change'],
  [540, 'Wait', 'Give the table time to update'],
  [560, 'Task', 'Check whether the table is active'],
  [560, 'Choice', 'Is the table active again?'],
  [560, 'Wait', 'Let the new capacity settle'],
  [740, 'Task', 'Verify throttling has stopped'],
  [740, 'Choice', 'Has the table healed?'],
  [740, 'Pass', 'Report the table healed'],
]);

describe('stepMarkers', () => {
  it('puts states closer than the gap on one marker, and leaves Choices out', () => {
    const markers = stepMarkers([HOT_SHARD], 60);
    expect(markers.map((m) => m.atSeconds)).toEqual([540, 740]);
    expect(markers[0]?.states.map((s) => s.name)).toEqual([
      'Check the request',
      'Diagnose the table',
      'Apply the capacity change',
      'Give the table time to update',
      'Check whether the table is active',
      'Let the new capacity settle',
    ]);
    expect(markers.flatMap((m) => m.states).some((s) => s.type === 'Choice')).toBe(false);
  });

  it('gives every state a marker of its own when the gap is small', () => {
    const markers = stepMarkers([HOT_SHARD], 1);
    expect(markers.map((m) => m.atSeconds)).toEqual([540, 560, 740]);
    expect(markers.map((m) => m.number)).toEqual([1, 2, 3]);
  });

  it('numbers a marker that brings a new step or ends the run; a loop going round gets a plain tick', () => {
    const loop = run([
      [720, 'Task', 'Set the next concurrency'],
      [720, 'Wait', 'Wait for the mapping to settle'],
      [780, 'Task', 'Probe the downstream'],
      [840, 'Task', 'Probe the downstream'],
      [900, 'Task', 'Probe the downstream'],
      [960, 'Task', 'Set the next concurrency'],
      [1020, 'Task', 'Probe the downstream'],
      [1020, 'Pass', 'Report the concurrency restored'],
      [1080, 'Task', 'Probe the downstream'],
    ]);
    const markers = stepMarkers([loop], 30);
    expect(markers.map((m) => [m.atSeconds, m.number])).toEqual([
      [720, 1],
      [780, 2],
      [840, null],
      [900, null],
      [960, null],
      [1020, 3],
      [1080, 4],
    ]);
  });

  it('counts a loop’s repeats within one marker and lists them in its tooltip', () => {
    const settle = run([
      [720, 'Task', 'Check whether the mapping has settled'],
      [720, 'Wait', 'Wait for the mapping to settle'],
      [725, 'Task', 'Check whether the mapping has settled'],
      [725, 'Wait', 'Wait for the mapping to settle'],
      [730, 'Task', 'Check whether the mapping has settled'],
    ]);
    const [marker] = stepMarkers([settle], 60);
    expect(marker?.states).toEqual([
      { name: 'Check whether the mapping has settled', type: 'Task', times: 3 },
      { name: 'Wait for the mapping to settle', type: 'Wait', times: 2 },
    ]);
    expect(marker?.title).toBe(
      '12:00\nTask: Check whether the mapping has settled (x3)\nWait: Wait for the mapping to settle (x2)',
    );
  });

  it('merges the runs of several executions in time order', () => {
    const first = run([
      [100, 'Task', 'A'],
      [400, 'Task', 'B'],
    ]);
    const second = run([[250, 'Task', 'C']], { executionArn: 'arn:...:execution:key-reshuffle:local-0002' });
    expect(stepMarkers([first, second], 10).map((m) => [m.atSeconds, m.states[0]?.name])).toEqual([
      [100, 'A'],
      [250, 'C'],
      [400, 'B'],
    ]);
  });

  it('has nothing to mark without a run', () => {
    expect(stepMarkers([], 60)).toEqual([]);
  });
});

describe('runSpans', () => {
  it('spans each run from its start to its stop, or to the end while it still ran', () => {
    expect(runSpans([HOT_SHARD, run([[3000, 'Task', 'A']], { stoppedAtSeconds: null })], 3600)).toEqual([
      {
        startSeconds: 540,
        stopSeconds: 740,
        label: 'hot-shard:local-0001: SUCCEEDED, healed, 09:00 to 12:20',
      },
      {
        startSeconds: 3000,
        stopSeconds: 3600,
        label: 'hot-shard:local-0001: SUCCEEDED, healed, 50:00 to the end',
      },
    ]);
  });
});
