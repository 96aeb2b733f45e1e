/**
 * The cell-traffic-shift runbook's six Lambda tasks, invoked as Lambda invokes them: each with the
 * Payload its own state in `statemachines/cell-traffic-shift.asl.json` sends, against the simulated
 * cell fleet (`test/support/cell-fleet-ports.ts`) — and, for how AWS's errors reach Step Functions,
 * against the production ARC adapter over a mocked SDK. What the steps decide is tested on the
 * domain functions (`test/domain/cells/shift/`); here, only what the shell adds: which handler each
 * state invokes, the request validated at the edge, the errors by the names Step Functions retries
 * and catches, the Payloads wired to the ports, and the results in the shape the states select.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConflictException,
  GetRoutingControlStateCommand,
  ResourceNotFoundException,
  Route53RecoveryClusterClient,
  ThrottlingException,
  UpdateRoutingControlStatesCommand,
  ValidationException,
} from '@aws-sdk/client-route53-recovery-cluster';
import * as cellShift from '../../handlers/cell-shift-tasks.ts';
import { makeRecordRoutingHandler, makeSetRoutingHandler } from '../../handlers/cell-shift-tasks.ts';
import { TASK_FUNCTIONS } from '../../runbooks/catalogue.ts';
import { recoveryClusterAdapter, type ClusterEndpoint } from '../../adapters/route53-recovery-cluster.ts';
import type { CellShiftPorts } from '../../domain/cells/shift/ports.ts';
import { parseCellShiftRequest } from '../../domain/cells/shift/request.ts';
import type { ControlState } from '../../domain/cells/shift/safety.ts';
import {
  routingLedgerItem,
  type Bake,
  type BakeSoFar,
  type Confirmation,
  type SafetyAssessment,
} from '../../domain/cells/shift/runbook.ts';
import type { Verification } from '../../domain/cells/shift/verify.ts';
import {
  MAX_STATISTICS_WAITS,
  STATISTICS_WAIT_SECONDS,
  VERIFY_CHECK_SECONDS,
  VERIFY_MAX_CHECKS,
} from '../../domain/cells/shift/minutes.ts';
import type { LedgerItem } from '../../domain/dispatch/ledger.ts';
import { findState } from '../../engine/asl.ts';
import type { JsonObject } from '../../core/json.ts';
import { DEFAULT_ACCOUNT_ID, routingControlArn } from '../../world/cells/routing-controls.ts';
import { SimulatedServiceError } from '../../world/service-error.ts';
import {
  allOn,
  arnOf,
  at,
  CELLS,
  cellFleetPorts,
  GREY,
  iso,
  request,
  type CellFleetPorts,
} from '../support/cell-fleet-ports.ts';
import { DEFAULT_OUTLIER_POLICY } from '../support/outlier-policy.ts';
import {
  EXECUTION_NAME,
  failure,
  outputOf,
  run,
  runbook,
  STATES,
  taskState,
  type LambdaTaskState,
} from './cell-shift-states.ts';
import { fillParameters, invoke } from './support.ts';

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
  evidence: { windowMinutes: 5, policy: DEFAULT_OUTLIER_POLICY },
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

const confirm = (world: CellFleetPorts, input: unknown = request()) =>
  run<{ request: typeof FILLED_REQUEST; confirmation: Confirmation }>('confirm', world.ports, input);
const checkSafety = (world: CellFleetPorts, input: StateInput) =>
  run<SafetyAssessment>('safety', world.ports, input);

/** The input of "Check the safety rules": the confirm state's output. */
async function confirmed(world: CellFleetPorts, extra: Record<string, unknown> = {}): Promise<StateInput> {
  const input = request(extra);
  return outputOf('confirm', input, await confirm(world, input)) as StateInput;
}

