/**
 * The cell-traffic-shift runbook's six Lambda tasks, invoked as Lambda invokes them: each with the
 * Payload its own state in `statemachines/cell-traffic-shift.asl.json` sends, against the simulated
 * cell fleet (five `checkout` cells behind Route 53 ARC routing controls, traced by X-Ray, on a
 * clock the test moves) — and, for how AWS's errors reach Step Functions, against the production
 * ARC adapter over a mocked SDK.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConflictException,
  GetRoutingControlStateCommand,
  ResourceNotFoundException,
  Route53RecoveryClusterClient,
  ThrottlingException,
  UpdateRoutingControlStatesCommand,
  ValidationException,
  type UpdateRoutingControlStatesRequest,
} from '@aws-sdk/client-route53-recovery-cluster';
import type { GetTimeSeriesServiceStatisticsRequest } from '@aws-sdk/client-xray';
import * as cellShift from '../../handlers/cell-shift-tasks.ts';
import {
  makeConfirmHandler,
  makeRecordRoutingHandler,
  makeRecoveryHandler,
  makeSafetyHandler,
  makeSetRoutingHandler,
  makeVerifyHandler,
} from '../../handlers/cell-shift-tasks.ts';
import { TASK_FUNCTIONS } from '../../handlers/registry.ts';
import { recoveryClusterAdapter, type ClusterEndpoint } from '../../adapters/route53-recovery-cluster.ts';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import type { Confirmation, SafetyAssessment } from '../../domain/cells/shift/runbook.ts';
import type { LedgerItem } from '../../domain/dispatch/ledger.ts';
import { findState, loadDefinitionFile } from '../../engine/asl.ts';
import { STATEMACHINES_DIR } from '../../local/runbooks.ts';
import { toJson, type JsonObject, type JsonValue } from '../../core/json.ts';
import { FLEET_SLOWDOWN_INCIDENT, GREY_CELL_INCIDENT } from '../../simulations/cell-shift-incident.ts';
import { cellShiftRequest } from '../../simulations/cell-shift-world.ts';
import { createCellFleet, type CellSpec, type FleetFault } from '../../world/cells/cell-fleet.ts';
import {
  createRoutingControlCluster,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONTROL_PANEL_ID,
  routingControlArn,
  type AtLeastOnRule,
} from '../../world/cells/routing-controls.ts';
import { simulatedXRay } from '../../world/cells/xray.ts';
import { seededRandom } from '../../core/random.ts';
import { SimulatedServiceError } from '../../world/service-error.ts';
import { fillParameters, invocationError, invoke } from './support.ts';

const INCIDENT = GREY_CELL_INCIDENT;
const GREY = 'checkout-cell-3';
const CELLS = INCIDENT.cells.map((c) => c.name);
const RECEIVERS = CELLS.filter((c) => c !== GREY);
const EXECUTION_NAME = 'cell-traffic-shift-7f3a';
const MINUTE = 60_000;
/** When, `minute` minutes and `seconds` seconds into the incident (the grey fault holds 5–35). */
const at = (minute: number, seconds = 20) => INCIDENT.startMs + minute * MINUTE + seconds * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

/** ARNs as the simulated cluster names them: `…:controlpanel/cells/routingcontrol/<cell>`. */
const arnOf = (cell: string) =>
  routingControlArn({
    accountId: DEFAULT_ACCOUNT_ID,
    controlPanelId: DEFAULT_CONTROL_PANEL_ID,
    routingControlId: cell,
  });
const cellOfArn = (arn: string | undefined) => arn?.split('/').at(-1) ?? '(none)';
const allOn = () => Object.fromEntries(CELLS.map((c) => [c, 'On']));

// ---------------------------------------------------------------------------------------------
// The runbook: which state invokes which task, what it sends, and what it retries and catches.

const runbook = await loadDefinitionFile(join(STATEMACHINES_DIR, 'cell-traffic-shift.asl.json'));

const STATES = {
  confirm: { id: 'confirm-grey-cell', make: makeConfirmHandler, state: 'Confirm the cell is still grey' },
  safety: { id: 'check-shift-safety', make: makeSafetyHandler, state: 'Check the safety rules' },
  recordBefore: {
    id: 'record-cell-routing',
    make: makeRecordRoutingHandler,
    state: 'Record the routing before the shift',
  },
  turnOff: {
    id: 'set-cell-routing',
    make: makeSetRoutingHandler,
    state: "Turn the cell's routing control off",
  },
  verifyOff: {
    id: 'verify-cell-routing',
    make: makeVerifyHandler,
    state: 'Verify traffic has left the cell',
  },
  recovery: {
    id: 'check-cell-recovery',
    make: makeRecoveryHandler,
    state: 'Check whether the cell has recovered',
  },
  turnOn: {
    id: 'set-cell-routing',
    make: makeSetRoutingHandler,
    state: "Turn the cell's routing control back on",
  },
  verifyOn: { id: 'verify-cell-routing', make: makeVerifyHandler, state: 'Verify the cell is back on' },
  putBack: {
    id: 'set-cell-routing',
    make: makeSetRoutingHandler,
    state: "Put the cell's routing control back on",
  },
  recordAfter: {
    id: 'record-cell-routing',
    make: makeRecordRoutingHandler,
    state: 'Record the routing after the failure',
  },
} as const;
type StateKey = keyof typeof STATES;

interface LambdaTaskState {
  Type: string;
  Parameters: { FunctionName: string; Payload: JsonObject; [key: string]: JsonValue };
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  ResultSelector?: JsonObject;
  ResultPath?: string | null;
  OutputPath?: string;
}

function taskState(key: StateKey): LambdaTaskState {
  const state = findState(runbook, STATES[key].state);
  if (state?.Type !== 'Task') throw new Error(`cell-traffic-shift has no Task state "${STATES[key].state}"`);
  return state as unknown as LambdaTaskState;
}

/** The context object's one field these Payloads read. */
const CONTEXT: JsonValue = { Execution: { Name: EXECUTION_NAME } };

/** `States.Format('… {} …', $.a, $.b)`: the one intrinsic function these Payloads use. */
const FORMAT = /^States\.Format\('((?:[^'\\]|\\.)*)'((?:\s*,\s*\$[^,]*)*)\)$/;

