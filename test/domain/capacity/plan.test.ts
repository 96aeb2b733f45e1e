import { describe, expect, it } from 'vitest';
import { planCapacity, type CapacityPlan } from '../../../domain/capacity/plan.ts';
import { capacityPolicySchema, type CapacityPolicy } from '../../../domain/capacity/request.ts';
import { capacityPlanSchema } from '../../../domain/capacity/schemas.ts';
import { hourlyCostUsd } from '../../../domain/capacity/pricing.ts';
import type {
  DimensionLoad,
  ScalableRange,
  TableDiagnosis,
  ThrottlingCause,
} from '../../../domain/capacity/diagnose.ts';
import type { HotKey } from '../../../domain/capacity/hot-keys.ts';

const TABLE = 'orders';
const LOOKBACK_SECONDS = 5 * 60;

/** A dimension that serves everything asked of it. */
function calm(provisioned: number, consumedPerSecond = provisioned / 2): DimensionLoad {
  return {
    provisioned,
    consumedPerSecond,
    demandPerSecond: consumedPerSecond,
    throttleEvents: 0,
    keyRangeThrottleEvents: 0,
    provisionedThrottleEvents: 0,
    onDemandThrottleEvents: 0,
    peakUtilisation: provisioned > 0 ? consumedPerSecond / provisioned : 0,
  };
}

/** A dimension out of provisioned capacity: it serves `provisioned` and throttles the rest. */
function saturated(provisioned: number, demandPerSecond: number): DimensionLoad {
  const throttled = Math.round((demandPerSecond - provisioned) * LOOKBACK_SECONDS);
  return {
    provisioned,
    consumedPerSecond: provisioned,
    demandPerSecond,
    throttleEvents: throttled,
    keyRangeThrottleEvents: 0,
    provisionedThrottleEvents: throttled,
    onDemandThrottleEvents: 0,
    peakUtilisation: 1,
  };
}

interface DiagnosisSpec {
  cause?: ThrottlingCause;
  read?: DimensionLoad;
  write?: DimensionLoad;
  billingMode?: TableDiagnosis['table']['billingMode'];
  autoScaling?: Partial<Record<'read' | 'write', ScalableRange>>;
  hotKeys?: HotKey[];
  evidence?: string[];
}

function diagnosis(spec: DiagnosisSpec = {}): TableDiagnosis {
  const read = spec.read ?? calm(300);
  const write = spec.write ?? calm(100);
  return {
    tableName: TABLE,
    observedAt: '2026-01-01T12:00:00.000Z',
    table: {
      status: 'ACTIVE',
      billingMode: spec.billingMode ?? 'PROVISIONED',
      readCapacityUnits: read.provisioned,
      writeCapacityUnits: write.provisioned,
    },
    load: { read, write },
    autoScaling: { read: spec.autoScaling?.read ?? null, write: spec.autoScaling?.write ?? null },
    hotKeys: spec.hotKeys ?? [],
    contributorInsightsRule: null,
    cause: spec.cause ?? 'table-capacity',
    evidence: spec.evidence ?? ['write: throttled'],
  };
}

const policy = (overrides: Partial<CapacityPolicy> = {}): CapacityPolicy =>
  capacityPolicySchema.parse(overrides);

/** Narrows a plan to one kind, failing the test with the plan it got otherwise. */
function expectKind<K extends CapacityPlan['kind']>(plan: CapacityPlan, kind: K) {
  expect(plan.kind, JSON.stringify(plan)).toBe(kind);
  return plan as Extract<CapacityPlan, { kind: K }>;
}

