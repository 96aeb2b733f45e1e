/**
 * The 24-hour cost model, from known inputs: the price list, the items and their totals, selfheal's
 * runs, a table's capacity over the rest of the day (auto scaling's scale-in, and a raised
 * MinCapacity that holds), and the queue's and the cells' days.
 */
import { describe, expect, it } from 'vitest';
import { PRICES } from '../../simulations/cost-prices.ts';
import { USD_PER_LAMBDA_REQUEST, USD_PER_TRANSITION } from '../../bench/cost.ts';
import type { CountableEvent } from '../../simulations/cost-counts.ts';
import {
  costItem,
  DAY_MINUTES,
  dayCost,
  RUNBOOK_TASK_BILLED_SECONDS,
  runbookItems,
  TASK_FUNCTION_MEMORY_GB,
} from '../../simulations/cost.ts';
import { capacityPath, quietDemand, tableDayCost } from '../../simulations/cost-table.ts';
import { CONSUMER_MEMORY_GB, queueDayCost } from '../../simulations/cost-queue.ts';
import { cellDayCost, DETECTOR_BILLED_SECONDS } from '../../simulations/cost-cells.ts';
import type { TimelineEntry } from '../../world/dynamodb/table-world.ts';
import { HOT_SHARD_INCIDENT } from '../../scenarios/hot-shard/incident.ts';

const START_MS = Date.UTC(2026, 10, 23, 9, 0, 0);

describe('the price list', () => {
  it('holds us-east-1 list prices, each with its source', () => {
    expect(PRICES.dynamodbWcuHour.usd).toBe(0.00065);
    expect(PRICES.dynamodbRcuHour.usd).toBe(0.00013);
    expect(PRICES.dynamodbWriteRequestUnit.usd * 1e6).toBeCloseTo(0.625, 12);
    expect(PRICES.dynamodbReadRequestUnit.usd * 1e6).toBeCloseTo(0.125, 12);
    expect(PRICES.stepFunctionsTransition.usd * 1e3).toBeCloseTo(0.025, 12);
    expect(PRICES.sqsRequest.usd * 1e6).toBeCloseTo(0.4, 12);
    expect(PRICES.xrayTraceRecorded.usd * 1e6).toBeCloseTo(5, 12);
    for (const price of Object.values(PRICES)) expect(price.source).not.toBe('');
  });

  it('is the one the bench prices a remediation with', () => {
    expect(USD_PER_TRANSITION).toBe(PRICES.stepFunctionsTransition.usd);
    expect(USD_PER_LAMBDA_REQUEST).toBe(PRICES.lambdaRequest.usd);
  });
});

describe('items and their day', () => {
  it('prices both parts of the day and adds them up, to a ten-thousandth of a dollar', () => {
    const write = costItem('write', 'WCU-hours', PRICES.dynamodbWcuHour, 75, 2325);
    const read = costItem('read', 'RCU-hours', PRICES.dynamodbRcuHour, 225, 6975);
    expect(write).toEqual({
      item: 'write',
      unit: 'WCU-hours',
      simulated: 75,
      restOfDay: 2325,
      usdPerUnit: 0.00065,
      usd: 1.56,
    });
    expect(dayCost([write, read], 45, 'holds')).toEqual({
      usd: 2.496,
      simulatedUsd: 0.078,
      simulatedMinutes: 45,
      items: [write, read],
      restOfDay: 'holds',
    });
  });
});

const entered = (kind: string): CountableEvent => ({ type: `${kind}StateEntered` });
const scheduled = (resourceType: string): CountableEvent => ({
  type: 'TaskScheduled',
  taskScheduledEventDetails: { resourceType, resource: 'invoke' },
});