function format(match: RegExpExecArray, input: JsonValue): string {
  const args = (match[2] ?? '')
    .split(',')
    .map((arg) => arg.trim())
    .filter((arg) => arg !== '')
    .map((path) => fillParameters({ 'value.$': path }, input, CONTEXT).value ?? null);
  let next = 0;
  return (match[1] ?? '').replace(/\\(.)/g, '$1').replace(/\{\}/g, () => {
    const value = args[next++] ?? null;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** The Lambda event a task's state sends, given the state's input (its Parameters' `Payload`). */
function payloadOf(key: StateKey, stateInput: unknown): JsonValue {
  const input = toJson(stateInput);
  const plain: JsonObject = {};
  const formatted: JsonObject = {};
  for (const [field, value] of Object.entries(taskState(key).Parameters.Payload)) {
    const match = field.endsWith('.$') && typeof value === 'string' ? FORMAT.exec(value) : null;
    if (match) formatted[field.slice(0, -2)] = format(match, input);
    else plain[field] = value;
  }
  return { ...fillParameters(plain, input, CONTEXT), ...formatted };
}

/**
 * The state's output, as Step Functions makes it from the task's result: its ResultSelector (which
 * fails, as Step Functions would, on a field the result lacks), ResultPath and OutputPath.
 */
function outputOf(key: StateKey, stateInput: JsonObject, result: unknown): JsonObject {
  const state = taskState(key);
  const raw: JsonObject = { Payload: toJson(result) };
  const selected = state.ResultSelector ? fillParameters(state.ResultSelector, raw) : raw;
  if (state.OutputPath === '$.Payload') return selected.Payload as JsonObject;
  if (state.ResultPath === null) return stateInput;
  if (!state.ResultPath?.startsWith('$.')) throw new Error(`unsupported ResultPath ${state.ResultPath}`);
  return { ...stateInput, [state.ResultPath.slice(2)]: selected };
}

const retriedBy = (key: StateKey) => (taskState(key).Retry ?? []).flatMap((r) => r.ErrorEquals);

/** Where the state's first matching Catch sends an error of this name. */
function caughtBy(key: StateKey, errorName: string): string | undefined {
  const matches = (equals: string[]) => equals.includes(errorName) || equals.includes('States.ALL');
  return (taskState(key).Catch ?? []).find((c) => matches(c.ErrorEquals))?.Next;
}

/**
 * A task's failure as Step Functions sees it: its `errorType` (the error's name), whether the
 * state's Retry blocks retry it (exactly when the error says it is retryable), and, for an error
 * not retried, the state its Catch sends the run to.
 */
async function failure(
  key: StateKey,
  promise: Promise<unknown>,
  expected: { errorType: string; retried: true } | { errorType: string; retried: false; caughtBy: string },
) {
  const error = await invocationError(promise);
  expect(error).toMatchObject({ name: expected.errorType, retryable: expected.retried });
  expect(retriedBy(key).includes(expected.errorType), `${STATES[key].state} retries it`).toBe(
    expected.retried,
  );
  if (!expected.retried) expect(caughtBy(key, expected.errorType)).toBe(expected.caughtBy);
  return error;
}

/** Invokes a state's task handler, with these ports, on its state's Payload for this state input. */
function run<Result>(key: StateKey, ports: CellShiftPorts, stateInput: unknown): Promise<Result> {
  const { make, id } = STATES[key];
  return invoke(
    make(() => ports),
    id,
    payloadOf(key, stateInput),
  ) as Promise<Result>;
}

// ---------------------------------------------------------------------------------------------
// The simulated world: GREY_CELL_INCIDENT's five `checkout` cells, 100 requests a second each
// (and a canary's 1) with room for 250, checkout-cell-3 failing grey (20 % faults, 3x slower) from
// minute 5 to minute 35. Noise-free, so each cell serves exactly 6,060 requests a minute and the
// safety arithmetic is exact; faults are still drawn at random (seeded). The tasks run at 20 s
// past the minute the test sets, 10:20 unless told: five whole minutes of the fault to read.

interface WorldSetup {
  faults?: readonly FleetFault[];
  cells?: readonly CellSpec[];
  /** The control panel's ATLEAST safety rules (ARC's own, judged on every update). */
  safetyRules?: readonly AtLeastOnRule[];
  seed?: number;
}

function cellWorld(setup: WorldSetup = {}) {
  let now = at(10);
  const clock = { startMs: INCIDENT.startMs, now: () => now };
  const controls = createRoutingControlCluster({
    clock,
    cells: CELLS,
    ...(setup.safetyRules ? { safetyRules: setup.safetyRules } : {}),
  });
  const fleet = createCellFleet({
    clock,
    cells: setup.cells ?? INCIDENT.cells,
    faults: setup.faults ?? INCIDENT.faults,
    random: seededRandom(setup.seed ?? 1),
    routing: controls,
    noise: 0,
  });
  const xray = simulatedXRay(fleet);

  /** Names of the calls the tasks made, in order, each with the cell it was about. */
  const calls: string[] = [];
  /** Every X-Ray request the tasks sent. */
  const statistics: GetTimeSeriesServiceStatisticsRequest[] = [];
  /** Every UpdateRoutingControlStates request the tasks sent. */
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
    now: () => now,
  };

  return {
    fleet,
    controls,
    ports,
    calls,
    statistics,
    updates,
    /** Moves the clock to `minute`:`seconds` into the incident. */
    goTo(minute: number, seconds = 20) {
      now = at(minute, seconds);
    },
    /** Sets a cell's control now, behind the tasks' back (an operator, an earlier run). */
    async set(cell: string, state: 'On' | 'Off') {
      await controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(cell), RoutingControlState: state }],
      });
    },
    /** Forgets the calls made so far (by the states before the one under test). */
    forget() {
      calls.length = 0;
      statistics.length = 0;
      updates.length = 0;
    },
  };
}
type World = ReturnType<typeof cellWorld>;

/** The runbook's input, as dispatch builds it for the grey cell from `routing.fleets`. */
const request = (extra: Record<string, unknown> = {}) =>
  cellShiftRequest(INCIDENT, { routingControlArn: arnOf }, GREY, { incidentId: 'incident-1', ...extra });

/** The request as the confirm state returns it, every default filled in. */
const FILLED_REQUEST = {
  cell: GREY,
  incidentId: 'incident-1',
  dryRun: false,
  fleet: {
    name: 'checkout',
    // X-Ray traces every request of the cells unless told otherwise.
    tracedShare: 1,
    cells: CELLS.map((name) => ({ name, routingControlArn: arnOf(name), capacityRps: 250 })),
  },
  evidence: {
    windowMinutes: 5,
    policy: {
      minRequests: 500,
      outlierScore: 3.5,
      minFaultRateIncrease: 0.02,
      minP99IncreaseMs: 100,
      minP99Ratio: 1.5,
    },
  },
  safety: { maxShareOffPercent: 34, minCellsOn: 2, headroomPercent: 20 },
  approval: { required: true },
  recovery: { bakeSeconds: 300, checkSeconds: 60, minRequests: 30, maxChecks: 60 },
};

/** Requests the runbook refuses, and the issue each error names. */
const INVALID_REQUESTS: [string, unknown, string][] = [
  [
    'a cell that is not one of the fleet’s',
    { ...request(), cell: 'checkout-cell-9' },
    'request.cell: checkout-cell-9 is not a cell of fleet checkout',
  ],
  [
    'a fleet of two cells',
    {
      ...request(),
      cell: 'checkout-cell-1',
      fleet: { ...request().fleet, cells: request().fleet.cells.slice(0, 2) },
    },
    'request.fleet.cells: a fleet needs at least 3 cells to judge one against its peers',
  ],
  [
    'a routing control ARN that is not one',
    {
      ...request(),
      fleet: {
        ...request().fleet,
        cells: request().fleet.cells.map((c, i) => (i === 0 ? { ...c, routingControlArn: 'cell-1' } : c)),
      },
    },
    'request.fleet.cells.0.routingControlArn: must be a Route 53 ARC routing control ARN',
  ],
  [
    'at least as many cells required On as the fleet has',
    request({ safety: { minCellsOn: 5 } }),
    'request.safety.minCellsOn: must be below the number of cells, or no cell could ever be shifted',
  ],
  [
    'more than half the fleet allowed Off',
    request({ safety: { maxShareOffPercent: 60 } }),
    'request.safety.maxShareOffPercent: ',
  ],
  [
    'a bake shorter than a minute',
    request({ recovery: { bakeSeconds: 30 } }),
    'request.recovery.bakeSeconds: ',
  ],
  ['an unknown field', request({ weight: 0 }), 'weight'],
];

