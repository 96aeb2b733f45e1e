/**
 * A cell incident as a file: the fleet (its cells, each one's traffic, latency and capacity), the
 * faults that hit it, how long the simulation runs, and optionally the parameters of the world it
 * runs in (DNS and X-Ray) — validated like any input. A user brings their own fleet with
 * `selfheal simulate cell-shift --incident FILE.json`; the built-in incidents are such files
 * (`incident.json`, `fleet-slowdown.json`).
 *
 * Bounds are AWS's where it has them (a sampling rule's fixed rate and reservoir, a record's TTL)
 * and the simulation's otherwise: at most a day of virtual time, latencies within the 1 ms – 60 s
 * the simulated X-Ray histogram spans, at least MIN_PEERS cells (the detector judges a cell against
 * its peers). A cell's name must also name its routing control, so it has no `/`.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { MIN_PEERS } from '../../domain/cells/fleet.ts';
import { IncidentFileError } from '../table/incident-file.ts';
import type { CellIncident } from './cell-incident.ts';

/** A day of virtual time: the longest a simulation runs. */
const MAX_SECONDS = 86_400;
const MAX_MINUTES = MAX_SECONDS / 60;
/** The simulated X-Ray histogram's range (world/cells/latency.ts). */
const MAX_LATENCY_MS = 60_000;

const cellName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/,
    'a cell name is 1-64 letters, digits and ._:@- (its X-Ray service name and its routing control id)',
  );

const cell = z
  .object({
    name: cellName,
    /** Its users' requests a second while every cell is On. */
    requestsPerSecond: z.number().min(0).max(100_000),
    /** Requests a second it serves healthily; default 1.5 × requestsPerSecond. */
    capacityRps: z.number().min(0).max(1_000_000).optional(),
    faultRate: z.number().min(0).max(1),
    p50Ms: z.number().gt(0).max(MAX_LATENCY_MS),
    p99Ms: z.number().gt(0).max(MAX_LATENCY_MS),
  })
  .strict()
  .refine((c) => c.p99Ms >= c.p50Ms, { message: 'must be at least p50Ms', path: ['p99Ms'] });

const span = {
  fromMinute: z.number().int().min(0).max(MAX_MINUTES),
  /** Exclusive; absent: until the end of the run. */
  untilMinute: z.number().int().min(1).max(MAX_MINUTES).optional(),
};

const fault = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('grey-cell'),
      cell: cellName,
      faultRate: z.number().min(0).max(1).optional(),
      latencyFactor: z.number().gt(0).max(100).optional(),
      opensInsight: z.boolean().optional(),
      ...span,
    })
    .strict(),
  z
    .object({
      kind: z.literal('fleet-slowdown'),
      latencyFactor: z.number().gt(0).max(100),
      faultRate: z.number().min(0).max(1).optional(),
      ...span,
    })
    .strict(),
]);

/**
 * The world's parameters the incident sets; each one left out takes the world's default, which
 * names its source (world/cells/dns.ts, world/cells/sampling.ts, world/cells/xray.ts).
 */
const world = z
  .object({
    /** The TTL of the cells' DNS records, seconds (Route 53 allows 0 to 2147483647). */
    dnsRecordTtlSeconds: z.number().int().min(0).max(MAX_SECONDS).optional(),
    /** Seconds from a routing control change to Route 53 answering by it. */
    healthCheckDelaySeconds: z.number().int().min(0).max(3600).optional(),
    /** The X-Ray sampling rule the cells are traced by. */
    xraySampling: z
      .object({
        /** Traces a second the rule takes first, shared by the cells (ReservoirSize: a whole number). */
        reservoirPerSecond: z.number().int().min(0).max(1_000_000),
        /** Share of the requests beyond the reservoir that are traced (FixedRate, 0 to 1). */
        fixedRate: z.number().min(0).max(1),
      })
      .strict()
      .optional(),
    /** Seconds after a minute ends before X-Ray's statistics for it can be read. */
    xrayStatisticsDelaySeconds: z.number().int().min(0).max(3600).optional(),
    /** Seconds from a fault's start (or end) to X-Ray Insights opening (or closing) an insight on it. */
    xrayInsightDelaySeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();

export const cellIncidentSchema = z
  .object({
    /** What the incident stands for, for whoever reads the file. */
    description: z.string().max(1000).optional(),
    /** The scenario's name in summaries and reports. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a name is 1-64 letters, digits and ._-'),
    /** When minute 0 starts (ISO 8601, UTC). */
    start: z.iso.datetime(),
    simulatedSeconds: z.number().int().min(60).max(MAX_SECONDS).multipleOf(60),
    /** The fleet's name in the deployment's config (`fleets`), which must describe the same cells. */
    fleetName: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a fleet name is 1-64 letters, digits and ._-'),
    cells: z
      .array(cell)
      .min(MIN_PEERS, `at least ${MIN_PEERS} cells: a cell is judged against its peers`)
      .max(100),
    faults: z.array(fault).max(20),
    /** When the fault ends, in minutes since the start: what "failed during the incident" counts. */
    faultEndMinute: z.number().int().min(1).max(MAX_MINUTES),
    /** The runbook's bake, for the rehearsals that build the runbook's request from the incident. */
    bakeSeconds: z.number().int().min(60).max(MAX_SECONDS),
    /** Relative standard deviation of each minute's request rate and latency (default 0.03). */
    noise: z.number().min(0).max(1).optional(),
    /** Canary requests a second to each cell (default 1). */
    canaryRequestsPerSecond: z.number().min(0).max(1000).optional(),
    world: world.optional(),
  })
  .strict()
  .superRefine((incident, context) => {
    const names = incident.cells.map((c) => c.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) {
        context.addIssue({ code: 'custom', message: `${name} is named twice`, path: ['cells', i, 'name'] });
      }
    });
    const minutes = incident.simulatedSeconds / 60;
    incident.faults.forEach((f, i) => {
      if (f.kind === 'grey-cell' && !names.includes(f.cell)) {
        context.addIssue({ code: 'custom', message: 'is none of the cells', path: ['faults', i, 'cell'] });
      }
      if (f.fromMinute >= minutes) {
        context.addIssue({
          code: 'custom',
          message: `starts after the simulation's last minute (${minutes - 1})`,
          path: ['faults', i, 'fromMinute'],
        });
      }
      if (f.untilMinute !== undefined && f.untilMinute <= f.fromMinute) {
        context.addIssue({
          code: 'custom',
          message: 'must be after fromMinute',
          path: ['faults', i, 'untilMinute'],
        });
      }
    });
    if (incident.faultEndMinute > minutes) {
      context.addIssue({
        code: 'custom',
        message: `is after the simulation's end (minute ${minutes})`,
        path: ['faultEndMinute'],
      });
    }
  });

export type CellIncidentFile = z.output<typeof cellIncidentSchema>;

/** The incident the simulation runs: the file's, with its start as a time. */
export function cellIncidentOf(file: CellIncidentFile): CellIncident {
  const { description: _description, start, ...incident } = file;
  return { ...incident, startMs: Date.parse(start) };
}

/** Reads and validates a cell incident file; the first problem, named by its field, in one line. */
export function readCellShiftIncident(path: string): CellIncident {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new IncidentFileError(path, (error as Error).message);
  }
  const parsed = cellIncidentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IncidentFileError(path, `${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  return cellIncidentOf(parsed.data);
}
