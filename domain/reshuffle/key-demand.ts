/**
 * How much one partition key is asked for, from Contributor Insights' "most accessed keys" rule
 * (which counts throttled requests too, so this is demand, not what the partition managed to
 * serve). Read minute by minute: a surge is sized by its busiest minute, not by an average that
 * still holds the quiet minutes before it.
 */
import type { CloudWatchPort } from '../ports.ts';
import { readTopKeys } from '../contributor-insights.ts';

export interface KeyDemand {
  logicalKey: string;
  /** Requests per second, reads and writes together, in the busiest minute of the window. */
  requestsPerSecond: number;
  /** The same, averaged over the window. */
  averageRequestsPerSecond: number;
  windowSeconds: number;
  ruleName: string | null;
}

const MINUTE_MS = 60_000;

export async function readKeyDemand(
  cloudwatch: CloudWatchPort,
  tableName: string,
  logicalKey: string,
  window: { start: Date; end: Date },
): Promise<KeyDemand> {
  const end = Math.floor(window.end.getTime() / MINUTE_MS) * MINUTE_MS;
  const minutes = Math.max(1, Math.round((end - window.start.getTime()) / MINUTE_MS));
  let ruleName: string | null = null;
  let peak = 0;
  let total = 0;
  for (let i = minutes; i >= 1; i--) {
    const start = new Date(end - i * MINUTE_MS);
    // A hot key is among the top few; the report names at most 100 contributors.
    const top = await readTopKeys(
      cloudwatch,
      tableName,
      'accessed',
      { start, end: new Date(start.getTime() + MINUTE_MS) },
      20,
    );
    ruleName ??= top.ruleName;
    if (!top.ruleName) break;
    const count = top.keys.find((k) => k.partitionKey === logicalKey)?.count ?? 0;
    peak = Math.max(peak, count);
    total += count;
  }
  const perSecond = (count: number, seconds: number): number => Math.round((count / seconds) * 10) / 10;
  return {
    logicalKey,
    requestsPerSecond: perSecond(peak, 60),
    averageRequestsPerSecond: perSecond(total, minutes * 60),
    windowSeconds: minutes * 60,
    ruleName,
  };
}