// The states in the order the runbook runs them, each given the output of the one before.

type StateInput = JsonObject & { request: typeof FILLED_REQUEST };

const confirm = (world: World, input: unknown = request()) =>
  run<{ request: typeof FILLED_REQUEST; confirmation: Confirmation }>('confirm', world.ports, input);
const checkSafety = (world: World, input: StateInput) => run<SafetyAssessment>('safety', world.ports, input);

/** The input of "Check the safety rules": the confirm state's output. */
async function confirmed(world: World, extra: Record<string, unknown> = {}): Promise<StateInput> {
  const input = request(extra);
  return outputOf('confirm', input, await confirm(world, input)) as StateInput;
}

/** The state after "Check the safety rules" (what every later state reads), calls forgotten. */
async function checked(world: World, extra: Record<string, unknown> = {}): Promise<StateInput> {
  const input = await confirmed(world, extra);
  const state = outputOf('safety', input, await checkSafety(world, input)) as StateInput;
  world.forget();
  return state;
}

/** The cell's requests, faults, over whole minutes [from, to), as the world served them. */
function served(world: World, cell: string, from: number, to: number) {
  const minutes = Array.from({ length: to - from }, (_, i) => world.fleet.minute(cell, from + i));
  return {
    requests: minutes.reduce((sum, m) => sum + m.requests, 0),
    faults: minutes.reduce((sum, m) => sum + m.faults, 0),
  };
}

// ---------------------------------------------------------------------------------------------

describe('the cell-traffic-shift tasks', () => {
  it.each(Object.values(STATES))(
    '"$state" invokes $id, the handler the registry deploys from handlers/cell-shift-tasks.ts',
    ({ id, state }) => {
      const registered = TASK_FUNCTIONS.find((f) => f.id === id);

      expect(registered).toMatchObject({ entry: 'handlers/cell-shift-tasks.ts' });
      expect((findState(runbook, state) as unknown as LambdaTaskState).Parameters.FunctionName).toBe(
        `\${${registered?.substitution}}`,
      );
      expect(typeof cellShift[registered?.handlerName as keyof typeof cellShift]).toBe('function');
    },
  );

  it('are six, every one invoked by a state of the runbook', () => {
    const ids = TASK_FUNCTIONS.filter((f) => f.entry === 'handlers/cell-shift-tasks.ts').map((f) => f.id);

    expect(ids).toHaveLength(6);
    expect(new Set(Object.values(STATES).map((s) => s.id))).toEqual(new Set(ids));
  });
});

