/**
 * Contributor Insights rules and their per-minute contributions, answered as
 * DescribeInsightRules and GetInsightRuleReport would.
 *
 * A population of equally loaded keys (the uniform part of a workload) is stored as one entry
 * instead of one per key, so a table with 100,000 cold keys costs nothing per minute; its keys are
 * named only when they make the top of a report.
 */
import type {
  DescribeInsightRulesOutput,
  GetInsightRuleReportInput,
  GetInsightRuleReportOutput,
  InsightRuleContributor,
} from '@aws-sdk/client-cloudwatch';
import { invalidParameterValue, resourceNotFound } from './service-error.ts';

export interface ContributorRule {
  name: string;
  /** The rule's JSON definition, as DescribeInsightRules shows it. */
  definition: Record<string, unknown>;
  keyLabels: string[];
  /** Count: contributions are occurrences (requests). */
  aggregationStatistic: 'Count' | 'Sum';
  /** DynamoDB's rules are managed by DynamoDB, not by the account. */
  managed: boolean;
}

export interface KeyPopulation {
  keyCount: number;
  /** Total contribution of the whole population in the minute, shared equally by its keys. */
  total: number;
  keyName(index: number): string;
}

export interface ContributorSample {
  /** Named contributors (one key each) and their contribution in the minute. */
  keys: ReadonlyMap<string, number>;
  population?: KeyPopulation;
}

const MINUTE_MS = 60_000;
const DEFAULT_MAX_CONTRIBUTORS = 10;
const MAX_CONTRIBUTORS = 100;

export class ContributorInsights {
  #rules = new Map<string, { rule: ContributorRule; minutes: Map<number, ContributorSample> }>();

  register(rule: ContributorRule): void {
    if (!this.#rules.has(rule.name)) this.#rules.set(rule.name, { rule, minutes: new Map() });
  }

  /** Adds a minute's contributions; a second sample for the same minute replaces the first. */
  put(ruleName: string, timestampMs: number, sample: ContributorSample): void {
    const entry = this.#rules.get(ruleName);
    if (!entry) throw resourceNotFound(`Insight rule ${ruleName} does not exist`);
    entry.minutes.set(Math.floor(timestampMs / MINUTE_MS) * MINUTE_MS, sample);
  }

  describe(): DescribeInsightRulesOutput {
    return {
      InsightRules: [...this.#rules.values()].map(({ rule }) => ({
        Name: rule.name,
        State: 'ENABLED',
        Schema: 'CloudWatchLogRule/1',
        Definition: JSON.stringify(rule.definition),
        ManagedRule: rule.managed,
      })),
    };
  }

  report(input: GetInsightRuleReportInput): GetInsightRuleReportOutput {
    const entry = input.RuleName ? this.#rules.get(input.RuleName) : undefined;
    if (!entry) throw resourceNotFound(`Insight rule ${input.RuleName ?? '(none)'} does not exist`);
    const period = input.Period ?? 0;
    if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) {
      throw invalidParameterValue(`Period must be a multiple of 60 seconds, got ${input.Period}`);
    }
    const maxContributors = input.MaxContributorCount ?? DEFAULT_MAX_CONTRIBUTORS;
    if (!Number.isInteger(maxContributors) || maxContributors < 1 || maxContributors > MAX_CONTRIBUTORS) {
      throw invalidParameterValue(`MaxContributorCount must be 1 to ${MAX_CONTRIBUTORS}`);
    }
    const orderBy = input.OrderBy ?? 'Sum';
    if (orderBy !== 'Sum' && orderBy !== 'Maximum')
      throw invalidParameterValue('OrderBy must be Sum or Maximum');
    const startMs = Math.floor(requireTime(input.StartTime, 'StartTime') / MINUTE_MS) * MINUTE_MS;
    const endMs = requireTime(input.EndTime, 'EndTime');
    const bucketOf = (minute: number) =>
      startMs + Math.floor((minute - startMs) / (period * 1000)) * period * 1000;

    const named = new Map<string, Map<number, number>>();
    // Populations are told apart by how they name keys: the same population across minutes adds up.
    const populations = new Map<
      KeyPopulation['keyName'],
      { keyCount: number; buckets: Map<number, number> }
    >();
    let aggregate = 0;
    for (const [minute, sample] of entry.minutes) {
      if (minute < startMs || minute >= endMs) continue;
      const bucket = bucketOf(minute);
      for (const [key, value] of sample.keys) {
        if (value <= 0) continue;
        const buckets = named.get(key) ?? new Map<number, number>();
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + value);
        named.set(key, buckets);
        aggregate += value;
      }
      const population = sample.population;
      if (population && population.total > 0 && population.keyCount > 0) {
        const known = populations.get(population.keyName) ?? {
          keyCount: 0,
          buckets: new Map<number, number>(),
        };
        known.keyCount = Math.max(known.keyCount, population.keyCount);
        const perKey = population.total / population.keyCount;
        known.buckets.set(bucket, (known.buckets.get(bucket) ?? 0) + perKey);
        populations.set(population.keyName, known);
        aggregate += population.total;
      }
    }

    const candidates: { key: string; buckets: Map<number, number> }[] = [...named].map(([key, buckets]) => ({
      key,
      buckets,
    }));
    let uniqueCount = named.size;
    for (const [keyName, population] of populations) {
      // Equal loads: the first keys by index stand in for the whole population in the ranking.
      const shown = Math.min(population.keyCount, maxContributors);
      for (let i = 0; i < shown; i++) candidates.push({ key: keyName(i), buckets: population.buckets });
      const accesses = [...population.buckets.values()].reduce((sum, v) => sum + v, 0) * population.keyCount;
      uniqueCount += Math.min(population.keyCount, Math.ceil(accesses));
    }

    const rank = (buckets: Map<number, number>) =>
      orderBy === 'Sum' ? sumOf(buckets.values()) : Math.max(0, ...buckets.values());
    const contributors: InsightRuleContributor[] = candidates
      .map(({ key, buckets }) => ({ key, buckets, score: rank(buckets) }))
      .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, maxContributors)
      .map(({ key, buckets }) => ({
        Keys: [key],
        ApproximateAggregateValue: sumOf(buckets.values()),
        Datapoints: [...buckets]
          .sort(([a], [b]) => a - b)
          .map(([timestamp, value]) => ({ Timestamp: new Date(timestamp), ApproximateValue: value })),
      }));

    return {
      KeyLabels: entry.rule.keyLabels,
      AggregationStatistic: entry.rule.aggregationStatistic,
      AggregateValue: aggregate,
      ApproximateUniqueCount: uniqueCount,
      Contributors: contributors,
    };
  }
}

function sumOf(values: Iterable<number>): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

function requireTime(value: Date | undefined, name: string): number {
  const ms = value?.getTime();
  if (ms === undefined || Number.isNaN(ms)) throw invalidParameterValue(`${name} is required`);
  return ms;
}
