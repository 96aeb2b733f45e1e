/** Task "Read the signal": any EventBridge event to a decision, and its ledger record. */
import * as z from 'zod';
import { normaliseSignal, type SignalDecision } from '../detectors/signals/normalise.ts';
import { routingFromEnvironment, type Routing } from '../detectors/routing/routes.ts';
import { ledgerItem, type LedgerItem } from '../domain/dispatch/ledger.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { taskHandler } from './shared/task-handler.ts';

const inputSchema = z
  .object({
    event: z.unknown(),
    /**
     * When the decision is made, on the deployment's clock (the state's `$$.State.EnteredTime`):
     * the ledger orders every record by it. The signal's own time (an alarm's transition, which
     * may be minutes old on a redelivery) stays the incident's `observedAt`.
     */
    now: z.iso.datetime(),
  })
  .strict();

export type NormalisedSignal = SignalDecision & { ledgerItem: LedgerItem };

export const normaliseSignalTask =
  (routing: () => Routing) =>
  async (input: unknown): Promise<NormalisedSignal> => {
    const { event, now } = parseOrThrow(inputSchema, input, 'The normalise-signal input');
    const decision = normaliseSignal(event, routing());
    const record = ledgerItem({
      resource: decision.signal.resourceKey,
      at: now,
      incidentId: decision.signal.id,
      decision:
        decision.decision === 'start' ? 'started' : decision.decision === 'ignore' ? 'ignored' : 'unhandled',
      reason: decision.reason,
      source: decision.signal.source,
      ...(decision.incident ? { kind: decision.incident.kind } : {}),
    });
    return { ...decision, ledgerItem: record };
  };

let routing: Routing | undefined;
const environmentRouting = (): Routing => (routing ??= routingFromEnvironment());

export const makeHandler = (source: () => Routing = environmentRouting) =>
  taskHandler('normalise-signal', normaliseSignalTask(source));
export const handler = makeHandler();