describe('confirm-grey-cell (Confirm the cell is still grey)', () => {
  it('confirms the grey cell on the last five whole minutes of every cell, by its fault rate and its p99', async () => {
    const world = cellWorld();

    const { confirmation } = await confirm(world);

    const truth = served(world, GREY, 5, 10);
    expect(truth.requests).toBe(5 * 6060);
    expect(confirmation).toEqual({
      confirmed: true,
      verdict: 'grey-cells',
      reason: 'checkout-cell-3 still stands out from its peers (fault-rate, p99-latency)',
      cell: {
        requests: 30_300,
        faultRate: Math.round((truth.faults / truth.requests) * 1e6) / 1e6,
        p99Ms: expect.closeTo(600, -2),
        outlierBy: ['fault-rate', 'p99-latency'],
      },
    });
    expect(confirmation.cell?.faultRate).toBeGreaterThan(0.15);
    // Every cell, 09:05 to 09:10 in one-minute buckets; no routing control is read.
    expect(world.calls).toEqual(CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`));
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(5, 0)),
      EndTime: new Date(at(10, 0)),
      EntitySelectorExpression: 'service("checkout-cell-1")',
      Period: 60,
    });
  });

  it.each([
    ['a healthy fleet', { faults: [] }, 10],
    ['the grey cell after its fault ended (minute 35)', {}, 41],
  ])(
    'does not confirm %s: the cell no longer stands out, and the runbook reports that no shift is needed',
    async (_what, setup, minute) => {
      const world = cellWorld(setup);
      world.goTo(minute);

      const { confirmation } = await confirm(world);

      expect(confirmation).toMatchObject({
        confirmed: false,
        verdict: 'no-outliers',
        reason: 'checkout-cell-3 no longer stands out from its peers',
        cell: { requests: 30_300, outlierBy: [] },
      });
      expect(confirmation.cell?.faultRate).toBeLessThan(0.01);
    },
  );

  it('does not confirm a cell in a fleet that slows down together: nothing stands out from its peers', async () => {
    const world = cellWorld({ faults: FLEET_SLOWDOWN_INCIDENT.faults });

    const { confirmation } = await confirm(world);

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'no-outliers',
      reason: 'checkout-cell-3 no longer stands out from its peers',
      cell: { p99Ms: expect.closeTo(600, -2), outlierBy: [] },
    });
  });

  it('judges a fleet where most cells stand out fleet-wide, and confirms none: moving traffic would not help', async () => {
    // Two cells faulting, a third slow: three of five stand out, more than a minority.
    const world = cellWorld({
      faults: [
        { kind: 'grey-cell', cell: 'checkout-cell-1', fromMinute: 5, faultRate: 0.2 },
        { kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 5, faultRate: 0.2 },
        { kind: 'grey-cell', cell: GREY, fromMinute: 5, latencyFactor: 3 },
      ],
    });

    const { confirmation } = await confirm(world);

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'fleet-wide',
      reason: 'the whole fleet is degraded: moving traffic between cells would not help',
      cell: { outlierBy: ['p99-latency'] },
    });
    expect(findState(runbook, 'Is it still grey?')).toMatchObject({
      Choices: [
        { Variable: '$.confirmation.confirmed', BooleanEquals: true, Next: 'Check the safety rules' },
      ],
      Default: 'Report that no shift is needed',
    });
  });

  it('does not confirm when too few cells served enough requests to judge one against its peers', async () => {
    const world = cellWorld();

    const { confirmation } = await confirm(world, request({ evidence: { policy: { minRequests: 40_000 } } }));

    expect(confirmation).toMatchObject({
      confirmed: false,
      verdict: 'too-few-peers',
      reason: 'too few cells with traffic to judge one against its peers',
    });
  });

  it('reads the window the request asks for', async () => {
    const world = cellWorld();

    await confirm(world, request({ evidence: { windowMinutes: 3 } }));

    expect(world.statistics.map((s) => [s.StartTime, s.EndTime])).toEqual(
      CELLS.map(() => [new Date(at(7, 0)), new Date(at(10, 0))]),
    );
  });

  it('returns the request with its defaults filled in, which every later state reads', async () => {
    const world = cellWorld();

    const output = await confirm(world);

    expect(output.request).toEqual(FILLED_REQUEST);
    // The state's output is the task's result itself: the request and the confirmation.
    expect(Object.keys(outputOf('confirm', request(), output))).toEqual(['request', 'confirmation']);
  });

  describe('given a request the runbook does not accept', () => {
    it.each(INVALID_REQUESTS)(
      'rejects %s with InvalidRequestError naming the field, reading nothing',
      async (_what, input, issue) => {
        const world = cellWorld();

        const error = await failure('confirm', confirm(world, input), {
          errorType: 'InvalidRequestError',
          retried: false,
          caughtBy: 'Reject the invalid request',
        });

        expect(error.message).toMatch(/^Confirm input is invalid: /);
        expect(error.message).toContain(issue);
        expect(world.calls).toEqual([]);
      },
    );
  });

  it('surfaces X-Ray throttling as AwsThrottledError, which the runbook retries', async () => {
    const world = cellWorld();
    world.ports.xray.getTimeSeriesServiceStatistics = () =>
      Promise.reject(new SimulatedServiceError('ThrottledException', 'Rate exceeded'));

    const error = await failure('confirm', confirm(world), { errorType: 'AwsThrottledError', retried: true });

    expect(error.message).toBe('Reading X-Ray statistics for cell checkout-cell-1: Rate exceeded');
  });

  it('surfaces an X-Ray error it does not know as UnexpectedAwsError: the run fails before any change', async () => {
    const world = cellWorld();
    world.ports.xray.getTimeSeriesServiceStatistics = () =>
      Promise.reject(new SimulatedServiceError('AccessDeniedException', 'not authorised'));

    await failure('confirm', confirm(world), {
      errorType: 'UnexpectedAwsError',
      retried: false,
      caughtBy: 'Shift failed before any change',
    });
  });
});

describe('check-shift-safety (Check the safety rules)', () => {
  it("finds the shift safe: the grey cell's 101 requests a second spread over four receivers, each at half its capacity", async () => {
    const world = cellWorld();
    const input = await confirmed(world);
    world.forget();

    const safety = await checkSafety(world, input);

    expect(safety).toEqual({
      safe: true,
      refusals: [],
      reason: '',
      cellsOnAfter: 4,
      shareOffPercentAfter: 20,
      // 100 of its users' and 1 of a canary's each; a quarter of the grey cell's 101 more.
      receivers: RECEIVERS.map((cell) => ({
        cell,
        rpsNow: 101,
        rpsAfter: 126.3,
        capacityRps: 250,
        utilisationPercent: 50.5,
      })),
      routing: allOn(),
      cellRps: 101,
      lock: {
        now: '2026-11-23T09:10:20.000Z',
        leaseExpiresAt: '2026-11-23T11:50:20.000Z',
        expiresAtEpoch: String(Date.UTC(2026, 10, 23, 11, 50, 20) / 1000),
      },
    });
  });

  it('reads every cell’s routing control, in the fleet’s order, then every cell’s traffic over the evidence window', async () => {
    const world = cellWorld();
    const input = await confirmed(world);
    await world.set('checkout-cell-1', 'Off');
    world.forget();

    const safety = await checkSafety(world, input);

    expect(world.calls).toEqual([
      ...CELLS.map((c) => `GetRoutingControlState ${c}`),
      ...CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`),
    ]);
    expect(world.statistics.every((s) => s.StartTime?.getTime() === at(5, 0))).toBe(true);
    expect(safety.routing).toEqual({ ...allOn(), 'checkout-cell-1': 'Off' });
    // A cell already Off receives nothing.
    expect(safety.receivers.map((r) => r.cell)).toEqual([
      'checkout-cell-2',
      'checkout-cell-4',
      'checkout-cell-5',
    ]);
    expect(world.updates).toEqual([]);
  });

  it('gives the lock a lease longer than the run can take (approval, verifications, every recovery check, an hour more), its expiry in whole epoch seconds rounded up, as strings for DynamoDB', async () => {
    const world = cellWorld();
    const input = await confirmed(world);
    world.goTo(10, 20.25);

    const { lock } = await checkSafety(world, input);

    expect(lock).toEqual({
      now: '2026-11-23T09:10:20.250Z',
      // 30 + 10 minutes, 60 checks of a minute, an hour: 2 h 40 min.
      leaseExpiresAt: '2026-11-23T11:50:20.250Z',
      expiresAtEpoch: String(Date.UTC(2026, 10, 23, 11, 50, 21) / 1000),
    });
    // What "Take the fleet's shift lock" writes and compares with.
    expect(findState(runbook, "Take the fleet's shift lock")).toMatchObject({
      Parameters: {
        Item: {
          leaseExpiresAt: { 'S.$': '$.safety.lock.leaseExpiresAt' },
          expiresAtEpoch: { 'N.$': '$.safety.lock.expiresAtEpoch' },
        },
        ExpressionAttributeValues: { ':now': { 'S.$': '$.safety.lock.now' } },
      },
    });
  });

  it('returns every field its state selects, which the later states read under $.safety', async () => {
    const world = cellWorld();

    const state = await checked(world);

    expect(Object.keys(state.safety as JsonObject).sort()).toEqual(
      ['cellRps', 'lock', 'reason', 'receivers', 'refusals', 'routing', 'safe'].sort(),
    );
    expect(state.request).toEqual(FILLED_REQUEST);
  });

  it.each<[string, Record<string, unknown>, string[], string]>([
    ['a cell already Off', {}, [GREY], 'checkout-cell-3 is already Off: there is nothing to shift'],
    [
      'more than the allowed share of the fleet Off',
      {},
      ['checkout-cell-1'],
      'turning checkout-cell-3 off would leave 2 of 5 cells off (40 %), more than the 34 % allowed',
    ],
    [
      'fewer cells On than required',
      { safety: { minCellsOn: 4, maxShareOffPercent: 50 } },
      ['checkout-cell-5'],
      'turning checkout-cell-3 off would leave 3 cells on, fewer than the 4 required',
    ],
  ])('refuses %s, saying so', async (_what, extra, off, refusal) => {
    const world = cellWorld();
    const input = await confirmed(world, extra);
    for (const cell of off) await world.set(cell, 'Off');

    const safety = await checkSafety(world, input);

    expect(safety).toMatchObject({ safe: false, refusals: [refusal], reason: refusal });
  });

  it('refuses when the receivers lack headroom: with room for 140 they would run at 90.2 %, above the 80 % allowed', async () => {
    const world = cellWorld();
    const tight = request().fleet.cells.map((c) => ({ ...c, capacityRps: 140 }));
    const input = await confirmed(world, { fleet: { name: 'checkout', cells: tight } });

    const safety = await checkSafety(world, input);

    const refusal = `the receiving cells lack headroom: ${RECEIVERS.map(
      (cell) => `${cell} would run at 90.2 % of its capacity`,
    ).join(', ')}, above the 80 % allowed`;
    expect(safety).toMatchObject({ safe: false, refusals: [refusal], reason: refusal });
    expect(safety.receivers[0]).toEqual({
      cell: 'checkout-cell-1',
      rpsNow: 101,
      rpsAfter: 126.3,
      capacityRps: 140,
      utilisationPercent: 90.2,
    });
  });

  it('lists every refusal, and gives them in one sentence as the reason the runbook fails with', async () => {
    const world = cellWorld();
    const input = await confirmed(world, { safety: { minCellsOn: 4 } });
    await world.set('checkout-cell-1', 'Off');

    const safety = await checkSafety(world, input);

    expect(safety.refusals).toEqual([
      'turning checkout-cell-3 off would leave 2 of 5 cells off (40 %), more than the 34 % allowed',
      'turning checkout-cell-3 off would leave 3 cells on, fewer than the 4 required',
    ]);
    expect(safety.reason).toBe(safety.refusals.join('; '));
    expect(findState(runbook, 'Refuse the shift')).toMatchObject({
      Type: 'Fail',
      Error: 'ShiftRefusedError',
      CausePath: '$.safety.reason',
    });
  });

  it('surfaces a routing control the cluster does not know as ResourceNotFoundError: the run fails before any change', async () => {
    const world = cellWorld();
    const input = await confirmed(world);
    const unknown = routingControlArn({
      accountId: DEFAULT_ACCOUNT_ID,
      controlPanelId: 'other-panel',
      routingControlId: 'checkout-cell-2',
    });
    const cells = input.request.fleet.cells.map((c) =>
      c.name === 'checkout-cell-2' ? { ...c, routingControlArn: unknown } : c,
    );

    const error = await failure(
      'safety',
      checkSafety(world, {
        ...input,
        request: { ...input.request, fleet: { name: 'checkout', tracedShare: 1, cells } },
      }),
      { errorType: 'ResourceNotFoundError', retried: false, caughtBy: 'Shift failed before any change' },
    );

    expect(error.message).toBe(
      `GetRoutingControlState of cell checkout-cell-2: Routing control ${unknown} not found`,
    );
  });

  it('surfaces a throttled read of a control as AwsThrottledError, which the runbook retries', async () => {
    const world = cellWorld();
    const input = await confirmed(world);
    world.ports.routing.getRoutingControlState = () =>
      Promise.reject(new SimulatedServiceError('ThrottlingException', 'Rate exceeded'));

    await failure('safety', checkSafety(world, input), { errorType: 'AwsThrottledError', retried: true });
  });
});

