/**
 * The ports each kind of task is given in the local deployment, built on the simulated world: a
 * task's manifest names its set (`ports` in `runbooks/<name>.json`), and this file is the one
 * place a name becomes arguments to the handler module's factory. A world supplies only what its
 * runbooks read: a queue world has no auto scaling, a cell fleet no CloudWatch. A task that asks
 * for ports its world lacks fails when it runs, naming them.
 */
import type { AutoScalingPort, CloudWatchPort, DynamoDbPort } from '../domain/ports.ts';
import type { BackpressurePorts } from '../domain/backpressure/ports.ts';
import type { CellShiftPorts } from '../domain/cells/shift/ports.ts';
import { DEFAULT_DISPATCH_TABLES, type DispatchTables } from '../domain/dispatch/tables.ts';
import { DEFAULT_ROUTING, type Routing } from '../detectors/routing/routes.ts';
import type { TaskPorts } from '../runbooks/task-spec.ts';

/** What a simulated world gives the local engine's tasks. */
export interface LocalPorts {
  /** dynalite: the protected tables, and dispatch's control and ledger tables. */
  dynamodb: DynamoDbPort;
  /** Epoch milliseconds of the world's virtual clock. */
  now: () => number;
  /** The world's metrics and Contributor Insights, for the capacity and key runbooks. */
  cloudwatch?: CloudWatchPort;
  /** The world's Application Auto Scaling, for the capacity runbook. */
  autoScaling?: AutoScalingPort;
  /** Dispatch's routing; the default routing unless told. */
  routing?: Routing;
  tables?: DispatchTables;
  /** The simulated queue world's ports (`QueueWorld.ports()`), for the SQS-backpressure runbook. */
  backpressure?: BackpressurePorts;
  /** The simulated cell fleet's X-Ray and routing controls, for the cell-traffic-shift runbook. */
  cells?: CellShiftPorts;
}

export class MissingPortsError extends Error {
  constructor(ports: TaskPorts, missing: string) {
    super(`No ${missing} is bound: the local engine was started without the ${ports} ports its task reads`);
    this.name = 'MissingPortsError';
  }
}

function bound<T>(value: T | undefined, ports: TaskPorts, missing: string): T {
  if (value === undefined) throw new MissingPortsError(ports, missing);
  return value;
}

/**
 * The factory's arguments for a task that reads `ports`: getters, so a world is read when the task
 * runs (and a missing port fails that task only, not the engine's start).
 */
export function factoryArguments(ports: TaskPorts, world: LocalPorts): unknown[] {
  switch (ports) {
    case 'none':
      return [];
    case 'capacity':
      return [
        () => ({
          dynamodb: world.dynamodb,
          cloudwatch: bound(world.cloudwatch, ports, 'CloudWatch'),
          autoScaling: bound(world.autoScaling, ports, 'auto scaling'),
          now: world.now,
        }),
      ];
    case 'routing':
      return [() => world.routing ?? DEFAULT_ROUTING];
    case 'dispatch':
      return [
        () => ({ dynamodb: world.dynamodb, now: world.now, tables: world.tables ?? DEFAULT_DISPATCH_TABLES }),
      ];
    case 'reshuffle':
      return [
        () => ({
          dynamodb: world.dynamodb,
          cloudwatch: bound(world.cloudwatch, ports, 'CloudWatch'),
          now: world.now,
          controlTable: (world.tables ?? DEFAULT_DISPATCH_TABLES).control,
        }),
      ];
    case 'backpressure':
      return [() => bound(world.backpressure, ports, 'queue world')];
    case 'cells':
      return [() => bound(world.cells, ports, 'cell fleet')];
  }
}
