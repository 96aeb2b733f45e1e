/**
 * The SQS-backpressure runbook's tasks. Each is a thin shell over one domain function
 * (domain/backpressure/): validate, call, return JSON. One module, one Lambda handler per export.
 */
import * as z from 'zod';
import { parseOrThrow } from '../domain/validation.ts';
import { backpressureRequestSchema, parseBackpressureRequest } from '../domain/backpressure/request.ts';
import {
  applyStep,
  checkSettled,
  inspect,
  originalLedgerItem,
  originalSchema,
  probe,
  restoreOriginal,
  stateSchema,
  type BackpressureState,
} from '../domain/backpressure/runbook.ts';
import type { BackpressurePorts } from '../domain/backpressure/ports.ts';
import { productionBackpressurePorts } from './shared/backpressure-ports.ts';
import { taskModule } from './shared/task-handler.ts';

type Ports = () => BackpressurePorts;

const parseState = (input: unknown, what: string): BackpressureState =>
  parseOrThrow(stateSchema, input, what) as unknown as BackpressureState;

export const inspectBackpressure = (ports: Ports) => async (input: unknown) =>
  inspect(ports(), parseBackpressureRequest(input));

export const applyBackpressure = (ports: Ports) => async (input: unknown) =>
  applyStep(ports(), parseState(input, 'Apply input'));

export const checkMappingSettled = (ports: Ports) => async (input: unknown) =>
  checkSettled(ports(), parseState(input, 'Settle check input'));

export const probeBackpressure = (ports: Ports) => async (input: unknown) =>
  probe(ports(), parseState(input, 'Probe input'));

export const restoreConcurrency = (ports: Ports) => async (input: unknown) => {
  const { request, original } = parseOrThrow(
    z.object({ request: backpressureRequestSchema, original: originalSchema }).strict(),
    input,
    'Restore input',
  );
  return restoreOriginal(ports(), request, original);
};

export const buildBackpressureLedgerItem = (ports: Ports) => async (input: unknown) => {
  const { request, original, executionName } = parseOrThrow(
    z
      .object({
        request: backpressureRequestSchema,
        original: originalSchema,
        executionName: z.string().min(1),
      })
      .strict(),
    input,
    'Ledger item input',
  );
  return { item: originalLedgerItem(request, original, new Date(ports().now()), executionName) };
};

const make = taskModule<Ports>(productionBackpressurePorts);

export const makeInspectHandler = make('inspect-backpressure', inspectBackpressure);
export const makeApplyHandler = make('apply-backpressure', applyBackpressure);
export const makeCheckSettledHandler = make('check-mapping-settled', checkMappingSettled);
export const makeProbeHandler = make('probe-backpressure', probeBackpressure);
export const makeRestoreHandler = make('restore-concurrency', restoreConcurrency);
export const makeLedgerItemHandler = make('build-backpressure-ledger-item', buildBackpressureLedgerItem);

export const inspectHandler = makeInspectHandler();
export const applyHandler = makeApplyHandler();
export const checkSettledHandler = makeCheckSettledHandler();
export const probeHandler = makeProbeHandler();
export const restoreHandler = makeRestoreHandler();
export const ledgerItemHandler = makeLedgerItemHandler();
