/**
 * The cell-traffic-shift runbook's ports over the simulated fleet, for the tests of its steps (the
 * domain functions, and the Lambda tasks around them): GREY_CELL_INCIDENT's five `checkout` cells,
 * 100 requests a second each (and a canary's 1) with room for 250, checkout-cell-3 failing grey
 * (20 % faults, 3x slower) from minute 5 to minute 35. Noise-free, so each cell serves exactly
 * 6,060 requests a minute and the safety arithmetic is exact; faults are still drawn at random
 * (seeded). Every call through the ports is recorded. DNS and X-Ray are the incident's world
 * (world/cells/world-parameters.ts): every request traced, a minute's statistics shown 30 s after
 * it ends (an assumption of the world), clients following a routing change as their 60 s TTL runs
 * out. The clock stands at 40 s past the minute the test moves it to, 10:40 to begin with: X-Ray
 * shows the minute that has just ended, so there are five whole minutes of the fault to read. (It
 * stood at 20 s past while the world's X-Ray showed a minute the moment it ended; a test that reads
 * before X-Ray shows the last minute asks for 20 s past itself.)
 */
import type { GetTimeSeriesServiceStatisticsRequest } from '@aws-sdk/client-xray';
import type { UpdateRoutingControlStatesRequest } from '@aws-sdk/client-route53-recovery-cluster';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import { parseCellShiftRequest, type CellShiftRequest } from '../../domain/cells/shift/request.ts';
import { setCellRouting } from '../../domain/cells/shift/runbook.ts';
import type { ControlState } from '../../domain/cells/shift/safety.ts';
import type { FleetFault } from '../../world/cells/cell-fleet.ts';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONTROL_PANEL_ID,
  routingControlArn,
  type AtLeastOnRule,
} from '../../world/cells/routing-controls.ts';
import { GREY_CELL, GREY_CELL_INCIDENT } from '../../scenarios/cell-shift/incident.ts';
import { buildCellFleet, cellShiftRequest } from '../../scenarios/cell-shift/world.ts';

export const INCIDENT = GREY_CELL_INCIDENT;
export const GREY = GREY_CELL;
export const CELLS = INCIDENT.cells.map((c) => c.name);
export const RECEIVERS = CELLS.filter((c) => c !== GREY);
const MINUTE = 60_000;
/** Seconds past the minute the clock stands at unless a test says otherwise: after X-Ray's 30 s. */
export const READ_SECONDS = 40;
/** When, `minute` minutes and `seconds` seconds into the incident (the grey fault holds 5–35). */
export const at = (minute: number, seconds = READ_SECONDS) =>
  INCIDENT.startMs + minute * MINUTE + seconds * 1000;
export const iso = (ms: number) => new Date(ms).toISOString();

/** ARNs as the simulated cluster names them: `…:controlpanel/cells/routingcontrol/<cell>`. */
export const arnOf = (cell: string) =>
  routingControlArn({
    accountId: DEFAULT_ACCOUNT_ID,
    controlPanelId: DEFAULT_CONTROL_PANEL_ID,
    routingControlId: cell,
  });
const cellOfArn = (arn: string | undefined) => arn?.split('/').at(-1) ?? '(none)';
export const allOn = (): Record<string, ControlState> => Object.fromEntries(CELLS.map((c) => [c, 'On']));

/** The runbook's input, as dispatch builds it for the grey cell from `routing.fleets`. */
export const request = (extra: Record<string, unknown> = {}) =>
  cellShiftRequest(INCIDENT, { routingControlArn: arnOf }, GREY, { incidentId: 'incident-1', ...extra });

/** The request as the steps read it: validated, every default filled in. */
export const parsedRequest = (extra: Record<string, unknown> = {}): CellShiftRequest =>
  parseCellShiftRequest(request(extra));

export interface CellFleetSetup {
  faults?: readonly FleetFault[];
  /** The control panel's ATLEAST safety rules (ARC's own, judged on every update). */
  safetyRules?: readonly AtLeastOnRule[];
}

export async function cellFleetPorts({ faults, safetyRules }: CellFleetSetup = {}) {
  const {
    clock,
    fleet,
    routing: controls,
    xray,
  } = buildCellFleet({
    incident: faults ? { ...INCIDENT, faults: [...faults] } : INCIDENT,
    seed: 1,
    noise: 0,
    ...(safetyRules ? { safetyRules } : {}),
  });

  /** Names of the calls the steps made, in order, each with the cell it was about. */
  const calls: string[] = [];
  /** Every X-Ray request the steps sent. */
  const statistics: GetTimeSeriesServiceStatisticsRequest[] = [];
  /** Every UpdateRoutingControlStates request the steps sent. */
  const updates: UpdateRoutingControlStatesRequest[] = [];
  const ports: CellShiftPorts = {
    xray: {
      getTimeSeriesServiceStatistics: (input) => {
        calls.push(
          `GetTimeSeriesServiceStatistics ${/"(.*)"/.exec(input.EntitySelectorExpression ?? '')?.[1]}`,
        );
        statistics.push(input);
        return xray.getTimeSeriesServiceStatistics(input);
      },
      getInsightSummaries: (input) => xray.getInsightSummaries(input),
    },
    routing: {
      getRoutingControlState: (input) => {
        calls.push(`GetRoutingControlState ${cellOfArn(input.RoutingControlArn)}`);
        return controls.getRoutingControlState(input);
      },
      updateRoutingControlStates: (input) => {
        calls.push('UpdateRoutingControlStates');
        updates.push(input);
        return controls.updateRoutingControlStates(input);
      },
    },
    now: () => clock.now(),
  };
  /** Moves the clock on to `minute`:`seconds` into the incident. */
  const goTo = (minute: number, seconds = READ_SECONDS) =>
    clock.advance((at(minute, seconds) - clock.now()) / 1000);
  await goTo(10);

  return {
    fleet,
    controls,
    ports,
    calls,
    statistics,
    updates,
    goTo,
    /** Sets a cell's control now, behind the steps' back (an operator, an earlier run). */
    async set(cell: string, state: 'On' | 'Off') {
      await controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(cell), RoutingControlState: state }],
      });
    },
    /** Forgets the calls made so far (by the steps before the one under test). */
    forget() {
      calls.length = 0;
      statistics.length = 0;
      updates.length = 0;
    },
  };
}
export type CellFleetPorts = Awaited<ReturnType<typeof cellFleetPorts>>;

/**
 * The grey cell drained: the runbook turned its control Off at 10:40 (`shiftedAt`); the calls so
 * far forgotten.
 */
export async function greyCellDrained(extra: Record<string, unknown> = {}) {
  const world = await cellFleetPorts();
  const request = parsedRequest(extra);
  const { at: shiftedAt } = await setCellRouting(world.ports, request, 'Off');
  world.forget();
  return { world, request, shiftedAt };
}

/** The cell's requests, faults, over whole minutes [from, to), as the world served them. */
export function served(world: CellFleetPorts, cell: string, from: number, to: number) {
  const minutes = Array.from({ length: to - from }, (_, i) => world.fleet.minute(cell, from + i));
  return {
    requests: minutes.reduce((sum, m) => sum + m.requests, 0),
    faults: minutes.reduce((sum, m) => sum + m.faults, 0),
  };
}
