/**
 * The hot-shard incident: an `orders` table provisioned for its quiet baseline (and auto scaled at
 * AWS's console default 70 % target) meets a sustained write surge, 13x its baseline, within three
 * minutes: a sale, a backfill, a retry storm. Sized so that one partition can still serve the
 * surge (900 WCU < 1,000): the problem is the table's capacity, not a hot key.
 */
import { minutes, type TableIncident } from '../table/incident.ts';

/** The runbook's policy for `orders` is the deployment's (`selfheal.config.json`), not the incident's. */
export type HotShardIncident = TableIncident;

export const HOT_SHARD_INCIDENT: HotShardIncident = {
  tableName: 'orders',
  readCapacityUnits: 300,
  writeCapacityUnits: 100,
  workload: {
    phases: [
      { name: 'baseline', durationSeconds: minutes(6), readsPerSecond: 200, writesPerSecond: 70 },
      { name: 'ramp', durationSeconds: minutes(3), readsPerSecond: [200, 400], writesPerSecond: [70, 900] },
      { name: 'surge', durationSeconds: minutes(24), readsPerSecond: 400, writesPerSecond: 900 },
      {
        name: 'cool-down',
        durationSeconds: minutes(3),
        readsPerSecond: [400, 200],
        writesPerSecond: [900, 70],
      },
      { name: 'baseline', durationSeconds: minutes(9), readsPerSecond: 200, writesPerSecond: 70 },
    ],
    itemSizeKb: 1,
    readConsistency: 'eventual',
    hotKeys: [],
    uniformKeyCount: 50_000,
    noise: 0.03,
  },
  incidentPhase: 'surge',
  simulatedSeconds: minutes(45),
  autoScalingTargetPercent: 70,
  autoScalingMaxCapacity: 4000,
  verificationMinutes: 3,
};

export { incidentEndSeconds } from '../table/incident.ts';
