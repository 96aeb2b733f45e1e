/**
 * A small alarm storm (issue 17) through the deployed path: 100 incidents over 50 resources —
 * flapping alarms, duplicates, X-Ray insights, detector incidents, operator requests, interleaved —
 * matched against the deployment's EventBridge rules, dispatched and run on the local engine.
 * The full 1,000-incident storm is test/long/storm.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import {
  REDECIDED,
  runStorm,
  startStormWorld,
  stormReport,
  stormSummary,
  type StormOptions,
  type StormReport,
} from '../../simulations/storm.ts';

// Both runbooks live; the global limit binds (5 an hour, each runbook's own is 10). Ten signals
// every ten minutes: the storm crosses clock hours.
const OPTIONS: StormOptions = {
  incidents: 100,
  resources: 50,
  seed: 17,
  waveSize: 10,
  waveSeconds: 600,
  cellsLive: true,
  limits: { runbookPerHour: 10, globalPerHour: 5, cooldownSeconds: 900 },
};

const dynamodb = useLocalDynamoDb();
let report: StormReport;

beforeAll(async () => {
  const world = await startStormWorld(dynamodb(), {
    tables: 45,
    seed: 17,
    limits: OPTIONS.limits,
    cellsLive: true,
  });
  const run = await runStorm(world, OPTIONS);
  report = await stormReport(dynamodb(), world, run, OPTIONS);
}, 120_000);

afterAll(() => {
  // The storm's figures and findings, for whoever reads the test's output.
  console.info(stormSummary(report));
});

describe('an alarm storm of 100 incidents over 50 resources', () => {
  it('keeps every incident in the ledger exactly once with its decision, a started one with its outcome', () => {
    expect(report.incidents).toBe(100);
    expect(report.incidentFindings.filter((f) => !f.problem.startsWith(REDECIDED))).toEqual([]);
    expect(report.runsStartedByDispatch).toBe(report.ledgerActs);
  });

  // FINDING (issue 17): an event delivered again after its incident was decided (suppressed by a
  // rate limit, say) is decided afresh, and may start the run the first delivery was refused.
  // Dispatch claims each incident before deciding it: a redelivered event decides nothing again.
  it('keeps every incident exactly once, however often EventBridge delivers it', () => {
    expect(report.incidentFindings).toEqual([]);
    expect(report.incidentsExactlyOnce + report.duplicatesWithSecondRecord).toBe(100);
  });

  it('runs at most once per resource per cooldown', () => {
    expect(report.liveRuns).toBeGreaterThan(0);
    expect(report.cooldownBreaches).toEqual([]);
  });

  it('keeps the rate limits exactly, per clock hour as dispatch counts them', () => {
    expect(report.hours.some((h) => h.rateLimited > 0)).toBe(true);
    expect(report.rateLimitFindings).toEqual([]);
  });

  it('gives every lock back and leaves nothing running', () => {
    expect(report.locksLeft).toEqual([]);
    expect(report.runningLeft).toEqual([]);
  });
});
