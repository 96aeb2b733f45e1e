/**
 * Contributor Insights for DynamoDB: the per-table rules AWS manages, "most accessed keys"
 * (`DynamoDBContributorInsights-PKC-<table>-<created>`) and "most throttled keys" (`…-PKT-…`), read
 * with GetInsightRuleReport. A table without the rule gives no keys, not an error: the evidence is
 * optional.
 */
import type { CloudWatchPort } from './ports.ts';
import { classifyAwsError } from './errors.ts';

export type KeyRule = 'accessed' | 'throttled';

export interface KeyCount {
  partitionKey: string;
  /** Requests in the window (the rule counts occurrences). */
  count: number;
}

export interface TopKeys {
  ruleName: string | null;
  keys: KeyCount[];
}

const RULE_CODE: Record<KeyRule, string> = { accessed: 'PKC', throttled: 'PKT' };

export async function readTopKeys(
  cloudwatch: CloudWatchPort,
  tableName: string,
  rule: KeyRule,
  window: { start: Date; end: Date },
  maxKeys = 5,
): Promise<TopKeys> {
  // Table names may contain '-', so the creation timestamp must follow the name, or the rule of
  // `orders-archive` would pass for the rule of `orders`.
  const ruleName = new RegExp(
    `^DynamoDBContributorInsights-${RULE_CODE[rule]}-${escapeRegExp(tableName)}-\\d+$`,
  );
  try {
    const rules = await cloudwatch.describeInsightRules({});
    const found = (rules.InsightRules ?? []).find(
      (r) => ruleName.test(r.Name ?? '') && r.State !== 'DISABLED',
    );
    if (!found?.Name) return { ruleName: null, keys: [] };
    const report = await cloudwatch.getInsightRuleReport({
      RuleName: found.Name,
      StartTime: window.start,
      EndTime: window.end,
      Period: 60,
      MaxContributorCount: maxKeys,
      OrderBy: 'Sum',
    });
    const keys = (report.Contributors ?? []).map((c) => ({
      partitionKey: c.Keys?.[0] ?? '(unknown)',
      count: c.ApproximateAggregateValue ?? 0,
    }));
    return { ruleName: found.Name, keys };
  } catch (error) {
    throw classifyAwsError(error, `Reading Contributor Insights for table ${tableName}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
