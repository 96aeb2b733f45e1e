import { describe, expect, it } from 'vitest';
import type { GetExecutionHistoryInput, HistoryEvent } from '@aws-sdk/client-sfn';
import { followByPolling } from '../../../domain/operator/follow.ts';
import type { StepFunctionsPort } from '../../../domain/operator/ports.ts';

const RUN = 'arn:aws:states:eu-west-1:123456789012:execution:prod-dispatch:operator-hot-shard-0001';

const event = (id: number, type: HistoryEvent['type'], name?: string): HistoryEvent => ({
  id,
  previousEventId: id - 1,
  timestamp: new Date(Date.UTC(2026, 0, 1, 12, 0, id)),
  type,
  ...(name ? { stateEnteredEventDetails: { name } } : {}),
});

/** A run that grows between polls: `grown[n]` is the whole history at the n-th poll. */
function growingRun(grown: HistoryEvent[][], pageSize: number) {
  const requests: GetExecutionHistoryInput[] = [];
  let poll = -1;
  const port = {
    async getExecutionHistory(input: GetExecutionHistoryInput) {
      requests.push(input);
      if (!input.nextToken) poll++;
      const newestFirst = [...(grown[Math.min(poll, grown.length - 1)] ?? [])].reverse();
      const from = input.nextToken ? Number(input.nextToken) : 0;
      const events = newestFirst.slice(from, from + pageSize);
      return {
        events,
        ...(from + pageSize < newestFirst.length ? { nextToken: String(from + pageSize) } : {}),
      };
    },
  } as Partial<StepFunctionsPort> as StepFunctionsPort;
  return { port, requests };
}

describe('followByPolling', () => {
  it('hands on each new event once, oldest first, reading newest first only back to what it has seen', async () => {
    const all = [
      event(1, 'ExecutionStarted'),
      event(2, 'TaskStateEntered', 'Read the signal'),
      event(3, 'TaskScheduled'),
      event(4, 'TaskSucceeded'),
      event(5, 'TaskStateExited'),
      event(6, 'ChoiceStateEntered', 'Is there work to do?'),
      event(7, 'ChoiceStateExited'),
      event(8, 'SucceedStateEntered', 'Nothing to do'),
      event(9, 'SucceedStateExited'),
      event(10, 'ExecutionSucceeded'),
    ];
    const { port, requests } = growingRun([all.slice(0, 2), all.slice(0, 2), all], 3);
    const slept: number[] = [];
    const seen: number[] = [];

    await followByPolling(port, { intervalMs: 2000, sleep: async (ms) => void slept.push(ms) })(RUN, (e) =>
      seen.push(e.id ?? 0),
    );

    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(slept).toEqual([2000, 2000]);
    const first = { executionArn: RUN, reverseOrder: true, includeExecutionData: false };
    expect(requests).toEqual([
      first,
      // Nothing new: the first page reaches back to event 2.
      first,
      // Eight new events, three a page: it follows nextToken until it meets event 2 again.
      first,
      { ...first, nextToken: '3' },
      { ...first, nextToken: '6' },
    ]);
  });

  it('stops at once when the run has already ended', async () => {
    const { port, requests } = growingRun(
      [[event(1, 'ExecutionStarted'), event(2, 'ExecutionAborted')]],
      100,
    );
    const seen: string[] = [];

    await followByPolling(port, {
      intervalMs: 2000,
      sleep: () => Promise.reject(new Error('no need to wait')),
    })(RUN, (e) => seen.push(e.type ?? ''));

    expect(seen).toEqual(['ExecutionStarted', 'ExecutionAborted']);
    expect(requests).toHaveLength(1);
  });
});