describe('set-cell-routing (Turn the cell’s routing control off; back on; Put it back on)', () => {
  it("turns the cell's control Off with one UpdateRoutingControlStates of exactly its entry, and says when", async () => {
    const world = cellWorld();
    const state = await checked(world);

    const change = await run('turnOff', world.ports, state);

    expect(world.updates).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'Off' }] },
    ]);
    expect(world.updates[0]).not.toHaveProperty('SafetyRulesToOverride');
    expect(change).toEqual({ cell: GREY, state: 'Off', at: iso(at(10)) });
    expect(outputOf('turnOff', state, change).shiftedOff).toEqual(change);
    expect(world.controls.changes).toEqual([
      { atMs: at(10), cell: GREY, routingControlArn: arnOf(GREY), from: 'On', to: 'Off' },
    ]);
    // The cell's users leave it from the next whole minute; its canary stays.
    expect(world.fleet.minute(GREY, 10).requests).toBe(6060);
    expect(world.fleet.minute(GREY, 11).requests).toBe(60);
  });

  it('turns it back On after the bake, the same way', async () => {
    const world = cellWorld();
    const state = await checked(world);
    await run('turnOff', world.ports, state);
    world.goTo(45);
    world.forget();

    const change = await run('turnOn', world.ports, state);

    expect(world.updates).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'On' }] },
    ]);
    expect(change).toEqual({ cell: GREY, state: 'On', at: iso(at(45)) });
    expect(outputOf('turnOn', state, change).shiftedBack).toEqual(change);
    expect(world.controls.stateOf(GREY)).toBe('On');
  });

  it('puts the control back On after a failure without reading it first, and is idempotent: a control already On stays so', async () => {
    const world = cellWorld();
    const state = await checked(world);

    await run('putBack', world.ports, { ...state, failure: { Error: 'States.Timeout', Cause: '' } });

    expect(world.updates).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'On' }] },
    ]);
    expect(world.calls).toEqual(['UpdateRoutingControlStates']);
    expect(world.controls.changes).toEqual([]);
    expect(world.controls.stateOf(GREY)).toBe('On');
  });

  it("fails with ChangeRejectedError when ARC's own safety rule refuses the update: not retried, the routing is put back", async () => {
    const world = cellWorld({ safetyRules: [{ name: 'at-least-four-on', atLeast: 4 }] });
    const state = await checked(world);
    await world.set('checkout-cell-1', 'Off');

    const error = await failure('turnOff', run('turnOff', world.ports, state), {
      errorType: 'ChangeRejectedError',
      retried: false,
      caughtBy: "Put the cell's routing control back on",
    });

    expect(error.message).toBe(
      `UpdateRoutingControlStates checkout-cell-3 Off: ARC refused it (a control panel safety rule?): Safety rule ${world.controls.safetyRuleArn('at-least-four-on')} would be violated: it needs at least 4 of 5 routing controls On, the update would leave 3`,
    );
    expect(world.controls.stateOf(GREY)).toBe('On');
  });

  it('surfaces a refusal to put the routing back as ChangeRejectedError too: the run goes on to record the routing', async () => {
    const world = cellWorld();
    const state = await checked(world);
    world.ports.routing.updateRoutingControlStates = () =>
      Promise.reject(
        new SimulatedServiceError('ValidationException', 'at least one safety rule was violated'),
      );

    await failure('putBack', run('putBack', world.ports, state), {
      errorType: 'ChangeRejectedError',
      retried: false,
      caughtBy: 'Record the routing after the failure',
    });
  });

  it('surfaces a throttled update as AwsThrottledError, which each of its states retries', async () => {
    const world = cellWorld();
    const state = await checked(world);
    world.ports.routing.updateRoutingControlStates = () =>
      Promise.reject(new SimulatedServiceError('ThrottlingException', 'Rate exceeded'));

    for (const key of ['turnOff', 'turnOn', 'putBack'] as const) {
      await failure(key, run(key, world.ports, state), { errorType: 'AwsThrottledError', retried: true });
    }
  });

  it('rejects a state other than On or Off with InvalidRequestError, changing nothing', async () => {
    const world = cellWorld();
    const state = await checked(world);

    const error = await failure(
      'turnOff',
      invoke(
        makeSetRoutingHandler(() => world.ports),
        'set-cell-routing',
        {
          request: state.request,
          state: 'Drained',
        },
      ),
      {
        errorType: 'InvalidRequestError',
        retried: false,
        caughtBy: "Put the cell's routing control back on",
      },
    );

    expect(error.message).toMatch(/^Routing change input is invalid: state: /);
    expect(world.calls).toEqual([]);
  });
});

