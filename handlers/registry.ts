/**
 * Every Lambda task, once, as plain data: its id (the function name), the handler module it is
 * bundled from, the definition substitution its runbooks use for its ARN, and how the local
 * deployment builds it on the simulated world's ports (the module's factory export and its
 * arguments). The CDK app deploys from this list, `packaging/` bundles its modules, and the local
 * engine binds from it — on the very bundles the CDK app deploys, or on the TypeScript sources.
 * Nothing else names a function. It imports no handler module, so reading it loads no task code.
 */
import type { CapacityPorts } from '../domain/ports.ts';
import { lambdaArn } from '../engine/arns.ts';
import type { BackpressurePorts } from '../domain/backpressure/ports.ts';
import type { CellShiftPorts } from '../domain/cells/shift/ports.ts';
import { DEFAULT_DISPATCH_TABLES, type DispatchTables } from '../domain/dispatch/tables.ts';
import { DEFAULT_ROUTING, type Routing } from '../detectors/routing/routes.ts';

export interface TaskFunction {
  id: string;
  /** `${Substitution}` in the ASL, replaced by the function's ARN. */
  substitution: string;
  /** Handler module path from the repository root, for bundling. */
  entry: string;
  /** The module's export Lambda calls; `handler` unless told. */
  handlerName?: string;
  /**
   * The module's export that builds the same handler on other ports (`makeHandler` unless told):
   * the local deployment calls it with `localArgs`, the world's ports instead of AWS's clients.
   */
  factory?: string;
  localArgs(ports: LocalPorts): unknown[];
  /** The function's timeout in Lambda, when a task moves items and may take longer than a check. */
  timeoutSeconds?: number;
}

/** A Lambda task's timeout unless it says otherwise. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;
/** The timeout of the tasks that move or count a key's items. */
const LONG_TASK_SECONDS = 300;

/** Handler modules the CDK app deploys besides the runbooks' tasks (scheduled detectors). */
export const DETECTOR_ENTRIES = ['handlers/detect-grey-cells.ts'] as const;

const none = (): unknown[] => [];
const fixed = (ports: LocalPorts) => () => ports;
const dispatchPorts = (ports: LocalPorts) => () => ({
  dynamodb: ports.dynamodb,
  now: ports.now,
  tables: ports.tables ?? DEFAULT_DISPATCH_TABLES,
});

const reshufflePorts = (ports: LocalPorts) => () => ({
  dynamodb: ports.dynamodb,
  cloudwatch: ports.cloudwatch,
  now: ports.now,
  controlTable: (ports.tables ?? DEFAULT_DISPATCH_TABLES).control,
});

/** What the local engine gives the tasks: the capacity ports, and dispatch's configuration. */
export interface LocalPorts extends CapacityPorts {
  routing?: Routing;
  tables?: DispatchTables;
  /** The simulated queue world's ports (`QueueWorld.ports()`), for the SQS-backpressure runbook. */
  backpressure?: BackpressurePorts;
  /** The simulated cell fleet's X-Ray and routing controls, for the cell-traffic-shift runbook. */
  cells?: CellShiftPorts;
}

const cellShiftPorts = (ports: LocalPorts) => (): CellShiftPorts => {
  if (!ports.cells) {
    throw new Error('No cell fleet is bound: the local engine was started without cell ports');
  }
  return ports.cells;
};

const backpressurePorts = (ports: LocalPorts) => (): BackpressurePorts => {
  if (!ports.backpressure) {
    throw new Error('No queue world is bound: the local engine was started without backpressure ports');
  }
  return ports.backpressure;
};

