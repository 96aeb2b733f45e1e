/**
 * The checks an alarm storm (issue 17) must pass through the deployed path, at any size: the
 * storm is run once on the local engine before them, its summary printed after them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from './local-dynamodb.ts';
import {
  REDECIDED,
  runStorm,
  startStormWorld,
  stormReport,
  stormSummary,
  type StormOptions,
  type StormReport,
} from '../../simulations/storm.ts';

export interface StormChecks {
  /** The storm to run, over the 45 tables and the five live cells. */
  options: StormOptions;
  /** How long the storm may take to run, in milliseconds. */
  timeoutMs: number;
  /** At least how many clock hours some signal must have been rate limited in. */
  rateLimitedHours: number;
}

/** Runs the storm once, then describes what it must keep: the ledger, the cooldown, the limits, the locks. */
export function describeStorm({ options, timeoutMs, rateLimitedHours }: StormChecks): void {
  const dynamodb = useLocalDynamoDb();
  let report: StormReport;

  beforeAll(async () => {
    const world = await startStormWorld(dynamodb(), {
      tables: 45,
      seed: 17,
      limits: options.limits,
      cellsLive: true,
    });
    const run = await runStorm(world, options);
    report = await stormReport(dynamodb(), world, run, options);
  }, timeoutMs);

  afterAll(() => {
    // The storm's figures and findings, for whoever reads the test's output.
    console.info(stormSummary(report));
  });

  const incidents = options.incidents;
  describe(`an alarm storm of ${incidents.toLocaleString('en-US')} incidents over ${options.resources} resources`, () => {
    it('keeps every incident in the ledger with its decision, a started one with its outcome', () => {
      expect(report.incidents).toBe(incidents);
      expect(report.incidentFindings.filter((f) => !f.problem.startsWith(REDECIDED))).toEqual([]);
      expect(report.runsStartedByDispatch).toBe(report.ledgerActs);
    });

    // FINDING (issue 17): an event delivered again after its incident was decided (suppressed by a
    // rate limit, say) is decided afresh, and may start the run the first delivery was refused.
    // Dispatch claims each incident before deciding it: a redelivered event decides nothing again.
    it('keeps every incident exactly once, however often EventBridge delivers it', () => {
      expect(report.incidentFindings).toEqual([]);
      expect(report.incidentsExactlyOnce + report.duplicatesWithSecondRecord).toBe(incidents);
    });

    it('runs at most once per resource per cooldown', () => {
      expect(report.liveRuns).toBeGreaterThan(0);
      expect(report.cooldownBreaches).toEqual([]);
    });

    it('keeps the rate limits exactly, per clock hour as dispatch counts them', () => {
      expect(report.hours.filter((h) => h.rateLimited > 0).length).toBeGreaterThanOrEqual(rateLimitedHours);
      expect(report.rateLimitFindings).toEqual([]);
    });

    it('gives every lock back and leaves nothing running', () => {
      expect(report.locksLeft).toEqual([]);
      expect(report.runningLeft).toEqual([]);
    });
  });
}
