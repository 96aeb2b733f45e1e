/**
 * Verification: after the change has settled, the table must show no throttling for the whole
 * verification window. Anything less is not healed, and the runbook says so.
 */
import type { CloudWatchPort } from '../ports.ts';
import { metricWindow, readTableLoad } from './table-metrics.ts';

export interface Verification {
  healed: boolean;
  checkedFrom: string;
  checkedTo: string;
  throttleEvents: { read: number; write: number };
}

export async function verifyThrottlingStopped(
  cloudwatch: CloudWatchPort,
  tableName: string,
  nowMs: number,
  windowSeconds: number,
): Promise<Verification> {
  // The minute in which the change became active is still partly the old capacity: skip it.
  const minutes = Math.max(1, Math.floor(windowSeconds / 60) - 1);
  const window = metricWindow(nowMs, minutes);
  const load = await readTableLoad(cloudwatch, tableName, window);
  const events = (dimension: 'read' | 'write') =>
    load[dimension].reduce(
      (sum, m) => sum + Math.max(m.throttleEvents, m.keyRange + m.provisionedLimit + m.onDemandLimit),
      0,
    );
  const throttleEvents = { read: events('read'), write: events('write') };
  return {
    healed: throttleEvents.read === 0 && throttleEvents.write === 0,
    checkedFrom: window.start.toISOString(),
    checkedTo: window.end.toISOString(),
    throttleEvents,
  };
}
