/**
 * The alarm storm (issue 17) as a benchmark: incidents interleaved over resources (flapping
 * alarms, duplicates, X-Ray insights, grey-cell detector incidents, operator requests) through the
 * deployed path — the deployment's EventBridge rules, dispatch, the runbooks — on the local
 * engine, with dynalite. Reports incidents per second (wall time of the storm itself, the world's
 * set-up left out) and the ledger's completeness: the share of incidents with their decision in
 * the ledger. The storm and its checks are `simulations/storm.ts`, which the tests run too
 * (test/runbooks/dispatch-storm.test.ts, test/long/storm.test.ts).
 *
 * `node bench/storm.ts [incidents]` runs it alone and prints the result as JSON.
 */
import './quiet-powertools.ts';
import { fileURLToPath } from 'node:url';
import { withLocalDynamoDb } from '../local/dynamodb-client.ts';
import { runStorm, startStormWorld, stormReport, type StormOptions } from '../simulations/storm.ts';

export interface StormResult {
  incidents: number;
  resources: number;
  /** Runbook executions started (live and dry runs, with any they started). */
  runs: number;
  ledgerRecords: number;
  /** Ledger records per incident (decisions, outcomes, duplicates' suppressions, runbooks' own records). */
  recordsPerIncident: number;
  /** Incidents with at least one decision in the ledger, per incident (1 is complete). */
  completeness: number;
  /** Incidents kept exactly once (a duplicate's own suppression record allowed), per incident. */
  exactlyOnce: number;
  locksLeft: number;
  runningLeft: number;
  incidentsPerSecond: number;
}

export interface StormBenchOptions {
  incidents?: number;
  resources?: number;
  seed?: number;
}

export async function measureStorm(options: StormBenchOptions = {}): Promise<StormResult> {
  const resources = options.resources ?? 50;
  const seed = options.seed ?? 17;
  const storm: StormOptions = {
    incidents: options.incidents ?? 1000,
    resources,
    seed,
    waveSize: 20,
    waveSeconds: 240,
    cellsLive: true,
    limits: { runbookPerHour: 4, globalPerHour: 20, cooldownSeconds: 900 },
  };
  return withLocalDynamoDb(async (dynamodb) => {
    const world = await startStormWorld(dynamodb, {
      tables: resources - 5,
      seed,
      limits: storm.limits,
      cellsLive: true,
    });
    const run = await runStorm(world, storm);
    const report = await stormReport(dynamodb, world, run, storm);
    const missing = report.incidentFindings.filter((f) => f.problem === 'no decision in the ledger').length;
    return {
      incidents: report.incidents,
      resources: report.resources,
      runs: report.runs,
      ledgerRecords: report.ledgerRecords,
      recordsPerIncident: report.ledgerRecords / report.incidents,
      completeness: (report.incidents - missing) / report.incidents,
      exactlyOnce: (report.incidentsExactlyOnce + report.duplicatesWithSecondRecord) / report.incidents,
      locksLeft: report.locksLeft.length,
      runningLeft: report.runningLeft.length,
      incidentsPerSecond: report.incidentsPerSecond,
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const incidents = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await measureStorm(incidents ? { incidents } : {}), null, 2));
}