describe("selfheal's runs", () => {
  it('bill every transition, and each Lambda task a request and its assumed duration', () => {
    const dispatch = [entered('Task'), scheduled('lambda'), entered('Task'), scheduled('dynamodb')];
    // A runbook task retried once: one more transition, one more invocation.
    const runbook = [entered('Task'), scheduled('lambda'), scheduled('lambda'), entered('Succeed')];
    const items = runbookItems([{ history: dispatch }, { history: runbook }]);
    expect(items.map((i) => [i.item, i.simulated, i.restOfDay])).toEqual([
      ['Step Functions state transitions (Standard)', 5, 0],
      ['selfheal Lambda task requests', 3, 0],
      // 3 invocations x 0.35 s x 0.5 GB.
      ['selfheal Lambda task duration', 0.525, 0],
    ]);
    expect(RUNBOOK_TASK_BILLED_SECONDS).toBe(0.35);
    expect(items[0]?.usd).toBe(0.000125);
    expect(items[2]?.usd).toBeCloseTo(3 * 0.35 * 0.5 * 0.0000133334, 6);
  });

  it('cost nothing where none ran (a baseline)', () => {
    expect(runbookItems([]).map((i) => i.usd)).toEqual([0, 0, 0]);
  });
});

/** Fifteen quiet minutes at 70 WCU a second on a table at `provisioned` WCU: a scale-in streak. */
const quietMinutes = (provisioned: number, count = 15) =>
  Array.from({ length: count }, (_, i) => ({
    timestampMs: START_MS + (30 + i) * 60_000,
    consumedPerSecond: 70,
    provisioned,
  }));

describe('a table dimension over the rest of the day', () => {
  const day = { startMs: START_MS, fromMinute: 45, toMinute: DAY_MINUTES, demandPerSecond: 70 };

  it('holds its capacity without auto scaling', () => {
    const path = capacityPath({ ...day, history: quietMinutes(100), capacity: 100 });
    expect(path).toEqual({
      capacityMinutes: 100 * (DAY_MINUTES - 45),
      startCapacity: 100,
      endCapacity: 100,
      changes: [],
    });
  });

  it('scales in as target tracking does: after 15 quiet minutes, to the busiest over the target', () => {
    const history = quietMinutes(1290).map((m, i) => ({ ...m, timestampMs: START_MS + (30 + i) * 60_000 }));
    const path = capacityPath({
      ...day,
      history,
      capacity: 1290,
      scaling: { min: 100, max: 4000, targetPercent: 70 },
    });
    // The 15 simulated minutes before were quiet: the first minute of the rest completes the streak.
    expect(path.changes).toEqual([{ minute: 46, from: 1290, to: 100 }]);
    expect(path.capacityMinutes).toBe(1290 + 100 * (DAY_MINUTES - 46));
    expect(path.endCapacity).toBe(100);
  });

  it("scales in once a scheduled action gives the old minimum back, at the action's minute", () => {
    const path = capacityPath({
      ...day,
      history: quietMinutes(1290),
      capacity: 1290,
      scaling: { min: 987, max: 4000, targetPercent: 70, scheduled: [{ minute: 75, min: 100 }] },
    });
    // To the raised minimum at once, then held there until the action; the quiet streak is long
    // since complete, so target tracking scales in at the end of the action's minute.
    expect(path.changes).toEqual([
      { minute: 46, from: 1290, to: 987 },
      { minute: 76, from: 987, to: 100 },
    ]);
    expect(path.capacityMinutes).toBe(1290 + 987 * 30 + 100 * (DAY_MINUTES - 76));
  });

  it('scales out at once to a scheduled minimum above the capacity', () => {
    const path = capacityPath({
      ...day,
      history: [],
      capacity: 100,
      scaling: { min: 100, max: 4000, targetPercent: null, scheduled: [{ minute: 60, min: 300 }] },
    });
    expect(path.changes).toEqual([{ minute: 60, from: 100, to: 300 }]);
    expect(path.endCapacity).toBe(300);
  });

  it('never goes below a raised MinCapacity nothing hands back: it holds all day', () => {
    const path = capacityPath({
      ...day,
      history: quietMinutes(1290),
      capacity: 1290,
      scaling: { min: 987, max: 4000, targetPercent: 70 },
    });
    expect(path.changes).toEqual([{ minute: 46, from: 1290, to: 987 }]);
    expect(path.endCapacity).toBe(987);
    expect(path.capacityMinutes).toBe(1290 + 987 * (DAY_MINUTES - 46));
  });

  it('waits for a whole quiet streak before scaling in', () => {
    const path = capacityPath({
      ...day,
      history: [],
      capacity: 1290,
      scaling: { min: 100, max: 4000, targetPercent: 70 },
    });
    // Minutes 45 to 59 make the streak; auto scaling acts at the end of minute 59.
    expect(path.changes).toEqual([{ minute: 60, from: 1290, to: 100 }]);
  });

  it('holds, inside the range, a scalable target without a policy', () => {
    const path = capacityPath({
      ...day,
      history: [],
      capacity: 50,
      scaling: { min: 100, max: 4000, targetPercent: null },
    });
    expect(path).toMatchObject({ startCapacity: 100, endCapacity: 100, changes: [] });
  });
});

