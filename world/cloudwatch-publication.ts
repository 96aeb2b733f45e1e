/**
 * When the world's CloudWatch lets a one-minute datapoint be read: not while its minute is still
 * going on, and not at once when it ends. DynamoDB "outputs consumed provisioned throughput for
 * one-minute periods", and "CloudWatch alarms might have a short delay of up to a few minutes"
 * because of it ("Managing throughput capacity automatically with DynamoDB auto scaling", "DynamoDB
 * Metrics and dimensions"); statistics for a new metric can take "up to 2 minutes" to be
 * retrievable ("Publishing custom metrics", CloudWatch User Guide).
 *
 * AWS documents no delay for an AWS service's datapoints: the default of 120 s is an assumption,
 * taken from the one figure documented (the custom-metric "up to 2 minutes") and consistent with
 * "up to a few minutes" for alarms. It applies to every minute alike; AWS's real delay varies.
 */

const MINUTE_MS = 60_000;

/** Seconds after a minute ends before its datapoint can be read (assumption, see above). */
export const DEFAULT_PUBLICATION_DELAY_SECONDS = 120;

/** The first moment the datapoint of the minute starting at `minuteStartMs` can be read. */
export function publishedAtMs(minuteStartMs: number, delaySeconds: number): number {
  return Math.floor(minuteStartMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS + delaySeconds * 1000;
}

/**
 * Minutes starting before this moment can be read at `nowMs`; later ones cannot yet. A minute m is
 * readable when m + 1 min + delay <= now, that is when m + 1 min <= the minute of (now - delay).
 */
export function readableBeforeMs(nowMs: number, delaySeconds: number): number {
  return Math.floor((nowMs - delaySeconds * 1000) / MINUTE_MS) * MINUTE_MS;
}

/** A delay must be a finite number of seconds, zero or more. */
export function checkPublicationDelay(delaySeconds: number): number {
  if (!Number.isFinite(delaySeconds) || delaySeconds < 0) {
    throw new RangeError(`publicationDelaySeconds must be 0 or more, got ${delaySeconds}`);
  }
  return delaySeconds;
}
