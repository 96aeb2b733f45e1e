/**
 * What each Lambda task may do in AWS, by the function's id in the handler registry: the actions
 * its domain code calls, each on a scope the CDK app turns into the configured resources' ARNs.
 * `unscoped` is for the actions AWS authorises on no narrower resource, and says why; cdk-nag's
 * wildcard finding on them is acknowledged with that reason. Every registered task must appear
 * here (a test says so), so a new task cannot ship with no decision about its permissions.
 */
import { DETECTOR_SOURCE, GREY_FAILURE_DETAIL_TYPE } from '../../domain/incidents/event-types.ts';

/** Where a grant's actions apply; the stack maps each scope to ARNs from the config. */
export type GrantScope =
  | 'protected-tables'
  | 'control-table'
  | 'ledger-table'
  | 'insight-rules'
  | 'scalable-targets'
  | 'mappings'
  | 'queues'
  | 'routing-controls'
  | 'event-bus'
  | 'unscoped';

export interface TaskGrant {
  actions: string[];
  scope: GrantScope;
  /** Required for `unscoped`: why no narrower resource exists. */
  why?: string;
  /** Conditions AWS supports on these actions, to narrow them further. */
  conditions?: Record<string, Record<string, string[]>>;
}

const METRICS: TaskGrant = {
  actions: ['cloudwatch:GetMetricData'],
  scope: 'unscoped',
  why: 'CloudWatch GetMetricData supports no resource-level permissions',
};
const INSIGHT_RULES: TaskGrant[] = [
  {
    actions: ['cloudwatch:DescribeInsightRules'],
    scope: 'unscoped',
    why: 'CloudWatch DescribeInsightRules supports no resource-level permissions',
  },
  { actions: ['cloudwatch:GetInsightRuleReport'], scope: 'insight-rules' },
];
const SCALABLE_TARGETS_READ: TaskGrant = {
  actions: ['application-autoscaling:DescribeScalableTargets'],
  scope: 'unscoped',
  why: 'Application Auto Scaling Describe actions support no resource-level permissions',
};
const TABLE_READ: TaskGrant = { actions: ['dynamodb:DescribeTable'], scope: 'protected-tables' };
/** The mover copies each item to its new key and deletes the old, checkpointing in the control table. */
const RELOCATE_ITEMS: TaskGrant[] = [
  {
    actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    scope: 'protected-tables',
  },
  {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    scope: 'control-table',
  },
];
const SHARD_MAPS_READ: TaskGrant = {
  actions: ['dynamodb:GetItem', 'dynamodb:Query'],
  scope: 'control-table',
};
const SHARD_MAPS_WRITE: TaskGrant = {
  actions: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  scope: 'control-table',
};
const MAPPING_READ: TaskGrant = { actions: ['lambda:GetEventSourceMapping'], scope: 'mappings' };
const MAPPING_WRITE: TaskGrant = { actions: ['lambda:UpdateEventSourceMapping'], scope: 'mappings' };
const QUEUE_READ: TaskGrant = { actions: ['sqs:GetQueueAttributes'], scope: 'queues' };
/** Every backpressure step observes the mapping, its queue and the downstream before it acts. */
const OBSERVE_MAPPING: TaskGrant[] = [MAPPING_READ, QUEUE_READ, METRICS];
const XRAY_READ: TaskGrant = {
  actions: ['xray:GetTimeSeriesServiceStatistics', 'xray:GetInsightSummaries'],
  scope: 'unscoped',
  why: 'X-Ray statistics and insight reads support no resource-level permissions',
};
const ROUTING_READ: TaskGrant = {
  actions: ['route53-recovery-cluster:GetRoutingControlState'],
  scope: 'routing-controls',
};
const ROUTING_WRITE: TaskGrant = {
  actions: ['route53-recovery-cluster:UpdateRoutingControlStates'],
  scope: 'routing-controls',
};

export const TASK_GRANTS: Readonly<Record<string, readonly TaskGrant[]>> = {
  // Dispatch: reading the signal and the outcome touch nothing; the guardrails read switches,
  // locks and counters (the state machine writes them itself).
  'normalise-signal': [],
  'summarise-outcome': [],
  'check-guardrails': [{ actions: ['dynamodb:BatchGetItem'], scope: 'control-table' }],
  // Hot shard.
  'check-capacity-request': [],
  'plan-capacity': [],
  'diagnose-table': [TABLE_READ, METRICS, ...INSIGHT_RULES, SCALABLE_TARGETS_READ],
  'apply-capacity-plan': [
    { actions: ['dynamodb:DescribeTable', 'dynamodb:UpdateTable'], scope: 'protected-tables' },
    {
      actions: ['application-autoscaling:RegisterScalableTarget'],
      scope: 'scalable-targets',
      // Only a table's own capacity: never another service's targets in the account.
      conditions: {
        StringEquals: {
          'application-autoscaling:service-namespace': ['dynamodb'],
          'application-autoscaling:scalable-dimension': [
            'dynamodb:table:ReadCapacityUnits',
            'dynamodb:table:WriteCapacityUnits',
          ],
        },
      },
    },
  ],
  'verify-table-health': [METRICS],
  // Key reshuffle and merge: the protected table's items, and the shard maps and the mover's
  // journals in the control table.
  'plan-key-reshuffle': [...INSIGHT_RULES],
  'check-key-cool': [...INSIGHT_RULES, SHARD_MAPS_READ],
  'snapshot-key': [{ actions: ['dynamodb:Query'], scope: 'protected-tables' }],
  'publish-shard-map': [SHARD_MAPS_WRITE],
  'advance-shard-map': [SHARD_MAPS_WRITE],
  'move-key-batch': RELOCATE_ITEMS,
  'merge-key-batch': RELOCATE_ITEMS,
  'finish-key-merge': [{ actions: ['dynamodb:Query'], scope: 'protected-tables' }, SHARD_MAPS_WRITE],
  // SQS backpressure: the configured mappings, their queues, the downstream's metrics.
  'inspect-backpressure': OBSERVE_MAPPING,
  'apply-backpressure': [...OBSERVE_MAPPING, MAPPING_WRITE],
  'check-mapping-settled': OBSERVE_MAPPING,
  'probe-backpressure': [...OBSERVE_MAPPING, MAPPING_WRITE],
  'restore-concurrency': [...OBSERVE_MAPPING, MAPPING_WRITE],
  'build-backpressure-ledger-item': [],
  // Cell traffic shift: X-Ray's statistics, and the fleets' routing controls.
  'confirm-grey-cell': [XRAY_READ],
  'check-shift-safety': [XRAY_READ, ROUTING_READ],
  'set-cell-routing': [ROUTING_READ, ROUTING_WRITE],
  'verify-cell-routing': [XRAY_READ, ROUTING_READ],
  'check-cell-recovery': [XRAY_READ, ROUTING_READ],
  'record-cell-routing': [ROUTING_READ],
};

/** The grey-cell detector: not a runbook task, but a scheduled function of its own. */
export const DETECTOR_GRANTS: readonly TaskGrant[] = [
  XRAY_READ,
  {
    actions: ['events:PutEvents'],
    scope: 'event-bus',
    // Its own incidents only: it must not be able to pass for an operator's request.
    conditions: {
      StringEquals: { 'events:source': [DETECTOR_SOURCE], 'events:detail-type': [GREY_FAILURE_DETAIL_TYPE] },
    },
  },
];