describe('verify-cell-routing (Verify traffic has left the cell; Verify the cell is back on)', () => {
  /** The runbook turned the grey cell Off at 10:20; the verification loop starts. */
  async function shifted(world: World): Promise<StateInput> {
    const state = await checked(world);
    const off = outputOf('turnOff', state, await run('turnOff', world.ports, state));
    world.forget();
    return { ...state, ...off, verify: { checks: 0 } };
  }
  const verify = (world: World, key: 'verifyOff' | 'verifyOn', input: unknown) =>
    run<{ verified: boolean; state: string; rpsNow: number; checks: number }>(key, world.ports, input);

  it('does not verify a shift Off in the minute it has not yet taken effect, and verifies it once the traffic left', async () => {
    const world = cellWorld();
    const state = await shifted(world);
    expect(state.safety).toMatchObject({ cellRps: 101 });

    // 11:20: minute 10 had begun when the control changed; the cell served all of it.
    world.goTo(11);
    const first = await verify(world, 'verifyOff', state);
    expect(first).toEqual({ verified: false, state: 'Off', rpsNow: 101, checks: 1 });

    // 12:20: minute 11 brought it its canary's 60 requests only, under a tenth of 101 a second.
    world.goTo(12);
    const second = await verify(world, 'verifyOff', outputOf('verifyOff', state, first));
    expect(second).toEqual({ verified: true, state: 'Off', rpsNow: 1, checks: 2 });
    expect(outputOf('verifyOff', state, second).verify).toEqual({ verified: true, checks: 2, rpsNow: 1 });
  });

  it("reads the control back and the cell's last whole minute, of that cell alone", async () => {
    const world = cellWorld();
    const state = await shifted(world);
    world.goTo(12);

    await verify(world, 'verifyOff', state);

    expect(world.calls).toEqual([`GetRoutingControlState ${GREY}`, `GetTimeSeriesServiceStatistics ${GREY}`]);
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(11, 0)),
      EndTime: new Date(at(12, 0)),
    });
    expect(world.updates).toEqual([]);
  });

  it('does not verify a shift Off while the control reads On, however little traffic the cell serves', async () => {
    const world = cellWorld();
    const state = await shifted(world);
    world.goTo(12);
    await world.set(GREY, 'On');

    const result = await verify(world, 'verifyOff', state);

    expect(result).toEqual({ verified: false, state: 'On', rpsNow: 1, checks: 1 });
  });

  it('fails with ShiftNotEffectiveError on its last check (the fifth) if the traffic has not left: the routing is put back', async () => {
    const world = cellWorld();
    const state = await shifted(world);
    world.goTo(11);

    const error = await failure(
      'verifyOff',
      verify(world, 'verifyOff', { ...state, verify: { checks: 4 } }),
      {
        errorType: 'ShiftNotEffectiveError',
        retried: false,
        caughtBy: "Put the cell's routing control back on",
      },
    );

    expect(error.message).toBe(
      'checkout-cell-3: routing control reads Off (asked Off) and the cell serves 101 requests a second (101 before) after 5 checks',
    );
    expect(taskState('verifyOff').Parameters.Payload.maxChecks).toBe(5);
  });

  it('verifies the cell back On once its control reads On and half its traffic has returned', async () => {
    const world = cellWorld();
    const state = await shifted(world);
    world.goTo(45);
    await run('turnOn', world.ports, state);
    world.goTo(45, 40);

    // Changed at 45:20, it applies from minute 46: the last whole minute (44) was drained.
    const early = await verify(world, 'verifyOn', { ...state, verifyBack: { checks: 0 } });
    expect(early).toEqual({ verified: false, state: 'On', rpsNow: 1, checks: 1 });

    world.goTo(47, 40);
    const back = await verify(world, 'verifyOn', { ...state, verifyBack: { checks: 1 } });
    expect(back).toMatchObject({ verified: true, state: 'On', checks: 2 });
    expect(back.rpsNow).toBeGreaterThanOrEqual(101 / 2);
  });

  it('does not verify the cell back On while its control still reads Off, and gives up after five checks', async () => {
    const world = cellWorld();
    const state = await shifted(world);
    world.goTo(45);

    const first = await verify(world, 'verifyOn', { ...state, verifyBack: { checks: 0 } });
    expect(first).toEqual({ verified: false, state: 'Off', rpsNow: 1, checks: 1 });

    const error = await failure(
      'verifyOn',
      verify(world, 'verifyOn', { ...state, verifyBack: { checks: 4 } }),
      {
        errorType: 'ShiftNotEffectiveError',
        retried: false,
        caughtBy: "Put the cell's routing control back on",
      },
    );
    expect(error.message).toBe(
      'checkout-cell-3: routing control reads Off (asked On) and the cell serves 1 requests a second (101 before) after 5 checks',
    );
  });

  it('surfaces a throttled read-back as AwsThrottledError, which the runbook retries', async () => {
    const world = cellWorld();
    const state = await shifted(world);
    world.ports.routing.getRoutingControlState = () =>
      Promise.reject(new SimulatedServiceError('ThrottlingException', 'Rate exceeded'));

    await failure('verifyOff', verify(world, 'verifyOff', state), {
      errorType: 'AwsThrottledError',
      retried: true,
    });
  });
});

describe('check-cell-recovery (Check whether the cell has recovered)', () => {
  interface Bake {
    checks: number;
    healthySeconds: number;
    baked: boolean;
    exhausted: boolean;
    latest: { recovered: boolean; reason: string; requests: number; faultRate: number | null };
  }

  /** The grey cell drained at 10:20, the bake under way: its canary traffic against its peers'. */
  async function drained(world: World, extra: Record<string, unknown> = {}) {
    const state = await checked(world, extra);
    await run('turnOff', world.ports, state);
    world.forget();
    return state;
  }
  const check = (world: World, state: StateInput, bake: { checks: number; healthySeconds: number }) =>
    run<Bake>('recovery', world.ports, { ...state, bake });

  it('finds the cell unhealthy while the fault holds, and starts the bake time again', async () => {
    const world = cellWorld();
    const state = await drained(world);
    world.goTo(15);

    const bake = await check(world, state, { checks: 3, healthySeconds: 120 });

    const truth = served(world, GREY, 14, 15);
    expect(truth.requests).toBe(60);
    expect(bake).toMatchObject({ checks: 4, healthySeconds: 0, baked: false, exhausted: false });
    expect(bake.latest).toMatchObject({ recovered: false, requests: 60, faultRate: truth.faults / 60 });
    expect(bake.latest.reason).toMatch(/^fault rate \d+(\.\d+)? % against the peers' 0(\.\d+)? %$/);
    // One minute (the check interval) of every cell.
    expect(world.calls).toEqual(CELLS.map((c) => `GetTimeSeriesServiceStatistics ${c}`));
    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(14, 0)),
      EndTime: new Date(at(15, 0)),
    });
  });

  it('counts the healthy time once the fault has ended, a check interval at a time', async () => {
    const world = cellWorld();
    const state = await drained(world);
    world.goTo(37);

    const bake = await check(world, state, { checks: 22, healthySeconds: 60 });

    expect(bake).toMatchObject({
      checks: 23,
      healthySeconds: 120,
      baked: false,
      exhausted: false,
      latest: { recovered: true, reason: 'faults and p99 in line with its peers', requests: 60 },
    });
  });

  it('is baked once healthy for the bake time (300 s): the runbook turns the cell back on', async () => {
    const world = cellWorld();
    const state = await drained(world);
    world.goTo(40);

    const bake = await check(world, state, { checks: 25, healthySeconds: 240 });

    expect(bake).toMatchObject({ checks: 26, healthySeconds: 300, baked: true, exhausted: false });
    expect(outputOf('recovery', state, bake).bake).toEqual(bake);
    expect(findState(runbook, 'Has it been healthy for the bake time?')).toMatchObject({
      Choices: [
        { Variable: '$.bake.baked', BooleanEquals: true, Next: "Turn the cell's routing control back on" },
        { Variable: '$.bake.exhausted', BooleanEquals: true, Next: 'Tell the operators the cell stays off' },
      ],
    });
  });

  it('is exhausted on its last check (the 60th) if the cell is still unhealthy: it stays off for an operator', async () => {
    const world = cellWorld();
    const state = await drained(world);
    world.goTo(15);

    const bake = await check(world, state, { checks: 59, healthySeconds: 0 });

    expect(bake).toMatchObject({ checks: 60, healthySeconds: 0, baked: false, exhausted: true });
  });

  it('is not exhausted when its last check completes the bake', async () => {
    const world = cellWorld();
    const state = await drained(world, { recovery: { bakeSeconds: 300, checkSeconds: 60, maxChecks: 10 } });
    world.goTo(40);

    const bake = await check(world, state, { checks: 9, healthySeconds: 240 });

    expect(bake).toMatchObject({ checks: 10, baked: true, exhausted: false });
  });

  it('reads as many minutes as the check interval, and judges none on fewer canary requests than asked for', async () => {
    const world = cellWorld();
    const state = await drained(world, {
      recovery: { bakeSeconds: 600, checkSeconds: 120, minRequests: 200 },
    });
    world.goTo(40);

    const bake = await check(world, state, { checks: 0, healthySeconds: 0 });

    expect(world.statistics[0]).toMatchObject({
      StartTime: new Date(at(38, 0)),
      EndTime: new Date(at(40, 0)),
    });
    expect(bake).toMatchObject({
      checks: 1,
      healthySeconds: 0,
      latest: { recovered: false, requests: 120, reason: 'only 120 canary requests, fewer than 200' },
    });
  });

  it('surfaces X-Ray throttling as AwsThrottledError, which the runbook retries', async () => {
    const world = cellWorld();
    const state = await drained(world);
    world.ports.xray.getTimeSeriesServiceStatistics = () =>
      Promise.reject(new SimulatedServiceError('ThrottledException', 'Rate exceeded'));

    await failure('recovery', check(world, state, { checks: 0, healthySeconds: 0 }), {
      errorType: 'AwsThrottledError',
      retried: true,
    });
  });
});

