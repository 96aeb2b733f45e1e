/**
 * Every Lambda task, once: its id (the handler file and the function name), and the definition
 * substitution its runbooks use for its ARN. The CDK app deploys from this list; the local engine
 * binds from it; nothing else names a function.
 */
import type { CapacityPorts } from '../domain/ports.ts';
import type { LocalLambdaHandler } from '../engine/bindings/lambda-invoke.ts';
import { lambdaArn } from '../engine/arns.ts';
import * as checkCapacityRequest from './check-capacity-request.ts';
import * as diagnoseTable from './diagnose-table.ts';
import * as planCapacity from './plan-capacity.ts';
import * as applyCapacityPlan from './apply-capacity-plan.ts';
import * as verifyTableHealth from './verify-table-health.ts';
import * as normaliseSignal from './normalise-signal.ts';
import * as checkGuardrails from './check-guardrails.ts';
import * as summariseOutcome from './summarise-outcome.ts';
import * as reshuffle from './reshuffle-tasks.ts';
import * as backpressure from './backpressure-tasks.ts';
import type { BackpressurePorts } from '../domain/backpressure/ports.ts';
import * as cellShift from './cell-shift-tasks.ts';
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
  /** Builds the handler with its ports (the world's locally, AWS's in production). */
  local(ports: LocalPorts): LocalLambdaHandler;
}

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
    local: () => checkCapacityRequest.makeHandler(),
  },
  {
    id: 'diagnose-table',
    substitution: 'DiagnoseTableFunctionArn',
    entry: 'handlers/diagnose-table.ts',
    local: (ports) => diagnoseTable.makeHandler(fixed(ports)),
  },
  {
    id: 'plan-capacity',
    substitution: 'PlanCapacityFunctionArn',
    entry: 'handlers/plan-capacity.ts',
    local: () => planCapacity.makeHandler(),
  },
  {
    id: 'apply-capacity-plan',
    substitution: 'ApplyCapacityPlanFunctionArn',
    entry: 'handlers/apply-capacity-plan.ts',
    local: (ports) => applyCapacityPlan.makeHandler(fixed(ports)),
  },
  {
    id: 'verify-table-health',
    substitution: 'VerifyTableHealthFunctionArn',
    entry: 'handlers/verify-table-health.ts',
    local: (ports) => verifyTableHealth.makeHandler(fixed(ports)),
  },
  {
    id: 'normalise-signal',
    substitution: 'NormaliseSignalFunctionArn',
    entry: 'handlers/normalise-signal.ts',
    local: (ports) => normaliseSignal.makeHandler(() => ports.routing ?? DEFAULT_ROUTING),
  },
  {
    id: 'check-guardrails',
    substitution: 'CheckGuardrailsFunctionArn',
    entry: 'handlers/check-guardrails.ts',
    local: (ports) => checkGuardrails.makeHandler(dispatchPorts(ports)),
  },
  {
    id: 'summarise-outcome',
    substitution: 'SummariseOutcomeFunctionArn',
    entry: 'handlers/summarise-outcome.ts',
    local: (ports) => summariseOutcome.makeHandler(dispatchPorts(ports)),
  },
  {
    id: 'plan-key-reshuffle',
    substitution: 'PlanKeyReshuffleFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'planHandler',
    local: (ports) => reshuffle.makePlanHandler(reshufflePorts(ports)),
  },
  {
    id: 'snapshot-key',
    substitution: 'SnapshotKeyFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'snapshotHandler',
    local: (ports) => reshuffle.makeSnapshotHandler(reshufflePorts(ports)),
  },
  {
    id: 'publish-shard-map',
    substitution: 'PublishShardMapFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'publishHandler',
    local: (ports) => reshuffle.makePublishHandler(reshufflePorts(ports)),
  },
  {
    id: 'advance-shard-map',
    substitution: 'AdvanceShardMapFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'advanceHandler',
    local: (ports) => reshuffle.makeAdvanceHandler(reshufflePorts(ports)),
  },
  {
    id: 'move-key-batch',
    substitution: 'MoveKeyBatchFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'moveHandler',
    local: (ports) => reshuffle.makeMoveHandler(reshufflePorts(ports)),
  },
  {
    id: 'merge-key-batch',
    substitution: 'MergeKeyBatchFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'mergeHandler',
    local: (ports) => reshuffle.makeMergeHandler(reshufflePorts(ports)),
  },
  {
    id: 'finish-key-merge',
    substitution: 'FinishKeyMergeFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'finishMergeHandler',
    local: (ports) => reshuffle.makeFinishMergeHandler(reshufflePorts(ports)),
  },
  {
    id: 'check-key-cool',
    substitution: 'CheckKeyCoolFunctionArn',
    entry: 'handlers/reshuffle-tasks.ts',
    handlerName: 'checkCoolHandler',
    local: (ports) => reshuffle.makeCheckCoolHandler(reshufflePorts(ports)),
  },
  {
    id: 'inspect-backpressure',
    substitution: 'InspectBackpressureFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'inspectHandler',
    local: (ports) => backpressure.makeInspectHandler(backpressurePorts(ports)),
  },
  {
    id: 'apply-backpressure',
    substitution: 'ApplyBackpressureFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'applyHandler',
    local: (ports) => backpressure.makeApplyHandler(backpressurePorts(ports)),
  },
  {
    id: 'check-mapping-settled',
    substitution: 'CheckMappingSettledFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'checkSettledHandler',
    local: (ports) => backpressure.makeCheckSettledHandler(backpressurePorts(ports)),
  },
  {
    id: 'probe-backpressure',
    substitution: 'ProbeBackpressureFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'probeHandler',
    local: (ports) => backpressure.makeProbeHandler(backpressurePorts(ports)),
  },
  {
    id: 'restore-concurrency',
    substitution: 'RestoreConcurrencyFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'restoreHandler',
    local: (ports) => backpressure.makeRestoreHandler(backpressurePorts(ports)),
  },
  {
    id: 'build-backpressure-ledger-item',
    substitution: 'BuildBackpressureLedgerItemFunctionArn',
    entry: 'handlers/backpressure-tasks.ts',
    handlerName: 'ledgerItemHandler',
    local: (ports) => backpressure.makeLedgerItemHandler(backpressurePorts(ports)),
  },
  {
    id: 'confirm-grey-cell',
    substitution: 'ConfirmGreyCellFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'confirmHandler',
    local: (ports) => cellShift.makeConfirmHandler(cellShiftPorts(ports)),
  },
  {
    id: 'check-shift-safety',
    substitution: 'CheckShiftSafetyFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'safetyHandler',
    local: (ports) => cellShift.makeSafetyHandler(cellShiftPorts(ports)),
  },
  {
    id: 'set-cell-routing',
    substitution: 'SetCellRoutingFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'setRoutingHandler',
    local: (ports) => cellShift.makeSetRoutingHandler(cellShiftPorts(ports)),
  },
  {
    id: 'verify-cell-routing',
    substitution: 'VerifyCellRoutingFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'verifyHandler',
    local: (ports) => cellShift.makeVerifyHandler(cellShiftPorts(ports)),
  },
  {
    id: 'check-cell-recovery',
    substitution: 'CheckCellRecoveryFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'recoveryHandler',
    local: (ports) => cellShift.makeRecoveryHandler(cellShiftPorts(ports)),
  },
  {
    id: 'record-cell-routing',
    substitution: 'RecordCellRoutingFunctionArn',
    entry: 'handlers/cell-shift-tasks.ts',
    handlerName: 'recordRoutingHandler',
    local: (ports) => cellShift.makeRecordRoutingHandler(cellShiftPorts(ports)),
  },
];

export const functionName = (id: string): string => `selfheal-${id}`;

/** The Lambda ARN substitutions for the local engine. */
export function localFunctionSubstitutions(): Record<string, string> {
  return Object.fromEntries(TASK_FUNCTIONS.map((f) => [f.substitution, lambdaArn(functionName(f.id))]));
}
