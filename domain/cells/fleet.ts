/**
 * A fleet of cells as the grey-failure detector sees it, and how the detector judges them.
 *
 * How cells map to X-Ray: each cell is its own X-Ray service node, named after the cell (the
 * segment `name` the cell's code reports, e.g. `checkout-cell-1` … `checkout-cell-5` for the cells
 * of `checkout`). A cell's statistics are then one `service("<cell>")` entity selector away, and
 * the name is also the incident's resource name, so no second mapping has to be kept in step.
 */
import * as z from 'zod';

/**
 * A cell's X-Ray service name. Narrower than X-Ray allows (no spaces, quotes or backslashes), so
 * it can be put inside a `service("…")` selector without escaping, and kept short enough that an
 * incident id built from it stays within the incident schema's 128 characters.
 */
export const cellNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$/, 'a cell name is 1-64 letters, digits and ._:/@-');

/** Below three cells there is no majority of healthy peers to tell a grey cell from the fleet. */
export const MIN_PEERS = 3;

export const outlierPolicySchema = z
  .object({
    /** Requests a cell must have served in the window to be judged (and to count as a peer). */
    minRequests: z.number().int().min(1).default(500),
    /**
     * Modified z-score (0.6745 × (value − median) / MAD) above which a cell stands out from its
     * peers; 3.5 is Iglewicz and Hoaglin's customary cut-off.
     */
    outlierScore: z.number().positive().default(3.5),
    /** Fault rate (5xx / requests) a cell must exceed its peers' median by, absolutely. */
    minFaultRateIncrease: z.number().gt(0).max(1).default(0.02),
    /** Milliseconds a cell's p99 must exceed its peers' median p99 by. */
    minP99IncreaseMs: z.number().positive().default(100),
    /** And the factor: a cell's p99 must be at least this multiple of the peers' median. */
    minP99Ratio: z.number().min(1).default(1.5),
  })
  .strict();
export type OutlierPolicy = z.output<typeof outlierPolicySchema>;

export const greyCellFleetSchema = z
  .object({
    cells: z
      .array(cellNameSchema)
      .min(MIN_PEERS, `at least ${MIN_PEERS} cells are needed to judge a cell against its peers`)
      .refine((cells) => new Set(cells).size === cells.length, 'cell names must be unique'),
    /** The X-Ray group whose insights are read (insights must be enabled on it). */
    groupName: z.string().min(1).max(32).default('Default'),
    /** Whole minutes of statistics judged, ending at the last whole minute. */
    windowMinutes: z.number().int().min(1).max(60).default(5),
    policy: outlierPolicySchema.prefault({}),
  })
  .strict();
export type GreyCellFleet = z.output<typeof greyCellFleetSchema>;
