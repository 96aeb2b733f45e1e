/**
 * The partition keys behind the throttling, from Contributor Insights for DynamoDB ("most
 * throttled keys" rule, `DynamoDBContributorInsights-PKT-<table>-…`). Optional evidence: a table
 * without Contributor Insights is diagnosed from the cause-specific metrics alone.
 */
import type { CloudWatchPort } from '../ports.ts';
import { classifyAwsError } from '../errors.ts';

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
  // Table names may contain '-', so the creation timestamp must follow the name, or the rule of
  // `orders-archive` would pass for the rule of `orders`.
  const ruleName = new RegExp(`^DynamoDBContributorInsights-PKT-${escapeRegExp(tableName)}-\\d+$`);
  try {
    const rules = await cloudwatch.describeInsightRules({});
    const rule = (rules.InsightRules ?? []).find(
      (r) => ruleName.test(r.Name ?? '') && r.State !== 'DISABLED',
    );
    if (!rule?.Name) return { ruleName: null, keys: [] };
    const report = await cloudwatch.getInsightRuleReport({
      RuleName: rule.Name,
      StartTime: window.start,
      EndTime: window.end,
      Period: 60,
      MaxContributorCount: maxKeys,
      OrderBy: 'Sum',
    });
    const keys = (report.Contributors ?? []).map((c) => ({
      partitionKey: c.Keys?.[0] ?? '(unknown)',
      throttledRequests: c.ApproximateAggregateValue ?? 0,
    }));
    return { ruleName: rule.Name, keys };
  } catch (error) {
    throw classifyAwsError(error, `Reading Contributor Insights for table ${tableName}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
