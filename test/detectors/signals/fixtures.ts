/** Shared by the signal normaliser's tests: the EventBridge fixtures, typed loosely enough to edit. */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_ROUTING,
  routingSchema,
  type AlarmRoute,
  type Routing,
} from '../../../detectors/routing/routes.ts';

/** A JSON object whose fields a test may read, replace or delete. */
export type Json = Record<string, unknown>;

export interface MetricJson {
  id: string;
  metricStat?: {
    metric: { namespace: string; name: string; dimensions?: Record<string, string> };
    period: number;
    stat: string;
  };
  expression?: string;
  returnData: boolean;
}

export interface AlarmJson extends Json {
  detail: {
    alarmName: string;
    state: { value: string; reason: string; reasonData?: string; timestamp: string };
    previousState: { value: string; reason: string; reasonData?: string; timestamp: string };
    configuration: { description?: string; metrics?: MetricJson[]; alarmRule?: string };
  };
}

export interface InsightJson extends Json {
  detail: Json & {
    InsightId: string;
    GroupName: string;
    State: string;
    StartTime: number | string;
    RootCauseServiceId?: Json & { Name: string };
  };
}

export type FixtureName =
  | 'cloudwatch-alarm-metric'
  | 'cloudwatch-alarm-metric-math'
  | 'cloudwatch-alarm-composite'
  | 'xray-insight-active'
  | 'xray-insight-closed'
  | 'selfheal-grey-failure'
  | 'operator-request';

export const FIXTURE_NAMES: readonly FixtureName[] = [
  'cloudwatch-alarm-metric',
  'cloudwatch-alarm-metric-math',
  'cloudwatch-alarm-composite',
  'xray-insight-active',
  'xray-insight-closed',
  'selfheal-grey-failure',
  'operator-request',
];

/** A fresh copy on every call, so a test may change it freely. */
export function fixture(name: FixtureName): Json {
  return JSON.parse(
    readFileSync(new URL(`../../../contracts/examples/${name}.json`, import.meta.url), 'utf8'),
  );
}

export const alarmFixture = (
  name: 'cloudwatch-alarm-metric' | 'cloudwatch-alarm-metric-math' | 'cloudwatch-alarm-composite',
): AlarmJson => fixture(name) as AlarmJson;

export const insightFixture = (name: 'xray-insight-active' | 'xray-insight-closed'): InsightJson =>
  fixture(name) as InsightJson;

/** The defaults, plus X-Ray group `cells` routed as grey failures and runbooks for every kind. */
/** The `checkout` fleet: five cells, each with its ARC routing control. */
export const CHECKOUT_FLEET = routingSchema.parse({
  alarms: [],
  runbooks: {},
  fleets: {
    checkout: {
      cells: [1, 2, 3, 4, 5].map((i) => ({
        name: `checkout-cell-${i}`,
        routingControlArn: `arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/cell${i}`,
        capacityRps: 250,
      })),
    },
  },
}).fleets;

export const FULL_ROUTING: Routing = {
  ...DEFAULT_ROUTING,
  runbooks: {
    ...DEFAULT_ROUTING.runbooks,
    'cell-grey-failure': 'cell-evacuation',
    'queue-backpressure': 'queue-backpressure',
  },
  insightGroups: { cells: 'cell-grey-failure' },
  ...(CHECKOUT_FLEET ? { fleets: CHECKOUT_FLEET } : {}),
};

/** Step Functions execution names: what an incident id must be to name the runbook's execution. */
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The error a call throws, or undefined when it returns. */
export function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The composite example's alarm (selfheal-orders-throttling), routed as table capacity on orders. */
export const COMPOSITE_ALARM_ROUTE: AlarmRoute = {
  name: 'orders-throttling-composite',
  kind: 'table-capacity',
  match: { alarmName: 'selfheal-orders-throttling' },
  resource: { type: 'dynamodb-table', name: 'orders' },
};