/** The state after "Check the safety rules" (what every later state reads), calls forgotten. */
async function checked(world: CellFleetPorts, extra: Record<string, unknown> = {}): Promise<StateInput> {
  const input = await confirmed(world, extra);
  const state = outputOf('safety', input, await checkSafety(world, input)) as StateInput;
  world.forget();
  return state;
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
  it('returns the request with its defaults filled in, which every later state reads, and the confirmation the runbook branches on', async () => {
    const world = await cellFleetPorts();

    const output = await confirm(world);

    expect(output.request).toEqual(FILLED_REQUEST);
    // The state's output is the task's result itself: the request and the confirmation.
    expect(Object.keys(outputOf('confirm', request(), output))).toEqual(['request', 'confirmation']);
    expect(findState(runbook, 'Is it still grey?')).toMatchObject({
      Choices: [
        { Variable: '$.confirmation.confirmed', BooleanEquals: true, Next: 'Check the safety rules' },
      ],
      Default: 'Report that no shift is needed',
    });
  });

  describe('given a request the runbook does not accept', () => {
    it.each(INVALID_REQUESTS)(
      'rejects %s with InvalidRequestError naming the field, reading nothing',
      async (_what, input, issue) => {
        const world = await cellFleetPorts();

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
    const world = await cellFleetPorts();
    world.ports.xray.getTimeSeriesServiceStatistics = () =>
      Promise.reject(new SimulatedServiceError('ThrottledException', 'Rate exceeded'));

    const error = await failure('confirm', confirm(world), { errorType: 'AwsThrottledError', retried: true });

    expect(error.message).toBe('Reading X-Ray statistics for cell checkout-cell-1: Rate exceeded');
  });

  it('surfaces an X-Ray error it does not know as UnexpectedAwsError: the run fails before any change', async () => {
    const world = await cellFleetPorts();
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
  it('returns every field its state selects, which the later states read under $.safety', async () => {
    const world = await cellFleetPorts();

    const state = await checked(world);

    expect(Object.keys(state.safety as JsonObject).sort()).toEqual(
      ['cellRps', 'lock', 'reason', 'receivers', 'refusals', 'routing', 'safe'].sort(),
    );
    expect(state.request).toEqual(FILLED_REQUEST);
  });

  it("hands the lock to the state that takes the fleet's shift lock, and the reason to the state that refuses the shift", () => {
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
    expect(findState(runbook, 'Refuse the shift')).toMatchObject({
      Type: 'Fail',
      Error: 'ShiftRefusedError',
      CausePath: '$.safety.reason',
    });
  });

  it('surfaces a routing control the cluster does not know as ResourceNotFoundError: the run fails before any change', async () => {
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
    const input = await confirmed(world);
    world.ports.routing.getRoutingControlState = () =>
      Promise.reject(new SimulatedServiceError('ThrottlingException', 'Rate exceeded'));

    await failure('safety', checkSafety(world, input), { errorType: 'AwsThrottledError', retried: true });
  });
});

describe('set-cell-routing (Turn the cell’s routing control off; back on; Put it back on)', () => {
  it('sets the state each of its states asks for, and returns the change, which they keep as shiftedOff and shiftedBack', async () => {
    const world = await cellFleetPorts();
    const state = await checked(world);

    const off = await run('turnOff', world.ports, state);
    await world.goTo(45);
    const on = await run('turnOn', world.ports, state);
    const putBack = await run('putBack', world.ports, {
      ...state,
      failure: { Error: 'States.Timeout', Cause: '' },
    });

    expect(world.updates.map((u) => u.UpdateRoutingControlStateEntries)).toEqual(
      ['Off', 'On', 'On'].map((to) => [{ RoutingControlArn: arnOf(GREY), RoutingControlState: to }]),
    );
    expect(off).toEqual({ cell: GREY, state: 'Off', at: iso(at(10)) });
    expect(outputOf('turnOff', state, off).shiftedOff).toEqual(off);
    expect(on).toEqual({ cell: GREY, state: 'On', at: iso(at(45)) });
    expect(outputOf('turnOn', state, on).shiftedBack).toEqual(on);
    expect(putBack).toEqual(on);
  });

  it("fails with ChangeRejectedError when ARC's own safety rule refuses the update: not retried, the routing is put back", async () => {
    const world = await cellFleetPorts({ safetyRules: [{ name: 'at-least-four-on', atLeast: 4 }] });
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
    const world = await cellFleetPorts();
    const state = await checked(world);
    world.ports.routing.updateRoutingControlStates = () =>
      Promise.reject(
        new SimulatedServiceError('ValidationException', 'at least one safety rule was violated'),
      );

    await failure('putBack', run('putBack', world.ports, state), {
      errorType: 'ChangeRejectedError',
      retried: false,
      // First to the states that keep the failure's one-line message, then to the record.
      caughtBy: 'Was the failed shift a task error?',
    });
  });

  it('surfaces a throttled update as AwsThrottledError, which each of its states retries', async () => {
    const world = await cellFleetPorts();
    const state = await checked(world);
    world.ports.routing.updateRoutingControlStates = () =>
      Promise.reject(new SimulatedServiceError('ThrottlingException', 'Rate exceeded'));

    for (const key of ['turnOff', 'turnOn', 'putBack'] as const) {
      await failure(key, run(key, world.ports, state), { errorType: 'AwsThrottledError', retried: true });
    }
  });

  it('rejects a state other than On or Off with InvalidRequestError, changing nothing', async () => {
    const world = await cellFleetPorts();
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

/**
 * What a Pass state that starts a loop puts under its ResultPath, for this state input: its
 * Parameters, filled from the input as Step Functions fills them.
 */
function loopStart(stateName: string, input: JsonObject): JsonObject {
  const state = findState(runbook, stateName) as unknown as { Type: string; Parameters: JsonObject };
  expect(state.Type).toBe('Pass');
  return fillParameters(state.Parameters, input);
}

describe('verify-cell-routing (Verify traffic has left the cell; Verify the cell is back on)', () => {
  /** The runbook turned the grey cell Off at 10:40; the verification loop starts, as its Pass starts it. */
  async function shifted(world: CellFleetPorts): Promise<StateInput> {
    const state = await checked(world);
    const off = outputOf('turnOff', state, await run('turnOff', world.ports, state)) as StateInput;
    world.forget();
    return { ...off, verify: loopStart('Start counting the checks that traffic left', off) };
  }
  const verify = (world: CellFleetPorts, key: 'verifyOff' | 'verifyOn', input: unknown) =>
    run<Verification>(key, world.ports, input);

  it("sends the state asked for, the cell's traffic before and the loop so far, and keeps the result under $.verify", async () => {
    const world = await cellFleetPorts();
    const state = await shifted(world);
    // The loop judges minutes from the change on.
    const shiftedOff = state.shiftedOff as { at: string };
    expect(state.verify).toEqual({ checks: 0, waits: 0, judgeFrom: shiftedOff.at });
    await world.goTo(13);

    const result = await verify(world, 'verifyOff', state);

    // Off, against 101 requests a second before: minute 12 brought the canary's 1, under a tenth.
    const expected = {
      verdict: 'verified',
      verified: true,
      state: 'Off',
      rpsNow: 1,
      minute: iso(at(12, 0)),
      checks: 1,
      waits: 0,
      judgeFrom: iso(at(13, 0)),
    };
    expect(result).toEqual(expected);
    // Everything but the control's state, which the Choice does not read.
    const { state: _state, ...selected } = expected;
    expect(outputOf('verifyOff', state, result).verify).toEqual(selected);
    for (const key of ['verifyOff', 'verifyOn'] as const) {
      expect(taskState(key).Parameters.Payload).toMatchObject({
        maxChecks: VERIFY_MAX_CHECKS,
        maxWaits: MAX_STATISTICS_WAITS,
      });
    }
  });

  it.each([
    [
      'verifyOff',
      'Has traffic left the cell?',
      '$.verify',
      'Start the bake',
      'Wait for X-Ray to show a minute after the shift',
      'Wait for traffic to leave the cell',
    ],
    [
      'verifyOn',
      'Is the cell back on?',
      '$.verifyBack',
      'Tell the operators the cell is back',
      'Wait for X-Ray to show a minute after the return',
      'Wait for traffic to return',
    ],
  ] as const)(
    '%s: not yet known (X-Ray shows no minute since the change yet) waits for X-Ray and reads again, not counted as a check',
    async (key, choice, path, onVerified, onUnknown, otherwise) => {
      const world = await cellFleetPorts();
      const state = await shifted(world);
      // Back On for the return's verification, as "Turn the cell's routing control back on" left it.
      if (key === 'verifyOn') await world.set(GREY, 'On');
      // 11:40: no whole minute has ended since the change at 10:40.
      await world.goTo(11);
      const loop = { checks: 2, waits: 1, judgeFrom: iso(at(10, 40)) };

      const result = await verify(world, key, { ...state, [path.slice(2)]: loop });

      expect(result).toMatchObject({ verdict: 'not-yet-known', verified: false, checks: 2, waits: 2 });
      expect(findState(runbook, choice)).toMatchObject({
        Choices: [
          { Variable: `${path}.verified`, BooleanEquals: true, Next: onVerified },
          { Variable: `${path}.verdict`, StringEquals: 'not-yet-known', Next: onUnknown },
        ],
        Default: otherwise,
      });
      expect(findState(runbook, onUnknown)).toMatchObject({
        Type: 'Wait',
        Seconds: STATISTICS_WAIT_SECONDS,
        Next: STATES[key].state,
      });
      // The wait before each check, which the lock's lease counts on (lockLeaseSeconds).
      expect(findState(runbook, otherwise)).toMatchObject({
        Type: 'Wait',
        Seconds: VERIFY_CHECK_SECONDS,
        Next: STATES[key].state,
      });
    },
  );

  it.each([
    [
      'the traffic has not left',
      'verifyOff',
      12,
      { verify: { checks: 4, waits: 0, judgeFrom: iso(at(10, 40)) } },
      // Minute 11: the clients whose DNS answers had not yet expired (the TTL ran out at 11:40).
      `checkout-cell-3: routing control reads Off (asked Off) and the cell served 23.2 requests a second in the minute from ${iso(at(11, 0))} (101 before) after 5 checks`,
    ],
    [
      'the cell is not back On (its control still reads Off)',
      'verifyOn',
      45,
      { verifyBack: { checks: 4, waits: 0, judgeFrom: iso(at(44, 0)) } },
      `checkout-cell-3: routing control reads Off (asked On) and the cell served 1 requests a second in the minute from ${iso(at(44, 0))} (101 before) after 5 checks`,
    ],
  ] as const)(
    'fails with ShiftNotEffectiveError on its last check (the fifth) if %s: the routing is put back',
    async (_what, key, minute, loop, message) => {
      const world = await cellFleetPorts();
      const state = await shifted(world);
      await world.goTo(minute);

      const error = await failure(key, verify(world, key, { ...state, ...loop }), {
        errorType: 'ShiftNotEffectiveError',
        retried: false,
        caughtBy: "Put the cell's routing control back on",
      });

      expect(error.message).toBe(message);
      expect(taskState(key).Parameters.Payload.maxChecks).toBe(5);
    },
  );

  it.each([
    ['verifyOff', { verify: {} }, 'Was the failed check a task error?'],
    ['verifyOn', { verifyBack: {} }, "Put the cell's routing control back on"],
  ] as const)(
    '%s fails with StatisticsUnavailableError once X-Ray has shown nothing new for the waits allowed in a row, caught by %j',
    async (key, loop, caughtBy) => {
      const world = await cellFleetPorts();
      const state = await shifted(world);
      if (key === 'verifyOn') await world.set(GREY, 'On');
      await world.goTo(11);
      const path = Object.keys(loop)[0] as string;

      const error = await failure(
        key,
        verify(world, key, {
          ...state,
          [path]: { checks: 0, waits: MAX_STATISTICS_WAITS, judgeFrom: iso(at(10, 40)) },
        }),
        { errorType: 'StatisticsUnavailableError', retried: false, caughtBy },
      );

      expect(error.message).toContain('X-Ray has shown no minute of the cell');
    },
  );

  it('surfaces a throttled read-back as AwsThrottledError, which the runbook retries', async () => {
    const world = await cellFleetPorts();
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
  /**
   * The grey cell drained at 10:40, its drain verified on the minute before 39:00, the bake under
   * way (as "Start the bake" starts it): its canary traffic against its peers'.
   */
  async function drained(world: CellFleetPorts): Promise<StateInput> {
    const state = await checked(world);
    await run('turnOff', world.ports, state);
    world.forget();
    const verified = { ...state, verify: { verified: true, judgeFrom: iso(at(39, 0)) } };
    return { ...verified, bake: loopStart('Start the bake', verified) };
  }
  const check = (world: CellFleetPorts, state: StateInput, bake: Partial<BakeSoFar>) =>
    run<Bake>('recovery', world.ports, { ...state, bake: { ...(state.bake as JsonObject), ...bake } });

  it('sends the bake so far, and keeps the result under $.bake, which the runbook branches on', async () => {
    const world = await cellFleetPorts();
    const state = await drained(world);
    // The bake judges minutes from the end of the one that verified the drain.
    expect(state.bake).toEqual({ checks: 0, healthySeconds: 0, waits: 0, judgeFrom: iso(at(39, 0)) });
    await world.goTo(40);

    const bake = await check(world, state, { checks: 25, healthySeconds: 240 });

    expect(bake).toMatchObject({
      verdict: 'healthy',
      checks: 26,
      waits: 0,
      healthySeconds: 300,
      baked: true,
      exhausted: false,
      judgeFrom: iso(at(40, 0)),
    });
    expect(outputOf('recovery', state, bake).bake).toEqual(bake);
    expect(taskState('recovery').Parameters.Payload.maxWaits).toBe(MAX_STATISTICS_WAITS);
    expect(findState(runbook, 'Has it been healthy for the bake time?')).toMatchObject({
      Choices: [
        { Variable: '$.bake.baked', BooleanEquals: true, Next: "Turn the cell's routing control back on" },
        { Variable: '$.bake.exhausted', BooleanEquals: true, Next: 'Tell the operators the cell stays off' },
        {
          Variable: '$.bake.verdict',
          StringEquals: 'not-yet-known',
          Next: "Wait for X-Ray to show the drained cell's next minute",
        },
      ],
      Default: 'Wait before checking the cell',
    });
  });

  it('keeps a check X-Ray has nothing new for under $.bake as not yet known (its judgement null), which waits for X-Ray', async () => {
    const world = await cellFleetPorts();
    const state = await drained(world);
    // 40:20: minute 39 has ended, but X-Ray shows it only from 40:30.
    await world.goTo(40, 20);

    const bake = await check(world, state, { checks: 25, healthySeconds: 240 });

    expect(bake).toMatchObject({ verdict: 'not-yet-known', checks: 25, waits: 1, healthySeconds: 240 });
    expect(outputOf('recovery', state, bake).bake).toMatchObject({ latest: null, judged: null });
    expect(findState(runbook, "Wait for X-Ray to show the drained cell's next minute")).toMatchObject({
      Type: 'Wait',
      Seconds: STATISTICS_WAIT_SECONDS,
      Next: 'Check whether the cell has recovered',
    });
  });

  it('fails with StatisticsUnavailableError once X-Ray has shown nothing new for the waits allowed in a row: the cell stays off for a person', async () => {
    const world = await cellFleetPorts();
    const state = await drained(world);
    await world.goTo(40, 20);

    await failure('recovery', check(world, state, { waits: MAX_STATISTICS_WAITS }), {
      errorType: 'StatisticsUnavailableError',
      retried: false,
      caughtBy: 'Was the failed check a task error?',
    });
  });

  it('surfaces X-Ray throttling as AwsThrottledError, which the runbook retries', async () => {
    const world = await cellFleetPorts();
    const state = await drained(world);
    await world.goTo(40);
    world.ports.xray.getTimeSeriesServiceStatistics = () =>
      Promise.reject(new SimulatedServiceError('ThrottledException', 'Rate exceeded'));

    await failure('recovery', check(world, state, { checks: 0, healthySeconds: 0 }), {
      errorType: 'AwsThrottledError',
      retried: true,
    });
  });
});

describe('record-cell-routing (Record the routing before the shift; after the failure)', () => {
  const record = (world: CellFleetPorts, key: 'recordBefore' | 'recordAfter', input: unknown) =>
    run<{ routing: Record<string, string>; item: LedgerItem }>(key, world.ports, input);
  /** The ledger item the domain makes of this record (its fields are tested there). */
  const itemOf = (
    state: StateInput,
    record: { decision: 'recorded' | 'failed'; reason: string; routing: Record<string, ControlState> },
    atMs: number,
  ) => routingLedgerItem(parseCellShiftRequest(state.request), record, new Date(atMs), EXECUTION_NAME);

  it('records the routing the safety check read, as the ledger item for it, without reading it again', async () => {
    const world = await cellFleetPorts();
    const state = await checked(world);
    await world.goTo(11, 5);

    const result = await record(world, 'recordBefore', state);

    expect(result.routing).toEqual(allOn());
    expect(result.item).toEqual(
      itemOf(
        state,
        { decision: 'recorded', reason: 'routing before the shift', routing: allOn() },
        at(11, 5),
      ),
    );
    expect(world.calls).toEqual([]);
    expect(outputOf('recordBefore', state, result).before).toEqual({ item: result.item });
  });

  it('keeps the routing as given, not as it is now', async () => {
    const world = await cellFleetPorts();
    const state = await checked(world);
    await world.set('checkout-cell-1', 'Off');

    const result = await record(world, 'recordBefore', state);

    expect(result.routing).toEqual(allOn());
    expect(world.calls).toEqual([]);
  });

  it('names the incident after the execution when the request has no incident id', async () => {
    const world = await cellFleetPorts();
    const state = await checked(world);
    const { incidentId: _incidentId, ...withoutIncident } = state.request;

    const result = await record(world, 'recordBefore', { ...state, request: withoutIncident });

    expect(result.item).toMatchObject({
      incidentId: { S: EXECUTION_NAME },
      at: { S: `${iso(at(10))}#${EXECUTION_NAME}#2-recorded` },
    });
  });

  it('after a failure, reads every control as it is now and records it with the failure', async () => {
    const world = await cellFleetPorts();
    const state = await checked(world);
    await run('turnOff', world.ports, state);
    await world.goTo(16);
    world.forget();
    const failureCause = 'checkout-cell-3: routing control reads Off (asked Off) ...';

    const result = await record(world, 'recordAfter', {
      ...state,
      failure: { Error: 'ShiftNotEffectiveError', Cause: failureCause },
      // As the states before the record leave it: the failure's type and one-line message.
      failureLine: { error: 'ShiftNotEffectiveError', message: failureCause },
    });

    const now = { ...allOn(), [GREY]: 'Off' as const };
    const reason = `the shift failed: ShiftNotEffectiveError: ${failureCause}`;
    expect(result.routing).toEqual(now);
    expect(world.calls).toEqual(CELLS.map((c) => `GetRoutingControlState ${c}`));
    expect(result.item).toEqual(itemOf(state, { decision: 'failed', reason, routing: now }, at(16)));
    expect(outputOf('recordAfter', state, result).after).toEqual(result);
  });

  it('rejects a decision other than recorded or failed with InvalidRequestError: the routing is put back without a record', async () => {
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
    const state = await checked(world);
    const input = {
      ...state,
      failure: { Error: 'States.Timeout', Cause: '' },
      failureLine: { error: 'States.Timeout', message: '' },
    };

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
  function inAws(world: CellFleetPorts): CellShiftPorts {
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
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
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
    const world = await cellFleetPorts();
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
