/**
 * How much one partition key is asked for: its requests per second over a recent window, from
 * Contributor Insights' "most accessed keys" rule (which counts throttled requests too, so this is
 * demand, not what the partition managed to serve).
 */
import type { CloudWatchPort } from '../ports.ts';
import { readTopKeys } from '../contributor-insights.ts';

export interface KeyDemand {
  logicalKey: string;
  /** Requests per second, reads and writes together. */
  requestsPerSecond: number;
  windowSeconds: number;
  ruleName: string | null;
}

export async function readKeyDemand(
  cloudwatch: CloudWatchPort,
  tableName: string,
  logicalKey: string,
  window: { start: Date; end: Date },
): Promise<KeyDemand> {
  const windowSeconds = Math.max(60, (window.end.getTime() - window.start.getTime()) / 1000);
  // A hot key is among the top few; the report names at most 100 contributors.
  const { ruleName, keys } = await readTopKeys(cloudwatch, tableName, 'accessed', window, 20);
  const count = keys.find((k) => k.partitionKey === logicalKey)?.count ?? 0;
  return {
    logicalKey,
    requestsPerSecond: Math.round((count / windowSeconds) * 10) / 10,
    windowSeconds,
    ruleName,
  };
}
