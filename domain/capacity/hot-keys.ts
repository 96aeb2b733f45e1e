/**
 * The partition keys behind the throttling, from Contributor Insights' "most throttled keys" rule.
 * Optional evidence: a table without Contributor Insights is diagnosed from the cause-specific
 * metrics alone.
 */
import type { CloudWatchPort } from '../ports.ts';
import { readTopKeys } from '../contributor-insights.ts';

export interface HotKey {
  partitionKey: string;
  throttledRequests: number;
}

export interface HotKeyEvidence {
  ruleName: string | null;
  keys: HotKey[];
}

export async function readMostThrottledKeys(
  cloudwatch: CloudWatchPort,
  tableName: string,
  window: { start: Date; end: Date },
  maxKeys = 5,
): Promise<HotKeyEvidence> {
  const { ruleName, keys } = await readTopKeys(cloudwatch, tableName, 'throttled', window, maxKeys);
  return { ruleName, keys: keys.map((k) => ({ partitionKey: k.partitionKey, throttledRequests: k.count })) };
}
