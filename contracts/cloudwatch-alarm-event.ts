/**
 * The EventBridge event CloudWatch sends when an alarm changes state ("Alarm events and
 * EventBridge"): metric alarms, metric-math alarms and composite alarms share the envelope and
 * differ in `detail.configuration`.
 *
 * Parsing strips fields this schema does not name, so downstream code sees only what it may rely on.
 */
import * as z from 'zod';

export const ALARM_STATE_CHANGE_DETAIL_TYPE = 'CloudWatch Alarm State Change';

export const alarmStateValueSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** CloudWatch's own timestamp style, e.g. `2019-10-02T17:04:40.989+0000`. */
const cloudWatchTimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?([+-]\d{4}|Z)$/, 'not a CloudWatch timestamp')
  // zod's ISO check knows the calendar (no 30 February); Date.parse would roll it into March.
  .refine((timestamp) => isoWithOffset.safeParse(toIsoOffset(timestamp)).success, 'not a real date and time');

const isoWithOffset = z.iso.datetime({ offset: true });

/** `2019-10-02T17:04:40.989+0000` -> `…+00:00`, which Date.parse reads. */
export function toIsoOffset(timestamp: string): string {
  return timestamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

export const alarmStateSchema = z.object({
  value: alarmStateValueSchema,
  reason: z.string(),
  /** A JSON document as a string; absent from the "Unchecked: Initial alarm creation" state. */
  reasonData: z.string().optional(),
  timestamp: cloudWatchTimestampSchema,
  actionsSuppressedBy: z.string().optional(),
  actionsSuppressedReason: z.string().optional(),
});

const metricStatEntrySchema = z.object({
  id: z.string().min(1),
  metricStat: z.object({
    metric: z.object({
      namespace: z.string().min(1),
      name: z.string().min(1),
      dimensions: z.record(z.string(), z.string()).optional(),
    }),
    period: z.number().int().positive(),
    stat: z.string().min(1),
    unit: z.string().optional(),
  }),
  label: z.string().optional(),
  returnData: z.boolean(),
});

const expressionEntrySchema = z.object({
  id: z.string().min(1),
  expression: z.string().min(1),
  label: z.string().optional(),
  period: z.number().int().positive().optional(),
  returnData: z.boolean(),
});

export const alarmMetricSchema = z.union([metricStatEntrySchema, expressionEntrySchema]);

const metricAlarmConfigurationSchema = z.object({
  description: z.string().optional(),
  metrics: z.array(alarmMetricSchema).min(1),
});

const compositeAlarmConfigurationSchema = z.object({
  alarmRule: z.string().min(1),
  description: z.string().optional(),
  actionsSuppressor: z.string().optional(),
  actionsSuppressorWaitPeriod: z.number().optional(),
  actionsSuppressorExtensionPeriod: z.number().optional(),
});

export const cloudWatchAlarmEventSchema = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.literal(ALARM_STATE_CHANGE_DETAIL_TYPE),
  source: z.literal('aws.cloudwatch'),
  account: z.string().regex(/^\d{12}$/, 'not an AWS account id'),
  time: z.iso.datetime(),
  region: z.string().min(1),
  resources: z.array(z.string().startsWith('arn:')).min(1),
  detail: z.object({
    alarmName: z.string().min(1),
    state: alarmStateSchema,
    previousState: alarmStateSchema,
    configuration: z.union([metricAlarmConfigurationSchema, compositeAlarmConfigurationSchema]),
    /** Present when the alarm propagates its tags to events. */
    alarmTags: z.record(z.string(), z.string()).optional(),
    /** Present while a mute rule silences the alarm's actions. */
    muteDetail: z
      .object({ mutedByArn: z.string(), muteWindowStart: z.string(), muteWindowEnd: z.string() })
      .optional(),
  }),
});

export type CloudWatchAlarmEvent = z.infer<typeof cloudWatchAlarmEventSchema>;
export type AlarmStateValue = z.infer<typeof alarmStateValueSchema>;
export type AlarmState = z.infer<typeof alarmStateSchema>;
export type AlarmMetric = z.infer<typeof alarmMetricSchema>;
export type MetricAlarmConfiguration = z.infer<typeof metricAlarmConfigurationSchema>;
export type CompositeAlarmConfiguration = z.infer<typeof compositeAlarmConfigurationSchema>;

export class InvalidAlarmEventError extends Error {
  override readonly name = 'InvalidAlarmEventError';
  readonly issues: readonly z.core.$ZodIssue[];

  constructor(issues: readonly z.core.$ZodIssue[]) {
    super(`not a CloudWatch alarm state change event: ${issues.map(describeIssue).join('; ')}`);
    this.issues = issues;
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(event)';
  return `${path}: ${issue.message}`;
}

export function parseAlarmEvent(raw: unknown): CloudWatchAlarmEvent {
  const result = cloudWatchAlarmEventSchema.safeParse(raw);
  if (!result.success) throw new InvalidAlarmEventError(result.error.issues);
  return result.data;
}

export function isCompositeAlarmEvent(
  event: CloudWatchAlarmEvent,
): event is CloudWatchAlarmEvent & { detail: { configuration: CompositeAlarmConfiguration } } {
  return 'alarmRule' in event.detail.configuration;
}

/**
 * The DynamoDB tables an alarm concerns: the `TableName` dimension of its metrics, in order and
 * without repeats. A composite alarm names no metrics, hence no tables.
 */
export function tableNamesOf(event: CloudWatchAlarmEvent): string[] {
  const { configuration } = event.detail;
  if (!('metrics' in configuration)) return [];
  const names = configuration.metrics.flatMap((metric) => {
    const tableName = 'metricStat' in metric ? metric.metricStat.metric.dimensions?.TableName : undefined;
    return tableName === undefined ? [] : [tableName];
  });
  return [...new Set(names)];
}
