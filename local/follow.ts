/**
 * Following a local run as it goes: the engine tells each history event as it records it, so an
 * operator sees each state as it is entered, in virtual time, with no polling.
 */
import type { FollowExecution } from '../domain/operator/follow.ts';
import type { LocalEngine } from '../engine/local-engine.ts';
import { toSdkEvent } from './step-functions.ts';

export function followLocal(engine: LocalEngine): FollowExecution {
  return async (executionArn, onEvent) => {
    const hand = (event: Parameters<typeof toSdkEvent>[0]): void => {
      for (const sdkEvent of toSdkEvent(event)) onEvent(sdkEvent);
    };
    // What is recorded so far, then what comes, in one synchronous step: nothing missed or repeated.
    const recorded = [...engine.describe(executionArn).history];
    const stopListening = engine.onHistoryEvent((arn, event) => {
      if (arn === executionArn) hand(event);
    });
    try {
      for (const event of recorded) hand(event);
      await engine.whenDone(executionArn);
    } finally {
      stopListening();
    }
  };
}
