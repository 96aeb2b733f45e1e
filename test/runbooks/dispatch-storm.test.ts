/**
 * A small alarm storm (issue 17) through the deployed path: 100 incidents over 50 resources —
 * flapping alarms, duplicates, X-Ray insights, detector incidents, operator requests, interleaved —
 * matched against the deployment's EventBridge rules, dispatched and run on the local engine.
 * The full 1,000-incident storm is test/long/storm.test.ts.
 */
import { describeStorm } from '../support/storm-checks.ts';
import type { StormOptions } from '../../simulations/storm.ts';

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

describeStorm({ options: OPTIONS, timeoutMs: 120_000, rateLimitedHours: 1 });