describe('record-cell-routing (Record the routing before the shift; after the failure)', () => {
  const record = (world: World, key: 'recordBefore' | 'recordAfter', input: unknown) =>
    run<{ routing: Record<string, string>; item: LedgerItem }>(key, world.ports, input);
  const states = (routing: Record<string, string>) =>
    Object.entries(routing)
      .map(([cell, state]) => `${cell} ${state}`)
      .join(', ');

  it('records the routing the safety check read, as the exact ledger item, without reading it again', async () => {
    const world = cellWorld();
    const state = await checked(world);
    world.goTo(11, 5);

    const result = await record(world, 'recordBefore', state);

    expect(result.routing).toEqual(allOn());
    expect(result.item).toEqual({
      resource: { S: 'cell/checkout-cell-3' },
      at: { S: '2026-11-23T09:11:05.000Z#incident-1#2-recorded' },
      day: { S: '2026-11-23' },
      time: { S: '2026-11-23T09:11:05.000Z' },
      incidentId: { S: 'incident-1' },
      decision: { S: 'recorded' },
      reason: {
        S: 'routing before the shift; routing: checkout-cell-1 On, checkout-cell-2 On, checkout-cell-3 On, checkout-cell-4 On, checkout-cell-5 On',
      },
      kind: { S: 'cell-traffic-shift' },
      runbook: { S: 'cell-traffic-shift' },
      actions: { S: JSON.stringify({ routing: allOn() }) },
    });
    expect(world.calls).toEqual([]);
    expect(outputOf('recordBefore', state, result).before).toEqual({ item: result.item });
  });

  it('keeps the routing as given, not as it is now', async () => {
    const world = cellWorld();
    const state = await checked(world);
    await world.set('checkout-cell-1', 'Off');

    const result = await record(world, 'recordBefore', state);

    expect(result.routing).toEqual(allOn());
    expect(world.calls).toEqual([]);
  });

  it('names the incident after the execution when the request has no incident id', async () => {
    const world = cellWorld();
    const state = await checked(world);
    const { incidentId: _incidentId, ...withoutIncident } = state.request;

    const result = await record(world, 'recordBefore', { ...state, request: withoutIncident });

    expect(result.item).toMatchObject({
      incidentId: { S: EXECUTION_NAME },
      at: { S: `2026-11-23T09:10:20.000Z#${EXECUTION_NAME}#2-recorded` },
    });
  });

  it('after a failure, reads every control as it is now and records it with the failure', async () => {
    const world = cellWorld();
    const state = await checked(world);
    await run('turnOff', world.ports, state);
    world.goTo(16);
    world.forget();
    const failureCause = 'checkout-cell-3: routing control reads Off (asked Off) ...';

    const result = await record(world, 'recordAfter', {
      ...state,
      failure: { Error: 'ShiftNotEffectiveError', Cause: failureCause },
    });

    const now = { ...allOn(), [GREY]: 'Off' };
    expect(result.routing).toEqual(now);
    expect(world.calls).toEqual(CELLS.map((c) => `GetRoutingControlState ${c}`));
    expect(result.item).toEqual({
      resource: { S: 'cell/checkout-cell-3' },
      at: { S: '2026-11-23T09:16:20.000Z#incident-1#3-failed' },
      day: { S: '2026-11-23' },
      time: { S: '2026-11-23T09:16:20.000Z' },
      incidentId: { S: 'incident-1' },
      decision: { S: 'failed' },
      reason: { S: `the shift failed: ShiftNotEffectiveError: ${failureCause}; routing: ${states(now)}` },
      kind: { S: 'cell-traffic-shift' },
      runbook: { S: 'cell-traffic-shift' },
      actions: { S: JSON.stringify({ routing: now }) },
    });
    expect(outputOf('recordAfter', state, result).after).toEqual(result);
  });

  it('rejects a decision other than recorded or failed with InvalidRequestError: the routing is put back without a record', async () => {
    const world = cellWorld();
    const state = await checked(world);

    const error = await failure(
      'recordBefore',
      invoke(
        makeRecordRoutingHandler(() => world.ports),
        'record-cell-routing',
        {
          request: state.request,
          decision: 'succeeded',
          reason: 'routing before the shift',
          executionName: EXECUTION_NAME,
        },
      ),
      { errorType: 'InvalidRequestError', retried: false, caughtBy: 'Release the lock: not shifted' },
    );

    expect(error.message).toMatch(/^Routing record input is invalid: decision: /);
  });

  it('surfaces a failed read after a failure by name: a throttled one is retried, any other releases the lock', async () => {
    const world = cellWorld();
    const state = await checked(world);
    const input = { ...state, failure: { Error: 'States.Timeout', Cause: '' } };

    world.ports.routing.getRoutingControlState = () =>
      Promise.reject(new SimulatedServiceError('ThrottlingException', 'Rate exceeded'));
    await failure('recordAfter', record(world, 'recordAfter', input), {
      errorType: 'AwsThrottledError',
      retried: true,
    });

    world.ports.routing.getRoutingControlState = () =>
      Promise.reject(new SimulatedServiceError('AccessDeniedException', 'not authorised'));
    await failure('recordAfter', record(world, 'recordAfter', input), {
      errorType: 'UnexpectedAwsError',
      retried: false,
      caughtBy: 'Release the lock after the failure',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Against Route 53 ARC's own API: the production adapter over mocked clients, one per endpoint,
// with the simulated fleet's X-Ray. How ARC's errors reach Step Functions.

describe('the routing tasks against Route 53 ARC (the production adapter)', () => {
  const $metadata = { httpStatusCode: 400, requestId: 'req-1' };
  const ENDPOINTS: ClusterEndpoint[] = [
    { endpoint: 'https://host-aaaaaa.us-east-1.example.com/v1', region: 'us-east-1' },
    { endpoint: 'https://host-bbbbbb.us-west-2.example.com/v1', region: 'us-west-2' },
    { endpoint: 'https://host-cccccc.eu-west-1.example.com/v1', region: 'eu-west-1' },
  ];
  const clients = ENDPOINTS.map(
    (e) => new Route53RecoveryClusterClient({ endpoint: e.endpoint, region: e.region }),
  );
  const mocks = clients.map((client) => mockClient(client));
  const calls = () => mocks.map((m) => m.calls().length);

  /** The simulated world's X-Ray and clock; ARC through the adapter, endpoint 0 tried first. */
  function inAws(world: World): CellShiftPorts {
    const routing = recoveryClusterAdapter(ENDPOINTS, {
      createClient: (endpoint) => clients[ENDPOINTS.findIndex((e) => e.endpoint === endpoint)]!,
      firstEndpoint: 0,
    });
    return { ...world.ports, routing };
  }

  beforeEach(() => {
    for (const m of mocks) m.reset();
  });
  afterAll(() => {
    for (const m of mocks) m.restore();
  });

  it('sends UpdateRoutingControlStates with exactly the cell’s entry, to the first endpoint', async () => {
    const world = cellWorld();
    const state = await checked(world);
    mocks[0]!.on(UpdateRoutingControlStatesCommand).resolves({ $metadata: { httpStatusCode: 200 } });

    const change = await run('turnOff', inAws(world), state);

    expect(mocks[0]!.commandCalls(UpdateRoutingControlStatesCommand).map((c) => c.args[0].input)).toEqual([
      { UpdateRoutingControlStateEntries: [{ RoutingControlArn: arnOf(GREY), RoutingControlState: 'Off' }] },
    ]);
    expect(calls()).toEqual([1, 0, 0]);
    expect(change).toEqual({ cell: GREY, state: 'Off', at: iso(at(10)) });
  });

  it("surfaces ARC's ValidationException (a safety rule refused the update) as ChangeRejectedError: not retried, the routing is put back", async () => {
    const world = cellWorld();
    const state = await checked(world);
    mocks[0]!.on(UpdateRoutingControlStatesCommand).rejects(
      new ValidationException({
        $metadata,
        message: 'Cannot perform operation because at least one safety rule was violated',
        reason: 'other',
      }),
    );

    const error = await failure('turnOff', run('turnOff', inAws(world), state), {
      errorType: 'ChangeRejectedError',
      retried: false,
      caughtBy: "Put the cell's routing control back on",
    });

    expect(error.message).toBe(
      'UpdateRoutingControlStates checkout-cell-3 Off: ARC refused it (a control panel safety rule?): Cannot perform operation because at least one safety rule was violated',
    );
    // The same answer from every endpoint: the others are not asked.
    expect(calls()).toEqual([1, 0, 0]);
  });

  it('moves to the next endpoint when one throttles, and succeeds there', async () => {
    const world = cellWorld();
    const state = await checked(world);
    mocks[0]!
      .on(UpdateRoutingControlStatesCommand)
      .rejects(new ThrottlingException({ $metadata, message: 'slow down' }));
    mocks[1]!.on(UpdateRoutingControlStatesCommand).resolves({ $metadata: { httpStatusCode: 200 } });

    const change = await run('turnOff', inAws(world), state);

    expect(change).toMatchObject({ cell: GREY, state: 'Off' });
    expect(calls()).toEqual([1, 1, 0]);
  });

  it('surfaces every endpoint throttling as AwsTransientError (not AwsThrottledError), which the runbook retries', async () => {
    const world = cellWorld();
    const state = await checked(world);
    for (const m of mocks) {
      m.on(UpdateRoutingControlStatesCommand).rejects(
        new ThrottlingException({ $metadata, message: 'slow down' }),
      );
    }

    const error = await failure('turnOff', run('turnOff', inAws(world), state), {
      errorType: 'AwsTransientError',
      retried: true,
    });

    expect(error.message).toMatch(
      /^UpdateRoutingControlStates: every Route 53 ARC cluster endpoint failed \(.*ThrottlingException: slow down.*\)$/,
    );
    expect(calls()).toEqual([1, 1, 1]);
  });

  it('surfaces ResourceNotFoundException as ResourceNotFoundError: not retried, the routing is put back', async () => {
    const world = cellWorld();
    const state = await checked(world);
    mocks[0]!.on(UpdateRoutingControlStatesCommand).rejects(
      new ResourceNotFoundException({
        $metadata,
        message: 'routing control not found',
        resourceId: arnOf(GREY),
        resourceType: 'RoutingControl',
      }),
    );

    const error = await failure('turnOff', run('turnOff', inAws(world), state), {
      errorType: 'ResourceNotFoundError',
      retried: false,
      caughtBy: "Put the cell's routing control back on",
    });

    expect(error.message).toBe('UpdateRoutingControlStates checkout-cell-3 Off: routing control not found');
  });

  it('surfaces ConflictException (another update being applied) as ResourceBusyError, which the runbook retries', async () => {
    const world = cellWorld();
    const state = await checked(world);
    mocks[0]!.on(UpdateRoutingControlStatesCommand).rejects(
      new ConflictException({
        $metadata,
        message: 'another update is in progress',
        resourceId: arnOf(GREY),
        resourceType: 'RoutingControl',
      }),
    );

    await failure('turnOff', run('turnOff', inAws(world), state), {
      errorType: 'ResourceBusyError',
      retried: true,
    });
  });

  it('reads every control through the adapter for the safety check, and a missing one fails before any change', async () => {
    const world = cellWorld();
    const input = await confirmed(world);
    mocks[0]!.on(GetRoutingControlStateCommand).callsFake((command: { RoutingControlArn: string }) =>
      command.RoutingControlArn === arnOf('checkout-cell-4')
        ? Promise.reject(
            new ResourceNotFoundException({
              $metadata,
              message: 'routing control not found',
              resourceId: command.RoutingControlArn,
              resourceType: 'RoutingControl',
            }),
          )
        : Promise.resolve({ RoutingControlArn: command.RoutingControlArn, RoutingControlState: 'On' }),
    );

    const error = await failure('safety', checkSafety({ ...world, ports: inAws(world) }, input), {
      errorType: 'ResourceNotFoundError',
      retried: false,
      caughtBy: 'Shift failed before any change',
    });

    expect(error.message).toBe('GetRoutingControlState of cell checkout-cell-4: routing control not found');
    expect(
      mocks[0]!.commandCalls(GetRoutingControlStateCommand).map((c) => c.args[0].input.RoutingControlArn),
    ).toEqual(['checkout-cell-1', 'checkout-cell-2', 'checkout-cell-3', 'checkout-cell-4'].map(arnOf));
  });
});
