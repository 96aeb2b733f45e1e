/**
 * The hot-key incident: an `events` table with ample capacity (4,000 WCU over 5 partitions, auto
 * scaled at 70 %) where one partition key, the checkout event stream, takes 85 % of the writes.
 * When traffic triples, that key asks for 1,700 writes a second: more than any partition serves
 * (1,000 WCU), while the table as a whole stays near a third of its capacity. Raising capacity
 * adds partitions but cannot split one key; only spreading the key over sharded keys helps.
 */
import { minutes, type TableIncident } from '../table/incident.ts';

/** The runbook's policy for `events` is the deployment's (`selfheal.config.json`), not the incident's. */
export interface HotKeyIncident extends TableIncident {
  /** The partition key that turns hot. */
  hotKey: string;
  /** Items already stored under the hot key, which a reshuffle must move without losing one. */
  existingItems: number;
}

const HOT_KEY = 'events#checkout';

export const HOT_KEY_INCIDENT: HotKeyIncident = {
  tableName: 'events',
  readCapacityUnits: 1000,
  writeCapacityUnits: 4000,
  hotKey: HOT_KEY,
  existingItems: 500,
  workload: {
    phases: [
      { name: 'baseline', durationSeconds: minutes(6), readsPerSecond: 300, writesPerSecond: 600 },
      { name: 'ramp', durationSeconds: minutes(2), readsPerSecond: 300, writesPerSecond: [600, 2000] },
      { name: 'surge', durationSeconds: minutes(25), readsPerSecond: 300, writesPerSecond: 2000 },
      { name: 'cool-down', durationSeconds: minutes(3), readsPerSecond: 300, writesPerSecond: [2000, 600] },
      { name: 'baseline', durationSeconds: minutes(9), readsPerSecond: 300, writesPerSecond: 600 },
    ],
    itemSizeKb: 1,
    readConsistency: 'eventual',
    hotKeys: [{ key: HOT_KEY, readShare: 0.02, writeShare: 0.85 }],
    uniformKeyCount: 20_000,
    noise: 0.03,
  },
  incidentPhase: 'surge',
  simulatedSeconds: minutes(45),
  autoScalingTargetPercent: 70,
  autoScalingMaxCapacity: 8000,
  verificationMinutes: 3,
};
