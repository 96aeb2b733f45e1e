/**
 * Routings an operator writes, shared by the dispatch tests and the fault matrix: the payments
 * downstream alarm naming the orders queue's mapping, and the checkout fleet's five cells.
 */
import { routingSchema, type Routing } from '../../detectors/routing/routes.ts';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CONTROL_PANEL_ID,
  routingControlArn,
} from '../../world/cells/routing-controls.ts';

/** The event-source mapping of the orders queue's consumer. */
export const PAYMENTS_MAPPING = '6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13';

/** The downstream alarm names `mapping`; the routing knows PAYMENTS_MAPPING's queue, with `policy`. */
export function paymentsQueueRouting(
  mapping = PAYMENTS_MAPPING,
  policy: Record<string, number> = { probeSeconds: 60, maxProbes: 36 },
): Routing {
  return routingSchema.parse({
    alarms: [
      {
        name: 'payments-downstream',
        kind: 'queue-backpressure',
        match: { alarmName: 'selfheal-payments-error-rate' },
        resource: { type: 'event-source-mapping', name: mapping },
      },
    ],
    runbooks: { 'queue-backpressure': 'sqs-backpressure' },
    mappings: {
      [PAYMENTS_MAPPING]: {
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders',
        health: { namespace: 'Downstream', dimensions: { Service: 'payments' }, thresholdPercent: 5 },
        policy,
      },
    },
  });
}

/** The checkout fleet's cells: their ARC routing controls, 250 requests a second each. */
export const CHECKOUT_CELLS = [1, 2, 3, 4, 5].map((i) => ({
  name: `checkout-cell-${i}`,
  routingControlArn: routingControlArn({
    accountId: DEFAULT_ACCOUNT_ID,
    controlPanelId: DEFAULT_CONTROL_PANEL_ID,
    routingControlId: `checkout-cell-${i}`,
  }),
  capacityRps: 250,
}));
