/**
 * A Route 53 ARC cluster's data plane, simulated: one routing control per cell, all On at the
 * start, read and set through `RoutingControlPort` in the SDK's shapes and with ARC's error names.
 * The cell traffic shift's tasks change it; the cell fleet's traffic model reads it (`stateAt`)
 * to learn which cells DNS sends traffic to.
 *
 * Modelled as ARC does it:
 *  - an unknown routing control ARN is a ResourceNotFoundException; a missing ARN, a state other
 *    than On/Off, no entries or one control twice in an update is a ValidationException;
 *  - control-panel assertion rules of the ATLEAST kind ("at least N of these controls On") are
 *    judged on the states an update would leave: one it would break refuses the whole update with
 *    a ValidationException and nothing changes, unless the request names the rule's ARN in
 *    SafetyRulesToOverride (ARC's "break glass"); an update of several controls is atomic.
 *
 * Simplifications:
 *  - one control panel, one cluster, no endpoints to fail or throttle (the adapter's concern:
 *    `adapters/route53-recovery-cluster.ts`), no IAM, no ListRoutingControls;
 *  - a routing control's id is its cell's name (ARC generates one), so ARNs read in tests;
 *  - assertion rules apply at once: ARC's WaitPeriodMs and gating rules are not modelled;
 *  - a change is effective the moment it is accepted (ARC's state is strongly consistent across
 *    the cluster's endpoints); DNS follows later, over the records' TTL, as `dns.ts` says.
 */
import type {
  GetRoutingControlStateRequest,
  GetRoutingControlStateResponse,
  RoutingControlState,
  UpdateRoutingControlStatesRequest,
} from '@aws-sdk/client-route53-recovery-cluster';
import type { RoutingControlPort } from '../../domain/cells/routing-port.ts';
import { resourceNotFound, SimulatedServiceError } from '../service-error.ts';
import type { CellRouting, ControlState } from './traffic.ts';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_CONTROL_PANEL_ID = 'cells';

/** An assertion rule of the ATLEAST kind: at least `atLeast` of `cells`' controls stay On. */
export interface AtLeastOnRule {
  /** The rule's id in its ARN: `…:controlpanel/<panel>/safetyrule/<name>`. */
  name: string;
  atLeast: number;
  /** The asserted controls, by cell; default every cell's. */
  cells?: readonly string[];
}

/** One accepted change of one control (an update that sets a control to its state is none). */
export interface RoutingControlChange {
  atMs: number;
  cell: string;
  routingControlArn: string;
  from: ControlState;
  to: ControlState;
}

export interface RoutingControlClusterOptions {
  /** Timestamps the changes: the virtual clock the fleet and the engine share. */
  clock: { now(): number };
  /** One routing control per cell, named after it. */
  cells: readonly string[];
  accountId?: string;
  controlPanelId?: string;
  safetyRules?: readonly AtLeastOnRule[];
}

export interface SimulatedRoutingControls extends RoutingControlPort, CellRouting {
  readonly controlPanelArn: string;
  /** Accepted changes, oldest first. */
  readonly changes: readonly RoutingControlChange[];
  routingControlArn(cell: string): string;
  safetyRuleArn(rule: string): string;
  /** The control's state now. */
  stateOf(cell: string): ControlState;
}

export interface RoutingControlArnParts {
  accountId: string;
  controlPanelId: string;
  routingControlId: string;
}

const ARN = /^arn:aws:route53-recovery-control::(\d{12}):controlpanel\/([^/]+)\/routingcontrol\/([^/]+)$/;

/** `arn:aws:route53-recovery-control::<account>:controlpanel/<panel>/routingcontrol/<id>`. */
export function routingControlArn(parts: RoutingControlArnParts): string {
  const arn = `arn:aws:route53-recovery-control::${parts.accountId}:controlpanel/${parts.controlPanelId}/routingcontrol/${parts.routingControlId}`;
  if (!ARN.test(arn)) throw new RangeError(`cannot make a routing control ARN of ${JSON.stringify(parts)}`);
  return arn;
}

/** The parts of a routing control ARN; undefined for anything else. */
export function parseRoutingControlArn(arn: string): RoutingControlArnParts | undefined {
  const match = ARN.exec(arn);
  if (!match) return undefined;
  const [, accountId, controlPanelId, routingControlId] = match as unknown as [
    string,
    string,
    string,
    string,
  ];
  return { accountId, controlPanelId, routingControlId };
}

