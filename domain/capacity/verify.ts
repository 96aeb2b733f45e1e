/**
 * Verification: after the change has settled, the table must show no throttling for the whole
 * verification window. Anything less is not healed, and the runbook says so.
 *
 * CloudWatch publishes a minute some time after it ends (alarms on DynamoDB metrics "might have a
 * short delay of up to a few minutes": "DynamoDB Metrics and dimensions"), and a minute not yet
 * published has no datapoints, just like a quiet one. So the verdict rests only on minutes that are over and published (their consumed
 * capacity is there, see table-metrics.ts); a window with any other minute is not yet known, and
 * not known is not healed. A throttle datapoint is throttling at once, wherever it is.
 */
import type { CloudWatchPort } from '../ports.ts';
import { publishedMinutes, readTableLoad } from './table-metrics.ts';

const MINUTE_MS = 60_000;

export type VerificationVerdict = 'healed' | 'throttling' | 'not-yet-known';

export interface Verification {
  /** True only when every minute of the window is published and none throttled. */
  healed: boolean;
  verdict: VerificationVerdict;
  checkedFrom: string;
  checkedTo: string;
  /** Throttle events in the window's minutes that are over. */
  throttleEvents: { read: number; write: number };
  /** Minutes of the window not over or not published yet (their starts): judged neither way. */
  unpublishedMinutes: string[];
}

export interface VerificationOptions {
  /**
   * When the change became active (the table ACTIVE again). Default: `windowSeconds` before now,
   * since the runbook waits that long after seeing the table ACTIVE.
   */
  sinceMs?: number;
}

export async function verifyThrottlingStopped(
  cloudwatch: CloudWatchPort,
  tableName: string,
  nowMs: number,
  windowSeconds: number,
  options: VerificationOptions = {},
): Promise<Verification> {
  const window = verificationWindow(options.sinceMs ?? nowMs - windowSeconds * 1000, windowSeconds);
  const load = await readTableLoad(cloudwatch, tableName, window);
  const published = publishedMinutes(load);
  const over = (timestamp: number) => timestamp + MINUTE_MS <= nowMs;
  // A throttle datapoint is throttling wherever it is; only its absence needs a published minute.
  const events = (dimension: 'read' | 'write') =>
    load[dimension]
      .filter((m) => over(m.timestamp))
      .reduce(
        (sum, m) => sum + Math.max(m.throttleEvents, m.keyRange + m.provisionedLimit + m.onDemandLimit),
        0,
      );
  const throttleEvents = { read: events('read'), write: events('write') };
  const unpublished = minutesOf(window).filter((t) => !(over(t) && published.has(t)));
  const verdict: VerificationVerdict =
    throttleEvents.read + throttleEvents.write > 0
      ? 'throttling'
      : unpublished.length > 0
        ? 'not-yet-known'
        : 'healed';
  return {
    healed: verdict === 'healed',
    verdict,
    checkedFrom: window.start.toISOString(),
    checkedTo: window.end.toISOString(),
    throttleEvents,
    unpublishedMinutes: unpublished.map((timestamp) => new Date(timestamp).toISOString()),
  };
}

/**
 * The whole minutes of [since, since + window), less the minute holding `since` (partly the old
 * capacity, and the table applies a change only once ACTIVE): at least one minute.
 */
export function verificationWindow(sinceMs: number, windowSeconds: number): { start: Date; end: Date } {
  const start = Math.floor(sinceMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const end = Math.floor((sinceMs + windowSeconds * 1000) / MINUTE_MS) * MINUTE_MS;
  return { start: new Date(start), end: new Date(Math.max(end, start + MINUTE_MS)) };
}

function minutesOf(window: { start: Date; end: Date }): number[] {
  const minutes: number[] = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += MINUTE_MS) minutes.push(t);
  return minutes;
}
