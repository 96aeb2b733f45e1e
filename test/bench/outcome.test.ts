import { describe, expect, it } from 'vitest';
import { scenarioOutcome } from '../../bench/outcome.ts';

// Summaries shaped as `selfheal simulate <scenario> --json` prints them (seed 1, runs left out).
const HOT_SHARD = {
  scenario: 'hot-shard',
  seed: 1,
  healed: true,
  detectedAtSeconds: 540,
  healedAtSeconds: 600,
  throttledRequests: 101684,
  failedRequests: 90012,
  actions: [],
  stateTransitions: 14,
  runs: [],
  baselines: {
    'auto-scaling': {
      healed: true,
      detectedAtSeconds: 540,
      healedAtSeconds: 1140,
      throttledRequests: 315024,
      actions: [],
      stateTransitions: 0,
    },
    none: {
      healed: false,
      detectedAtSeconds: 540,
      healedAtSeconds: null,
      throttledRequests: 1281286,
      actions: [],
      stateTransitions: 0,
    },
  },
  throttledRatio: { 'auto-scaling': 0.3228, none: 0.0794 },
};

const SQS = {
  scenario: 'sqs-backpressure',
  seed: 1,
  healed: true,
  detectedAtSeconds: 720,
  recoveredAtSeconds: 1800,
  drainedAtSeconds: 2160,
  drainSeconds: 360,
  downstreamErrors: 8788,
  deadLetterMessages: 0,
  expiredMessages: 0,
  stateTransitions: 450,
  runs: [],
  baselines: {
    'circuit-breaker': {
      healed: false,
      detectedAtSeconds: 720,
      drainSeconds: 180,
      downstreamErrors: 109573,
      deadLetterMessages: 191324,
      expiredMessages: 0,
      stateTransitions: 0,
    },
  },
  downstreamErrorRatio: { 'circuit-breaker': 0.0802 },
};

const CELLS = {
  scenario: 'cell-shift',
  seed: 1,
  approve: 'auto',
  healed: true,
  detectedAtSeconds: 360,
  shiftedAtSeconds: 360,
  timeToShiftSeconds: 0,
  failedRequests: 2159,
  stateTransitions: 125,
  runs: [],
  baselines: {
    none: {
      healed: false,
      detectedAtSeconds: 360,
      shiftedAtSeconds: null,
      timeToShiftSeconds: null,
      failedRequests: 36416,
      stateTransitions: 0,
    },
  },
};

describe("a scenario's outcome, read from its --json summary", () => {
  it('gives the table scenarios throttle events, requests failed after retries as errors, and the time from detection to healed', () => {
    expect(scenarioOutcome(HOT_SHARD)).toEqual({
      scenario: 'hot-shard',
      seed: 1,
      timeToHeal: 'detection to healed',
      variants: [
        {
          variant: 'selfheal',
          healed: true,
          throttledRequests: 101684,
          errors: 90012,
          deadLetterMessages: null,
          expiredMessages: null,
          timeToHealSeconds: 60,
          stateTransitions: 14,
        },
        expect.objectContaining({
          variant: 'auto-scaling',
          throttledRequests: 315024,
          timeToHealSeconds: 600,
        }),
        expect.objectContaining({ variant: 'none', healed: false, timeToHealSeconds: null }),
      ],
    });
  });

  it('gives the queue scenario its downstream errors, messages lost and drain time', () => {
    const outcome = scenarioOutcome(SQS);

    expect(outcome.timeToHeal).toBe('recovery to backlog drained');
    expect(outcome.variants).toEqual([
      {
        variant: 'selfheal',
        healed: true,
        throttledRequests: null,
        errors: 8788,
        deadLetterMessages: 0,
        expiredMessages: 0,
        timeToHealSeconds: 360,
        stateTransitions: 450,
      },
      {
        variant: 'circuit-breaker',
        healed: false,
        throttledRequests: null,
        errors: 109573,
        deadLetterMessages: 191324,
        expiredMessages: 0,
        timeToHealSeconds: 180,
        stateTransitions: 0,
      },
    ]);
  });

  it('gives the cell scenarios their failed requests and the time from detection to the shift', () => {
    const outcome = scenarioOutcome(CELLS);

    expect(outcome.timeToHeal).toBe('detection to shift');
    expect(outcome.variants.map((v) => [v.variant, v.errors, v.timeToHealSeconds])).toEqual([
      ['selfheal', 2159, 0],
      ['none', 36416, null],
    ]);
  });
});
