/**
 * Every scenario's summary (what `selfheal simulate <scenario> --json` prints) carries each
 * variant's 24-hour cost, its items and what its rest of the day assumes, and the scenario's cost
 * model. One cheap real variant a scenario family keeps this fast; the report's browser test runs
 * every variant of hot-shard and sqs-backpressure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runHotShard } from '../../scenarios/hot-shard/run.ts';
import { runHotKey } from '../../scenarios/hot-key/run.ts';
import { runSqsBackpressure } from '../../scenarios/sqs-backpressure/run.ts';
import { runCellShift } from '../../scenarios/cell-shift/run.ts';
import { summarise } from '../../simulations/summary.ts';
import { summariseQueue } from '../../scenarios/sqs-backpressure/summary.ts';
import { summariseCells } from '../../scenarios/cell-shift/summary.ts';
import type { CostModel, DayCost } from '../../simulations/cost.ts';

interface Summarised {
  costUsd24h: number;
  cost: DayCost;
  costModel: CostModel;
  baselines: Record<string, { costUsd24h: number; cost: DayCost }>;
}

/** The summary of a result standing for selfheal beside itself as a baseline: both carry its cost. */
function expectCostPerVariant(summary: Summarised, cost: DayCost, baseline: string): void {
  expect(summary.costUsd24h).toBe(cost.usd);
  expect(summary.cost).toEqual(cost);
  expect(summary.baselines[baseline]).toMatchObject({ costUsd24h: cost.usd, cost });
  expect(summary.costModel.region).toBe('us-east-1');
  expect(summary.costModel.hours).toBe(24);
  expect(summary.costModel.prices.length).toBeGreaterThan(0);
  for (const price of summary.costModel.prices) expect(price.source).not.toBe('');
  expect(summary.costModel.assumptions.length).toBeGreaterThan(0);
  const items = cost.items.reduce((sum, i) => sum + i.usd, 0);
  expect(Math.abs(cost.usd - items)).toBeLessThanOrEqual(0.00006);
  expect(cost.restOfDay).not.toBe('');
}

describe('the 24-hour cost in every scenario’s summary', () => {
  it('hot-shard: a table without auto scaling pays its capacity all day, 100 WCU and 300 RCU', async () => {
    const none = await runHotShard({ seed: 1, variant: 'none' });
    // 100 WCU x 24 h x USD 0.00065 + 300 RCU x 24 h x USD 0.00013.
    expect(none.cost.usd).toBe(2.496);
    expect(none.cost.simulatedMinutes).toBe(45);
    expect(none.cost.restOfDay).toBe(
      'write 100 WCU all day (no auto scaling); read 300 RCU all day (no auto scaling)',
    );
    expectCostPerVariant(summarise({ ...none, variant: 'selfheal' }, [none]) as never, none.cost, 'none');
  }, 30_000);

  it('hot-key: an on-demand table pays the request units it served', async () => {
    const onDemand = await runHotKey({ seed: 1, variant: 'on-demand' });
    const units = onDemand.cost.items.filter((i) => i.unit === 'WRUs' || i.unit === 'RRUs');
    expect(units.every((i) => i.simulated > 0 && i.restOfDay > 0)).toBe(true);
    expect(onDemand.cost.items.find((i) => i.unit === 'WCU-hours')?.usd).toBe(0);
    expectCostPerVariant(
      summarise({ ...onDemand, variant: 'selfheal' }, [onDemand]) as never,
      onDemand.cost,
      'on-demand',
    );
  }, 30_000);

  describe('sqs-backpressure and cell-shift', () => {
    let queue: Awaited<ReturnType<typeof runSqsBackpressure>>;
    let cells: Awaited<ReturnType<typeof runCellShift>>;
    beforeAll(async () => {
      queue = await runSqsBackpressure({ seed: 1, variant: 'none' });
      cells = await runCellShift({ seed: 1, variant: 'selfheal' });
    }, 30_000);

    it('sqs-backpressure: the queue’s requests and the consumer’s invocations, as the world counted them', () => {
      const requests = queue.cost.items.find((i) => i.item === 'consumer Lambda requests');
      expect(requests?.simulated).toBe(queue.timeline.reduce((sum, m) => sum + m.invocations, 0));
      expectCostPerVariant(
        summariseQueue({ ...queue, variant: 'selfheal' }, [queue]) as never,
        queue.cost,
        'none',
      );
    });

    it('cell-shift: selfheal’s runs, its detector and the traces it reads', () => {
      const items = Object.fromEntries(cells.cost.items.map((i) => [i.item, i]));
      expect(items['Step Functions state transitions (Standard)']?.simulated).toBe(cells.stateTransitions);
      expect(items['X-Ray traces recorded (the detector reads them)']?.usd).toBeGreaterThan(100);
      expectCostPerVariant(
        summariseCells(cells, [{ ...cells, variant: 'none' }]) as never,
        cells.cost,
        'none',
      );
    });
  });
});
