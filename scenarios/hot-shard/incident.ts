/**
 * The hot-shard incident (`incident.json` beside this file): an `orders` table provisioned for its quiet baseline (and auto scaled at
 * AWS's console default 70 % target) meets a sustained write surge, 13x its baseline, within three
 * minutes: a sale, a backfill, a retry storm. Sized so that one partition can still serve the
 * surge (900 WCU < 1,000): the problem is the table's capacity, not a hot key.
 */
import { fileURLToPath } from 'node:url';
import type { TableIncident } from '../table/incident.ts';
import { readIncidentFile, tableIncidentSchema } from '../table/incident-file.ts';

/** The runbook's policy for `orders` is the deployment's (`selfheal.config.json`), not the incident's. */
export type HotShardIncident = TableIncident;

/** The built-in incident, a file like any user's (`simulate hot-shard --incident FILE`). */
export const HOT_SHARD_INCIDENT_FILE = fileURLToPath(new URL('incident.json', import.meta.url));

export const readHotShardIncident = (file: string): HotShardIncident =>
  readIncidentFile(file, tableIncidentSchema);

export const HOT_SHARD_INCIDENT: HotShardIncident = readHotShardIncident(HOT_SHARD_INCIDENT_FILE);

export { incidentEndSeconds } from '../table/incident.ts';
