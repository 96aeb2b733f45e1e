/**
 * The cell-traffic-shift runbook's tasks. Each is a thin shell over one domain function
 * (domain/cells/shift/): validate, call, return JSON. One module, one Lambda handler per export.
 */
import * as z from 'zod';
import { parseOrThrow } from '../domain/validation.ts';
import { cellShiftRequestSchema, type CellShiftRequest } from '../domain/cells/shift/request.ts';
import {
  assessSafety,
  checkRecovery,
  confirm,
  routingLedgerItem,
  routingNow,
  setCellRouting,
} from '../domain/cells/shift/runbook.ts';
import { verifyShift } from '../domain/cells/shift/verify.ts';
import type { CellShiftPorts } from '../domain/cells/shift/ports.ts';
import { productionCellShiftPorts } from './shared/cell-shift-ports.ts';
import { taskModule } from './shared/task-handler.ts';

type Ports = () => CellShiftPorts;

const controlState = z.enum(['On', 'Off']);
const withRequest = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ request: cellShiftRequestSchema, ...shape }).strict();

const parse = <T extends z.ZodRawShape>(shape: T, input: unknown, what: string) =>
  parseOrThrow(withRequest(shape), input, what) as z.output<z.ZodObject<T>> & { request: CellShiftRequest };

/** Validates the request once, so the later states read it with its defaults filled in. */
export const confirmGreyCell = (ports: Ports) => async (input: unknown) => {
  const { request } = parse({}, input, 'Confirm input');
  return { request, confirmation: await confirm(ports(), request) };
};

export const checkShiftSafety = (ports: Ports) => async (input: unknown) => {
  const { request } = parse({}, input, 'Safety check input');
  return assessSafety(ports(), request);
};

export const setRouting = (ports: Ports) => async (input: unknown) => {
  const { request, state } = parse({ state: controlState }, input, 'Routing change input');
  return setCellRouting(ports(), request, state);
};

/** The loop's counters and where its next minutes begin (the change's time at first). */
const judgeFrom = z.iso.datetime({ offset: true });
const counter = z.number().int().min(0);

export const verifyRouting = (ports: Ports) => async (input: unknown) => {
  const { request, expected, cellRps, ...loop } = parse(
    {
      expected: controlState,
      cellRps: z.number().min(0),
      checks: counter,
      maxChecks: z.number().int().min(1),
      waits: counter,
      maxWaits: counter,
      judgeFrom,
    },
    input,
    'Verification input',
  );
  return verifyShift(ports(), request, expected, { cellRps, ...loop });
};

export const checkCellRecovery = (ports: Ports) => async (input: unknown) => {
  const { request, maxWaits, ...previous } = parse(
    {
      checks: counter,
      healthySeconds: counter,
      waits: counter,
      maxWaits: counter,
      judgeFrom,
    },
    input,
    'Recovery check input',
  );
  return checkRecovery(ports(), request, previous, maxWaits);
};

/** The ledger record of the routing: as given (before a change) or as read now (after a failure). */
export const recordRouting = (ports: Ports) => async (input: unknown) => {
  const { request, decision, reason, executionName, routing } = parse(
    {
      decision: z.enum(['recorded', 'failed']),
      reason: z.string().min(1),
      executionName: z.string().min(1),
      routing: z.record(z.string(), controlState).optional(),
    },
    input,
    'Routing record input',
  );
  const now = routing
    ? { routing, at: new Date(ports().now()).toISOString() }
    : await routingNow(ports(), request);
  return {
    routing: now.routing,
    item: routingLedgerItem(
      request,
      { decision, reason, routing: now.routing },
      new Date(now.at),
      executionName,
    ),
  };
};

const make = taskModule<Ports>(productionCellShiftPorts);

export const makeConfirmHandler = make('confirm-grey-cell', confirmGreyCell);
export const makeSafetyHandler = make('check-shift-safety', checkShiftSafety);
export const makeSetRoutingHandler = make('set-cell-routing', setRouting);
export const makeVerifyHandler = make('verify-cell-routing', verifyRouting);
export const makeRecoveryHandler = make('check-cell-recovery', checkCellRecovery);
export const makeRecordRoutingHandler = make('record-cell-routing', recordRouting);

export const confirmHandler = makeConfirmHandler();
export const safetyHandler = makeSafetyHandler();
export const setRoutingHandler = makeSetRoutingHandler();
export const verifyHandler = makeVerifyHandler();
export const recoveryHandler = makeRecoveryHandler();
export const recordRoutingHandler = makeRecordRoutingHandler();
