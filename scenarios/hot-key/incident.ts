/**
 * The hot-key incident (`incident.json` beside this file): an `events` table with ample capacity (4,000 WCU over 5 partitions, auto
 * scaled at 70 %) where one partition key, the checkout event stream, takes 85 % of the writes.
 * When traffic triples, that key asks for 1,700 writes a second: more than any partition serves
 * (1,000 WCU), while the table as a whole stays near a third of its capacity. Raising capacity
 * adds partitions but cannot split one key; only spreading the key over sharded keys helps.
 */
import { fileURLToPath } from 'node:url';
import type { TableIncident } from '../table/incident.ts';
import { hotKeyIncidentSchema, readIncidentFile } from '../table/incident-file.ts';

/** The runbook's policy for `events` is the deployment's (`selfheal.config.json`), not the incident's. */
export interface HotKeyIncident extends TableIncident {
  /** The partition key that turns hot. */
  hotKey: string;
  /** Items already stored under the hot key, which a reshuffle must move without losing one. */
  existingItems: number;
}

/** The built-in incident, a file like any user's (`simulate hot-key --incident FILE`). */
export const HOT_KEY_INCIDENT_FILE = fileURLToPath(new URL('incident.json', import.meta.url));

export const readHotKeyIncident = (file: string): HotKeyIncident =>
  readIncidentFile(file, hotKeyIncidentSchema);

export const HOT_KEY_INCIDENT: HotKeyIncident = readHotKeyIncident(HOT_KEY_INCIDENT_FILE);
