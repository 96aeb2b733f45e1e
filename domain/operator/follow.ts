/**
 * Following a run as it goes, by polling its history: each poll reads newest first, only as far
 * back as the last event already seen (following `nextToken` when the new events fill more than a
 * page), and hands the new ones on oldest first, each once. It ends with the execution.
 */
import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StepFunctionsPort } from './ports.ts';

/** Calls `onEvent` with each event of the run, oldest first, as it happens; resolves when it ends. */
export type FollowExecution = (executionArn: string, onEvent: (event: HistoryEvent) => void) => Promise<void>;

const ENDS: ReadonlySet<HistoryEventType | undefined> = new Set<HistoryEventType | undefined>([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

export const endsExecution = (event: HistoryEvent): boolean => ENDS.has(event.type);

export interface PollingOptions {
  /** Between polls (Step Functions' console polls every few seconds too). */
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function followByPolling(port: StepFunctionsPort, options: PollingOptions): FollowExecution {
  const sleep = options.sleep ?? realSleep;
  return async (executionArn, onEvent) => {
    let lastSeen = 0;
    for (;;) {
      const fresh = await eventsAfter(port, executionArn, lastSeen);
      for (const event of fresh) {
        onEvent(event);
        if (endsExecution(event)) return;
      }
      lastSeen = fresh.at(-1)?.id ?? lastSeen;
      await sleep(options.intervalMs);
    }
  };
}

/** The events after `lastSeen` (an event id), oldest first. */
async function eventsAfter(
  port: StepFunctionsPort,
  executionArn: string,
  lastSeen: number,
): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await port.getExecutionHistory({
      executionArn,
      reverseOrder: true,
      // Progress needs the states' names only, not their data.
      includeExecutionData: false,
      ...(nextToken ? { nextToken } : {}),
    });
    const events = page.events ?? [];
    const newer = events.filter((e) => (e.id ?? 0) > lastSeen);
    fresh.push(...newer);
    // A page that reaches back to what was seen is the last one needed.
    nextToken = newer.length === events.length ? page.nextToken : undefined;
  } while (nextToken);
  return fresh.reverse();
}