export const TASK_FUNCTIONS: readonly TaskFunction[] = [
  {
    id: 'check-capacity-request',
    substitution: 'CheckCapacityRequestFunctionArn',
    entry: 'handlers/check-capacity-request.ts',
    localArgs: none,
  },
  {
    id: 'diagnose-table',
    substitution: 'DiagnoseTableFunctionArn',
    entry: 'handlers/diagnose-table.ts',
    localArgs: (ports) => [fixed(ports)],
  },
  {
    id: 'plan-capacity',
    substitution: 'PlanCapacityFunctionArn',
    entry: 'handlers/plan-capacity.ts',
    localArgs: none,
  },
  {
    id: 'apply-capacity-plan',
    substitution: 'ApplyCapacityPlanFunctionArn',
    entry: 'handlers/apply-capacity-plan.ts',
    localArgs: (ports) => [fixed(ports)],
  },
  {
    id: 'verify-table-health',
    substitution: 'VerifyTableHealthFunctionArn',
    entry: 'handlers/verify-table-health.ts',
    localArgs: (ports) => [fixed(ports)],
  },
  {
    id: 'normalise-signal',
    substitution: 'NormaliseSignalFunctionArn',
    entry: 'handlers/normalise-signal.ts',
    localArgs: (ports) => [() => ports.routing ?? DEFAULT_ROUTING],
  },
  {
    id: 'check-guardrails',
    substitution: 'CheckGuardrailsFunctionArn',
    entry: 'handlers/check-guardrails.ts',
    localArgs: (ports) => [dispatchPorts(ports)],
  },
  {
    id: 'summarise-outcome',
    substitution: 'SummariseOutcomeFunctionArn',
    entry: 'handlers/summarise-outcome.ts',
    localArgs: (ports) => [dispatchPorts(ports)],
  },
  {
    id: 'plan-key-reshuffle',
    substitution: 'PlanKeyReshuffleFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'planHandler',
    factory: 'makePlanHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'snapshot-key',
    timeoutSeconds: LONG_TASK_SECONDS,
    substitution: 'SnapshotKeyFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'snapshotHandler',
    factory: 'makeSnapshotHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'publish-shard-map',
    substitution: 'PublishShardMapFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'publishHandler',
    factory: 'makePublishHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'advance-shard-map',
    substitution: 'AdvanceShardMapFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'advanceHandler',
    factory: 'makeAdvanceHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'move-key-batch',
    timeoutSeconds: LONG_TASK_SECONDS,
    substitution: 'MoveKeyBatchFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'moveHandler',
    factory: 'makeMoveHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'merge-key-batch',
    timeoutSeconds: LONG_TASK_SECONDS,
    substitution: 'MergeKeyBatchFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'mergeHandler',
    factory: 'makeMergeHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'finish-key-merge',
    timeoutSeconds: LONG_TASK_SECONDS,
    substitution: 'FinishKeyMergeFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'finishMergeHandler',
    factory: 'makeFinishMergeHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'check-key-cool',
    substitution: 'CheckKeyCoolFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'checkCoolHandler',
    factory: 'makeCheckCoolHandler',
    localArgs: (ports) => [reshufflePorts(ports)],
  },
  {
    id: 'inspect-backpressure',
    substitution: 'InspectBackpressureFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'inspectHandler',
    factory: 'makeInspectHandler',
    localArgs: (ports) => [backpressurePorts(ports)],
  },
  {
    id: 'apply-backpressure',
    substitution: 'ApplyBackpressureFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'applyHandler',
    factory: 'makeApplyHandler',
    localArgs: (ports) => [backpressurePorts(ports)],
  },
  {
    id: 'check-mapping-settled',
    substitution: 'CheckMappingSettledFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'checkSettledHandler',
    factory: 'makeCheckSettledHandler',
    localArgs: (ports) => [backpressurePorts(ports)],
  },
  {
    id: 'probe-backpressure',
    substitution: 'ProbeBackpressureFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'probeHandler',
    factory: 'makeProbeHandler',
    localArgs: (ports) => [backpressurePorts(ports)],
  },
  {
    id: 'restore-concurrency',
    substitution: 'RestoreConcurrencyFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'restoreHandler',
    factory: 'makeRestoreHandler',
    localArgs: (ports) => [backpressurePorts(ports)],
  },
  {
    id: 'build-backpressure-ledger-item',
    substitution: 'BuildBackpressureLedgerItemFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'ledgerItemHandler',
    factory: 'makeLedgerItemHandler',
    localArgs: (ports) => [backpressurePorts(ports)],
  },
  {
    id: 'confirm-grey-cell',
    substitution: 'ConfirmGreyCellFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'confirmHandler',
    factory: 'makeConfirmHandler',
    localArgs: (ports) => [cellShiftPorts(ports)],
  },
  {
    id: 'check-shift-safety',
    substitution: 'CheckShiftSafetyFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'safetyHandler',
    factory: 'makeSafetyHandler',
    localArgs: (ports) => [cellShiftPorts(ports)],
  },
  {
    id: 'set-cell-routing',
    substitution: 'SetCellRoutingFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'setRoutingHandler',
    factory: 'makeSetRoutingHandler',
    localArgs: (ports) => [cellShiftPorts(ports)],
  },
  {
    id: 'verify-cell-routing',
    substitution: 'VerifyCellRoutingFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'verifyHandler',
    factory: 'makeVerifyHandler',
    localArgs: (ports) => [cellShiftPorts(ports)],
  },
  {
    id: 'check-cell-recovery',
    substitution: 'CheckCellRecoveryFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'recoveryHandler',
    factory: 'makeRecoveryHandler',
    localArgs: (ports) => [cellShiftPorts(ports)],
  },
  {
    id: 'record-cell-routing',
    substitution: 'RecordCellRoutingFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'recordRoutingHandler',
    factory: 'makeRecordRoutingHandler',
    localArgs: (ports) => [cellShiftPorts(ports)],
  },
];

/** Every handler module the CDK app deploys, each bundled once. */
export const HANDLER_ENTRIES: readonly string[] = [
  ...new Set([...TASK_FUNCTIONS.map((task) => task.entry), ...DETECTOR_ENTRIES]),
];

/**
 * The task a Lambda Task state invokes, by its `FunctionName` as the ASL writes it
 * (`${PlanCapacityFunctionArn}`); undefined for anything else.
 */
export function taskInvokedAs(functionNameParameter: unknown): TaskFunction | undefined {
  const substitution = /^\$\{(\w+)\}$/.exec(String(functionNameParameter))?.[1];
  return TASK_FUNCTIONS.find((task) => task.substitution === substitution);
}

export const functionName = (id: string): string => `selfheal-${id}`;

/** The Lambda ARN substitutions for the local engine. */
export function localFunctionSubstitutions(): Record<string, string> {
  return Object.fromEntries(TASK_FUNCTIONS.map((f) => [f.substitution, lambdaArn(functionName(f.id))]));
}