export function createRoutingControlCluster(options: RoutingControlClusterOptions): SimulatedRoutingControls {
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const controlPanelId = options.controlPanelId ?? DEFAULT_CONTROL_PANEL_ID;
  const rules = options.safetyRules ?? [];
  validateCluster(options.cells, rules);
  const arnOf = new Map(
    options.cells.map((cell) => [
      cell,
      routingControlArn({ accountId, controlPanelId, routingControlId: cell }),
    ]),
  );
  const cellOf = new Map([...arnOf].map(([cell, arn]) => [arn, cell]));
  const states = new Map<string, ControlState>(options.cells.map((cell) => [cell, 'On']));
  const changes: RoutingControlChange[] = [];
  const panelArn = `arn:aws:route53-recovery-control::${accountId}:controlpanel/${controlPanelId}`;
  const ruleArn = (rule: string) => `${panelArn}/safetyrule/${rule}`;

  const known = (cell: string): string => {
    if (!states.has(cell)) throw new RangeError(`the cluster has no routing control for cell ${cell}`);
    return cell;
  };
  const cellOfArn = (arn: string | undefined): string => {
    if (arn === undefined || arn === '') throw validation('RoutingControlArn is required');
    const cell = cellOf.get(arn);
    if (cell === undefined) throw resourceNotFound(`Routing control ${arn} not found`);
    return cell;
  };

  return {
    cells: options.cells,
    controlPanelArn: panelArn,
    changes,
    routingControlArn: (cell) => arnOf.get(known(cell)) as string,
    safetyRuleArn: ruleArn,
    stateOf: (cell) => states.get(known(cell)) as ControlState,

    stateAt(cell, atMs) {
      // The last change at or before the moment decides; before any, every control was On.
      known(cell);
      let state: ControlState = 'On';
      for (const change of changes) {
        if (change.atMs > atMs) break;
        if (change.cell === cell) state = change.to;
      }
      return state;
    },

    async getRoutingControlState(
      input: GetRoutingControlStateRequest,
    ): Promise<GetRoutingControlStateResponse> {
      const cell = cellOfArn(input.RoutingControlArn);
      return {
        RoutingControlArn: input.RoutingControlArn,
        RoutingControlState: states.get(cell),
        RoutingControlName: cell,
      };
    },

    async updateRoutingControlStates(input: UpdateRoutingControlStatesRequest) {
      const entries = input.UpdateRoutingControlStateEntries ?? [];
      if (entries.length === 0) throw validation('UpdateRoutingControlStateEntries must not be empty');
      // Judge every entry before changing anything: the update is all or nothing.
      const wanted = new Map<string, ControlState>();
      for (const entry of entries) {
        const cell = cellOfArn(entry.RoutingControlArn);
        if (wanted.has(cell)) throw validation(`Routing control ${entry.RoutingControlArn} is updated twice`);
        wanted.set(cell, controlState(entry.RoutingControlState));
      }
      const after = new Map([...states, ...wanted]);
      const overridden = new Set(input.SafetyRulesToOverride ?? []);
      for (const rule of rules) {
        if (overridden.has(ruleArn(rule.name))) continue;
        const asserted = rule.cells ?? options.cells;
        const on = asserted.filter((cell) => after.get(cell) === 'On').length;
        if (on < rule.atLeast) {
          throw validation(
            `Safety rule ${ruleArn(rule.name)} would be violated: it needs at least ${rule.atLeast} of ` +
              `${asserted.length} routing controls On, the update would leave ${on}`,
            'other',
          );
        }
      }
      const atMs = options.clock.now();
      for (const [cell, to] of wanted) {
        const from = states.get(cell) as ControlState;
        if (from === to) continue;
        states.set(cell, to);
        changes.push({ atMs, cell, routingControlArn: arnOf.get(cell) as string, from, to });
      }
      return {};
    },
  };
}

function controlState(state: RoutingControlState | string | undefined): ControlState {
  if (state === 'On' || state === 'Off') return state;
  throw validation(`RoutingControlState must be On or Off, got ${JSON.stringify(state)}`);
}

/** ARC's ValidationException carries a reason, as the SDK's does. */
export class RoutingControlValidationError extends SimulatedServiceError {
  readonly reason: 'fieldValidationFailed' | 'other';

  constructor(message: string, reason: 'fieldValidationFailed' | 'other') {
    super('ValidationException', message);
    this.reason = reason;
  }
}

function validation(
  message: string,
  reason: 'fieldValidationFailed' | 'other' = 'fieldValidationFailed',
): RoutingControlValidationError {
  return new RoutingControlValidationError(message, reason);
}

function validateCluster(cells: readonly string[], rules: readonly AtLeastOnRule[]): void {
  const problems: string[] = [];
  if (new Set(cells).size !== cells.length) problems.push('cell names must be unique');
  for (const cell of cells) {
    if (cell.includes('/') || cell === '')
      problems.push(`${JSON.stringify(cell)} cannot name a routing control`);
  }
  for (const rule of rules) {
    if (!/^[A-Za-z0-9._-]+$/.test(rule.name))
      problems.push(`${JSON.stringify(rule.name)} cannot name a rule`);
    const asserted = rule.cells ?? cells;
    for (const cell of asserted) {
      if (!cells.includes(cell)) problems.push(`safety rule ${rule.name} asserts unknown cell ${cell}`);
    }
    // Every control starts On, so a rule needing more than it asserts could never hold.
    if (!(Number.isInteger(rule.atLeast) && rule.atLeast >= 1 && rule.atLeast <= asserted.length)) {
      problems.push(`safety rule ${rule.name} needs 1..${asserted.length} controls On, not ${rule.atLeast}`);
    }
  }
  if (problems.length > 0) throw new RangeError(`Invalid routing control cluster: ${problems.join('; ')}`);
}