describe('planCapacity', () => {
  describe('when capacity is not the problem', () => {
    it('changes nothing when there was no throttling, keeping the evidence as its reasons', () => {
      const plan = planCapacity(diagnosis({ cause: 'none', evidence: ['read: 0', 'write: 0'] }), policy());

      expect(plan).toEqual({
        kind: 'no-change',
        tableName: TABLE,
        reasons: ['read: 0', 'write: 0', 'no throttling in the lookback window'],
      });
    });

    it('reports a hot key with its keys, and adds no capacity even though the table throttles', () => {
      const hotKeys = [
        { partitionKey: 'customer#42', throttledRequests: 2900 },
        { partitionKey: 'customer#7', throttledRequests: 12 },
      ];
      const plan = planCapacity(
        diagnosis({ cause: 'hot-key', write: saturated(100, 500), hotKeys, evidence: ['key range'] }),
        policy(),
      );

      expect(plan).toEqual({ kind: 'hot-key', tableName: TABLE, hotKeys, reasons: ['key range'] });
    });

    it('changes nothing at the on-demand maximum, and says the quota must be raised by hand', () => {
      const plan = planCapacity(
        diagnosis({ cause: 'on-demand-limit', billingMode: 'PAY_PER_REQUEST', evidence: ['on-demand max'] }),
        policy({ allowOnDemand: true }),
      );

      expect(plan).toEqual({
        kind: 'no-change',
        tableName: TABLE,
        reasons: [
          'on-demand max',
          'the on-demand table is at its maximum throughput: raise the table quota by hand',
        ],
      });
    });

    it('changes nothing on a PAY_PER_REQUEST table, which has no provisioned capacity to raise', () => {
      const plan = planCapacity(
        diagnosis({ billingMode: 'PAY_PER_REQUEST', read: saturated(0, 50), write: saturated(0, 500) }),
        policy(),
      );

      expect(plan).toEqual({
        kind: 'no-change',
        tableName: TABLE,
        reasons: ['write: throttled', 'on-demand table: no provisioned capacity to raise'],
      });
    });
  });

  describe('raising a full table', () => {
    it('raises only the throttled dimension to the demand plus the headroom', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ read: calm(300, 100), write: saturated(100, 500) }), policy()),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([{ dimension: 'write', from: 100, to: 650, via: 'update-table' }]);
      expect(plan.capped).toBe(false);
      expect(plan.reasons).toEqual([
        'write: throttled',
        'write: 100 -> 650 units',
        'without auto scaling nothing lowers the raised capacity: lower it by hand once the surge is over',
      ]);
      expect(plan).not.toHaveProperty('restoreMinimumAfterMinutes');
    });

    it('raises reads alone when only reads throttle', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ read: saturated(300, 1000), write: calm(100, 90) }), policy()),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([{ dimension: 'read', from: 300, to: 1300, via: 'update-table' }]);
    });

    it('raises both dimensions in one plan when both throttle, reads first', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ read: saturated(300, 1000), write: saturated(100, 500) }), policy()),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([
        { dimension: 'read', from: 300, to: 1300, via: 'update-table' },
        { dimension: 'write', from: 100, to: 650, via: 'update-table' },
      ]);
    });

    it('rounds the needed capacity up to a whole unit', () => {
      // 333.33/s x 1.3 = 433.329 units
      const plan = expectKind(
        planCapacity(diagnosis({ write: saturated(100, 333.33) }), policy()),
        'raise-capacity',
      );

      expect(plan.changes[0]).toMatchObject({ dimension: 'write', to: 434 });
    });

    it('with no headroom, provisions exactly the demand, rounded up', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ write: saturated(100, 120.5) }), policy({ headroomPercent: 0 })),
        'raise-capacity',
      );

      expect(plan.changes[0]).toMatchObject({ dimension: 'write', from: 100, to: 121 });
    });

    it('applies the policy headroom, not a fixed one', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ write: saturated(100, 400) }), policy({ headroomPercent: 50 })),
        'raise-capacity',
      );

      expect(plan.changes[0]).toMatchObject({ to: 600 });
    });

    it('does not round a float error up into an extra unit (100/s with 10% headroom is 110)', () => {
      const plan = planCapacity(
        diagnosis({ write: saturated(50, 100) }),
        policy({ headroomPercent: 10, maxWriteCapacityUnits: 110, allowOnDemand: true }),
      );

      expect(plan).toMatchObject({
        kind: 'raise-capacity',
        capped: false,
        changes: [{ dimension: 'write', from: 50, to: 110 }],
      });
    });

    it('raises a dimension whose demand exceeds its capacity even before throttle events show', () => {
      const write: DimensionLoad = { ...calm(100, 100), demandPerSecond: 200 };
      const plan = expectKind(planCapacity(diagnosis({ write }), policy()), 'raise-capacity');

      expect(plan.changes).toEqual([{ dimension: 'write', from: 100, to: 260, via: 'update-table' }]);
    });

    it('leaves a busy dimension alone when it does not throttle and its capacity covers its demand', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ read: calm(300, 299), write: saturated(100, 500) }), policy()),
        'raise-capacity',
      );

      expect(plan.changes.map((c) => c.dimension)).toEqual(['write']);
    });
  });

  describe('never lowering capacity', () => {
    it('changes nothing when the throttled dimension already has more than demand plus headroom', () => {
      // A burst throttled a few requests, but 1000 units already cover 500/s x 1.3.
      const write: DimensionLoad = { ...calm(1000, 500), throttleEvents: 3, provisionedThrottleEvents: 3 };
      const plan = planCapacity(diagnosis({ write }), policy());

      expect(plan).toEqual({
        kind: 'no-change',
        tableName: TABLE,
        reasons: ['write: throttled', 'capacity already covers the demand'],
      });
    });

    it('changes nothing when demand plus headroom equals the provisioned capacity', () => {
      const write: DimensionLoad = { ...calm(650, 500), throttleEvents: 1, provisionedThrottleEvents: 1 };

      expect(planCapacity(diagnosis({ write }), policy()).kind).toBe('no-change');
    });

    it('raises the dimension that needs it and leaves the one that does not', () => {
      const read: DimensionLoad = { ...calm(2000, 900), throttleEvents: 5, provisionedThrottleEvents: 5 };
      const plan = expectKind(
        planCapacity(diagnosis({ read, write: saturated(100, 500) }), policy()),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([{ dimension: 'write', from: 100, to: 650, via: 'update-table' }]);
    });
  });

  describe('at the configured cap', () => {
    it('switches to on-demand when the cap is not enough and on-demand is allowed', () => {
      const plan = planCapacity(
        diagnosis({ read: calm(300, 100), write: saturated(100, 5000) }),
        policy({ maxWriteCapacityUnits: 1000, allowOnDemand: true }),
      );

      expect(plan).toEqual({
        kind: 'switch-to-on-demand',
        tableName: TABLE,
        from: { read: 300, write: 100 },
        reasons: [
          'write: throttled',
          'write: demand needs 6500 units, above the cap of 1000',
          'the cap is not enough and on-demand is allowed: switch to PAY_PER_REQUEST',
        ],
      });
    });

    it('switches to on-demand even when the table is already at the cap, if allowed', () => {
      const plan = planCapacity(
        diagnosis({ write: saturated(1000, 5000) }),
        policy({ maxWriteCapacityUnits: 1000, allowOnDemand: true }),
      );

      expect(plan.kind).toBe('switch-to-on-demand');
    });

    it('without on-demand, raises to the cap and marks the plan capped', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ write: saturated(100, 5000) }), policy({ maxWriteCapacityUnits: 1000 })),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([{ dimension: 'write', from: 100, to: 1000, via: 'update-table' }]);
      expect(plan.capped).toBe(true);
      expect(plan.reasons).toEqual([
        'write: throttled',
        'write: demand needs 6500 units, above the cap of 1000',
        'write: 100 -> 1000 units (capped)',
        'without auto scaling nothing lowers the raised capacity: lower it by hand once the surge is over',
      ]);
    });

    it('caps reads with maxReadCapacityUnits, not the write cap', () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({ read: saturated(300, 5000) }),
          policy({ maxReadCapacityUnits: 2000, maxWriteCapacityUnits: 10 }),
        ),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([{ dimension: 'read', from: 300, to: 2000, via: 'update-table' }]);
      expect(plan.capped).toBe(true);
    });

    it('marks only the capped change as capped when the other dimension fits', () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({ read: saturated(300, 1000), write: saturated(100, 5000) }),
          policy({ maxWriteCapacityUnits: 1000 }),
        ),
        'raise-capacity',
      );

      expect(plan.reasons.slice(-3, -1)).toEqual([
        'read: 300 -> 1300 units',
        'write: 100 -> 1000 units (capped)',
      ]);
    });

    it('reports cap-reached when the table is already at the cap and on-demand is not allowed', () => {
      const plan = planCapacity(
        diagnosis({ write: saturated(1000, 5000) }),
        policy({ maxWriteCapacityUnits: 1000 }),
      );

      expect(plan).toEqual({
        kind: 'cap-reached',
        tableName: TABLE,
        reasons: [
          'write: throttled',
          'write: demand needs 6500 units, above the cap of 1000',
          'the table is already at the configured cap',
        ],
      });
    });

    it('treats demand plus headroom exactly at the cap as not capped', () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({ write: saturated(100, 500) }),
          policy({ maxWriteCapacityUnits: 650, allowOnDemand: true }),
        ),
        'raise-capacity',
      );

      expect(plan.capped).toBe(false);
      expect(plan.changes[0]).toMatchObject({ to: 650 });
    });
  });

  describe('on a table auto scaling manages', () => {
    it('moves the scalable range instead of calling UpdateTable, lifting both min and max to the target', () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({
            write: saturated(100, 500),
            autoScaling: { write: { minCapacity: 50, maxCapacity: 400 } },
          }),
          policy(),
        ),
        'raise-capacity',
      );

      expect(plan.changes).toEqual([
        {
          dimension: 'write',
          from: 100,
          to: 650,
          via: 'scalable-target',
          scalableTarget: { fromMin: 50, toMin: 650, fromMax: 400, toMax: 650 },
        },
      ]);
      expect(plan.reasons.slice(-2)).toEqual([
        'write: 100 -> 650 units through the auto scaling range',
        "auto scaling's minimum goes back to what it was 60 minutes after the raise (a scheduled action)",
      ]);
      expect(plan.restoreMinimumAfterMinutes).toBe(60);
    });

    it("hands the minimum back after the policy's minutes", () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({
            write: saturated(100, 500),
            autoScaling: { write: { minCapacity: 50, maxCapacity: 400 } },
          }),
          policy({ restoreMinimumAfterMinutes: 240 }),
        ),
        'raise-capacity',
      );

      expect(plan.restoreMinimumAfterMinutes).toBe(240);
    });

    it('keeps a maximum that is already above the target', () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({
            write: saturated(100, 500),
            autoScaling: { write: { minCapacity: 50, maxCapacity: 4000 } },
          }),
          policy(),
        ),
        'raise-capacity',
      );

      expect(plan.changes[0]?.scalableTarget).toEqual({
        fromMin: 50,
        toMin: 650,
        fromMax: 4000,
        toMax: 4000,
      });
    });

    it('uses the range only for the managed dimension', () => {
      const plan = expectKind(
        planCapacity(
          diagnosis({
            read: saturated(300, 1000),
            write: saturated(100, 500),
            autoScaling: { read: { minCapacity: 100, maxCapacity: 500 } },
          }),
          policy(),
        ),
        'raise-capacity',
      );

      expect(plan.changes.map((c) => [c.dimension, c.via])).toEqual([
        ['read', 'scalable-target'],
        ['write', 'update-table'],
      ]);
      expect(plan.changes[1]).not.toHaveProperty('scalableTarget');
    });
  });

  describe('cost', () => {
    it('states the hourly cost increase at the provisioned list price', () => {
      const plan = expectKind(
        planCapacity(diagnosis({ read: saturated(300, 1000), write: saturated(100, 500) }), policy()),
        'raise-capacity',
      );

      const expected = hourlyCostUsd(1300, 650) - hourlyCostUsd(300, 100);
      expect(plan.hourlyCostIncreaseUsd).toBeCloseTo(expected, 4);
      // 1000 RCU x $0.00013 + 550 WCU x $0.00065
      expect(plan.hourlyCostIncreaseUsd).toBe(0.4875);
    });

    it('refuses a plan that adds more than maxHourlyCostIncreaseUsd', () => {
      const plan = planCapacity(
        diagnosis({ write: saturated(100, 500) }),
        policy({ maxHourlyCostIncreaseUsd: 0.1 }),
      );

      expect(plan).toEqual({
        kind: 'over-budget',
        tableName: TABLE,
        hourlyCostIncreaseUsd: 0.3575,
        reasons: ['write: throttled', 'the change adds $0.3575/h, above the $0.1/h limit'],
      });
    });

    it('accepts a plan whose cost increase equals the limit', () => {
      const plan = planCapacity(
        diagnosis({ write: saturated(100, 500) }),
        policy({ maxHourlyCostIncreaseUsd: 0.3575 }),
      );

      expect(plan).toMatchObject({ kind: 'raise-capacity', hourlyCostIncreaseUsd: 0.3575 });
    });

    it('prices a capped plan at the cap, not at the demand', () => {
      const plan = planCapacity(
        diagnosis({ write: saturated(100, 5000) }),
        policy({ maxWriteCapacityUnits: 1000, maxHourlyCostIncreaseUsd: 1 }),
      );

      // 900 WCU x $0.00065 = $0.585/h (the demand's 6500 units would cost $4.16/h)
      expect(plan).toMatchObject({ kind: 'raise-capacity', capped: true, hourlyCostIncreaseUsd: 0.585 });
    });
  });

  it('returns plans that pass the runbook schema for plans', () => {
    const plans = [
      planCapacity(diagnosis({ cause: 'none' }), policy()),
      planCapacity(
        diagnosis({ cause: 'hot-key', hotKeys: [{ partitionKey: 'k', throttledRequests: 1 }] }),
        policy(),
      ),
      planCapacity(diagnosis({ write: saturated(100, 500) }), policy()),
      planCapacity(diagnosis({ write: saturated(1000, 5000) }), policy({ maxWriteCapacityUnits: 1000 })),
      planCapacity(diagnosis({ write: saturated(100, 500) }), policy({ maxHourlyCostIncreaseUsd: 0.01 })),
      planCapacity(
        diagnosis({ write: saturated(100, 5000) }),
        policy({ maxWriteCapacityUnits: 1000, allowOnDemand: true }),
      ),
    ];

    expect(plans.map((p) => p.kind)).toEqual([
      'no-change',
      'hot-key',
      'raise-capacity',
      'cap-reached',
      'over-budget',
      'switch-to-on-demand',
    ]);
    for (const plan of plans) expect(capacityPlanSchema.parse(plan)).toEqual(plan);
  });
});