function minute(minute: number, fields: Partial<TimelineEntry> = {}): TimelineEntry {
  return {
    minute,
    startMs: START_MS + minute * 60_000,
    time: '',
    phase: 'baseline',
    billingMode: 'PROVISIONED',
    tableStatus: 'ACTIVE',
    provisionedRcu: 300,
    provisionedWcu: 100,
    partitions: 1,
    demandRcuPerSecond: 100,
    demandWcuPerSecond: 70,
    offeredRcuPerSecond: 100,
    offeredWcuPerSecond: 70,
    consumedRcuPerSecond: 100,
    consumedWcuPerSecond: 70,
    throttledRequests: { keyRange: 0, provisioned: 0, onDemandMax: 0, total: 0 },
    retriedRequests: 0,
    failedRequests: 0,
    topKey: null,
    ...fields,
  };
}

describe("a table's day", () => {
  const quiet = { rcuPerSecond: 100, wcuPerSecond: 70 };

  it('charges each minute’s provisioned capacity, and the capacity left for the rest of the day', () => {
    const timeline = [minute(0), minute(1, { provisionedWcu: 1000 }), minute(2, { provisionedWcu: 1000 })];
    const cost = tableDayCost({
      timeline,
      end: { billingMode: 'PROVISIONED', rcu: 300, wcu: 1000 },
      autoScaling: {},
      quiet,
      executions: [],
    });
    const write = cost.items.find((i) => i.item === 'DynamoDB provisioned write capacity');
    expect(write).toMatchObject({ simulated: 2100 / 60, restOfDay: (1000 * (DAY_MINUTES - 3)) / 60 });
    expect(cost.usd).toBe(
      Math.round(((2100 + 1000 * 1437) / 60) * 0.00065 * 1e4 + ((300 * 1440) / 60) * 0.00013 * 1e4) / 1e4,
    );
    expect(cost.restOfDay).toBe(
      'write 1,000 WCU all day (no auto scaling); read 300 RCU all day (no auto scaling)',
    );
  });

  it('charges the request units an on-demand table served, and none it throttled', () => {
    const timeline = [
      minute(0, { billingMode: 'PAY_PER_REQUEST', consumedWcuPerSecond: 900, consumedRcuPerSecond: 200 }),
    ];
    const cost = tableDayCost({
      timeline,
      end: { billingMode: 'PAY_PER_REQUEST', rcu: 0, wcu: 0 },
      autoScaling: {},
      quiet,
      executions: [],
    });
    const units = Object.fromEntries(cost.items.map((i) => [i.item, [i.simulated, i.restOfDay]]));
    expect(units['DynamoDB on-demand write request units']).toEqual([900 * 60, 70 * 60 * (DAY_MINUTES - 1)]);
    expect(units['DynamoDB on-demand read request units']).toEqual([200 * 60, 100 * 60 * (DAY_MINUTES - 1)]);
    expect(units['DynamoDB provisioned write capacity']).toEqual([0, 0]);
    expect(cost.restOfDay).toBe('70 write and 100 read request units a second, on demand');
  });

  it('reads the rest of the day’s demand from the workload’s last phase', () => {
    // hot-shard's last phase: 200 eventually consistent reads (half a unit each) and 70 writes of 1 KB.
    expect(quietDemand(HOT_SHARD_INCIDENT.workload)).toEqual(quiet);
  });
});

