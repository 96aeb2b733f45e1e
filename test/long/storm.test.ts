/**
 * The alarm storm of issue 17 in full: 1,000 incidents over 50 resources (45 tables, the five
 * cells of the checkout fleet) — alarms flapping ALARM/OK/ALARM, duplicates (the same event
 * delivered twice), X-Ray insights, grey-cell detector incidents and operator requests,
 * interleaved — through the deployed path: each signal matched against the deployment's
 * EventBridge rules, dispatched, run on the local engine. hot-shard's own hourly limit binds here
 * (test/runbooks/dispatch-storm.test.ts, 100 incidents, has the global one bind).
 */
import { describeStorm } from '../support/storm-checks.ts';
import type { StormOptions } from '../../simulations/storm.ts';

const OPTIONS: StormOptions = {
  incidents: 1000,
  resources: 50,
  seed: 17,
  waveSize: 20,
  waveSeconds: 240,
  cellsLive: true,
  limits: { runbookPerHour: 4, globalPerHour: 20, cooldownSeconds: 900 },
};

describeStorm({ options: OPTIONS, timeoutMs: 600_000, rateLimitedHours: 2 });
