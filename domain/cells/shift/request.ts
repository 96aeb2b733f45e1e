/**
 * The cell-traffic-shift runbook's request: which cell, the fleet it belongs to (each cell's
 * routing control and the traffic it can serve), how to re-read the evidence, the safety limits,
 * whether an operator must approve, and how long the cell must stay healthy before its traffic
 * comes back.
 */
import * as z from 'zod';
import { parseOrThrow } from '../../validation.ts';
import { cellNameSchema, MIN_PEERS, outlierPolicySchema } from '../fleet.ts';

/** `arn:aws:route53-recovery-control::123456789012:controlpanel/<id>/routingcontrol/<id>`. */
export const routingControlArnSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:route53-recovery-control::\d{12}:controlpanel\/[^/]+\/routingcontrol\/[^/]+$/,
    'must be a Route 53 ARC routing control ARN',
  );

const fleetCellSchema = z
  .object({
    name: cellNameSchema,
    routingControlArn: routingControlArnSchema,
    /** Requests a second the cell serves healthily: what the receivers' headroom is judged by. */
    capacityRps: z.number().positive(),
  })
  .strict();

export const cellShiftRequestSchema = z
  .object({
    cell: cellNameSchema,
    incidentId: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
    fleet: z
      .object({
        /**
         * The share of the cells' requests X-Ray traces: 1 with a sampling rule that traces them
         * all; otherwise the fixed rate of a rule with no reservoir (a reservoir makes the share
         * depend on the load, and the traffic figures the safety rules read would be wrong).
         */
        tracedShare: z.number().gt(0).max(1).default(1),
        /** Names the fleet's shift lock: one shift at a time per fleet. */
        name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a fleet name is 1-64 letters, digits and ._-'),
        cells: z
          .array(fleetCellSchema)
          .min(MIN_PEERS, `a fleet needs at least ${MIN_PEERS} cells to judge one against its peers`)
          .refine(
            (cells) => new Set(cells.map((c) => c.name)).size === cells.length,
            'cell names must be unique',
          ),
      })
      .strict(),
    evidence: z
      .object({
        windowMinutes: z.number().int().min(1).max(60).default(5),
        policy: outlierPolicySchema.prefault({}),
      })
      .strict()
      .prefault({}),
    safety: z
      .object({
        /** Never more than this share of the fleet's cells Off, the shift included. */
        maxShareOffPercent: z.number().gt(0).max(50).default(34),
        /** At least this many cells stay On. */
        minCellsOn: z.number().int().min(1).default(2),
        /** Receivers must stay this far below their capacity with the shifted traffic. */
        headroomPercent: z.number().min(0).max(90).default(20),
      })
      .strict()
      .prefault({}),
    /** An operator approves the shift (SendTaskSuccess) before anything changes. */
    approval: z
      .object({ required: z.boolean().default(true) })
      .strict()
      .prefault({}),
    recovery: z
      .object({
        /** The cell must look healthy (its canary traffic against its peers) this long. */
        bakeSeconds: z.number().int().min(60).max(86_400).default(600),
        /**
         * Time between health checks of the drained cell. Each check judges the minutes X-Ray has
         * shown since the last one; a check that finds none waits a minute more for X-Ray.
         */
        checkSeconds: z.number().int().min(30).max(3600).default(60),
        /** Canary requests the drained cell must have served in the minutes a check judges. */
        minRequests: z.number().int().min(1).default(30),
        /**
         * Checks before the run stops waiting and leaves the cell Off for an operator: checks that
         * judged the cell (a read X-Ray had no new minute for is not one).
         */
        maxChecks: z.number().int().min(1).max(500).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((request, ctx) => {
    if (!request.fleet.cells.some((c) => c.name === request.cell)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cell'],
        message: `${request.cell} is not a cell of fleet ${request.fleet.name}`,
      });
    }
    const { recovery } = request;
    if (recovery.maxChecks * recovery.checkSeconds < recovery.bakeSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['recovery', 'maxChecks'],
        message: `maxChecks x checkSeconds (${recovery.maxChecks * recovery.checkSeconds} s) must cover bakeSeconds (${recovery.bakeSeconds} s), or the cell could never bake`,
      });
    }
    if (request.safety.minCellsOn >= request.fleet.cells.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['safety', 'minCellsOn'],
        message: 'must be below the number of cells, or no cell could ever be shifted',
      });
    }
  });

export type CellShiftRequest = z.output<typeof cellShiftRequestSchema>;
export type FleetCell = CellShiftRequest['fleet']['cells'][number];

export function parseCellShiftRequest(input: unknown): CellShiftRequest {
  return parseOrThrow(cellShiftRequestSchema, input, 'Cell shift request');
}