describe("a queue's day", () => {
  it('counts sends, receives (run or throttled) and deletes of the batches that succeeded', () => {
    const cost = queueDayCost({
      simulatedMinutes: 90,
      totals: { sent: 1_000_000, invocations: 110_000, errors: 10_000, throttles: 5_000 },
      consumerDurationMs: 30_000_000,
      backlog: 1_000,
      rest: { messagesPerSecond: 200, batchSize: 10, invocationSeconds: 0.2 },
      executions: [],
    });
    const restSent = 200 * (DAY_MINUTES - 90) * 60;
    const restBatches = (restSent + 1_000) / 10;
    const items = Object.fromEntries(cost.items.map((i) => [i.item, [i.simulated, i.restOfDay]]));
    expect(items['SQS requests (send, receive, delete)']).toEqual([
      1_000_000 + 110_000 + 5_000 + 100_000,
      restSent + 2 * restBatches,
    ]);
    expect(items['consumer Lambda requests']).toEqual([110_000, restBatches]);
    expect(items['consumer Lambda duration']).toEqual([
      30_000 * CONSUMER_MEMORY_GB,
      restBatches * 0.2 * CONSUMER_MEMORY_GB,
    ]);
  });
});

describe("the cells' day", () => {
  const inputs = { simulatedMinutes: 60, requests: 1_800_000, requestsPerSecond: 500, executions: [] };

  it('charges the traces the detector reads, and its runs, where the variant runs it', () => {
    const cost = cellDayCost({ ...inputs, detector: { tracedShare: 1, everyMinutes: 1 } });
    const items = Object.fromEntries(cost.items.map((i) => [i.item, [i.simulated, i.restOfDay, i.usd]]));
    const restRequests = 500 * (DAY_MINUTES - 60) * 60;
    expect(items['X-Ray traces recorded (the detector reads them)']).toEqual([1_800_000, restRequests, 216]);
    expect(items['grey-cell detector Lambda requests']?.slice(0, 2)).toEqual([60, DAY_MINUTES - 60]);
    expect(items['grey-cell detector Lambda duration']?.slice(0, 2)).toEqual([
      60 * DETECTOR_BILLED_SECONDS * TASK_FUNCTION_MEMORY_GB,
      (DAY_MINUTES - 60) * DETECTOR_BILLED_SECONDS * TASK_FUNCTION_MEMORY_GB,
    ]);
    // 500 requests a second, every one traced, is 43.2 million traces a day: USD 216.
    expect(cost.usd).toBeCloseTo(216 + DAY_MINUTES * 0.0000002 + DAY_MINUTES * 0.05 * 0.0000133334, 4);
  });

  it('charges a traced share of the requests only', () => {
    const cost = cellDayCost({ ...inputs, detector: { tracedShare: 0.05, everyMinutes: 5 } });
    expect(cost.items[0]?.usd).toBeCloseTo(216 * 0.05, 6);
    expect(cost.items[1]?.simulated).toBe(12);
  });

  it('charges nothing to a variant without the detector', () => {
    const cost = cellDayCost({ ...inputs, detector: null });
    expect(cost.usd).toBe(0);
    expect(cost.restOfDay).toMatch(/no grey-cell detector/);
  });
});
