/**
 * An alarm selfheal defines, in the shape of CloudWatch `PutMetricAlarm` input, so the same value
 * can be sent to AWS as-is and handed to the simulated alarm engine (`world/cloudwatch-alarms.ts`).
 *
 * Only static-threshold alarms are modelled: anomaly-detection operators and percentile statistics
 * are left out until a detector needs them.
 */
import * as z from 'zod';

/** The tag that names the runbook an alarm starts when it goes to ALARM. */
export const RUNBOOK_TAG = 'selfheal:runbook';

/** CloudWatch's rule for `MetricDataQuery.Id`: starts with a lower-case letter. */
const queryIdSchema = z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, 'must start with a lower-case letter');

const dimensionSchema = z.object({ Name: z.string().min(1), Value: z.string().min(1) });

const metricSchema = z.object({
  Namespace: z.string().min(1),
  MetricName: z.string().min(1),
  Dimensions: z.array(dimensionSchema).max(30).optional(),
});

export const statisticSchema = z.enum(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);

/** Alarm periods: 10 or 30 seconds (high resolution) or a multiple of 60. */
const periodSchema = z
  .number()
  .int()
  .refine((s) => s === 10 || s === 30 || (s > 0 && s % 60 === 0), 'must be 10, 30 or a multiple of 60');

export const comparisonOperatorSchema = z.enum([
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);

export const treatMissingDataSchema = z.enum(['missing', 'notBreaching', 'breaching', 'ignore']);

const metricDataQuerySchema = z
  .strictObject({
    Id: queryIdSchema,
    MetricStat: z
      .strictObject({ Metric: metricSchema, Period: periodSchema, Stat: statisticSchema })
      .optional(),
    Expression: z.string().min(1).optional(),
    Label: z.string().optional(),
    ReturnData: z.boolean(),
  })
  .refine((q) => (q.MetricStat === undefined) !== (q.Expression === undefined), {
    message: 'a query has either MetricStat or Expression',
  });

const tagSchema = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) });

const commonFields = {
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().max(1024).optional(),
  EvaluationPeriods: z.number().int().min(1),
  /** The M of "M out of N"; CloudWatch defaults it to EvaluationPeriods. */
  DatapointsToAlarm: z.number().int().min(1).optional(),
  Threshold: z.number(),
  ComparisonOperator: comparisonOperatorSchema,
  /** CloudWatch's default is `missing`. */
  TreatMissingData: treatMissingDataSchema.optional(),
  Tags: z.array(tagSchema).optional(),
};

export const singleMetricAlarmSchema = z.strictObject({
  ...commonFields,
  ...metricSchema.shape,
  Statistic: statisticSchema,
  Period: periodSchema,
});

export const metricMathAlarmSchema = z.strictObject({
  ...commonFields,
  Metrics: z
    .array(metricDataQuerySchema)
    .min(1)
    .max(20)
    .superRefine((queries, ctx) => {
      const returned = queries.filter((q) => q.ReturnData);
      if (returned.length !== 1 || returned[0]?.Expression === undefined) {
        ctx.addIssue({ code: 'custom', message: 'exactly one query, an expression, has ReturnData true' });
      }
      const ids = queries.map((q) => q.Id);
      if (new Set(ids).size !== ids.length)
        ctx.addIssue({ code: 'custom', message: 'query ids must be unique' });
      // "Each metric must be using the same period" (Alarms on math expressions).
      const periods = new Set(queries.flatMap((q) => (q.MetricStat ? [q.MetricStat.Period] : [])));
      if (periods.size > 1)
        ctx.addIssue({ code: 'custom', message: 'every metric must use the same period' });
    }),
});

export const alarmDefinitionSchema = z
  .union([singleMetricAlarmSchema, metricMathAlarmSchema])
  .superRefine((alarm, ctx) => {
    if ((alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods) > alarm.EvaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['DatapointsToAlarm'],
        message: 'cannot exceed EvaluationPeriods',
      });
    }
    // "The number of evaluation periods multiplied by the length of each period cannot exceed one day."
    if (alarm.EvaluationPeriods * alarmPeriodSeconds(alarm) > 86_400) {
      ctx.addIssue({
        code: 'custom',
        path: ['EvaluationPeriods'],
        message: 'evaluation interval exceeds one day',
      });
    }
  });

export type SingleMetricAlarmDefinition = z.infer<typeof singleMetricAlarmSchema>;
export type MetricMathAlarmDefinition = z.infer<typeof metricMathAlarmSchema>;
export type AlarmDefinition = z.infer<typeof alarmDefinitionSchema>;
export type AlarmMetricDataQuery = MetricMathAlarmDefinition['Metrics'][number];
export type ComparisonOperator = z.infer<typeof comparisonOperatorSchema>;
export type TreatMissingData = z.infer<typeof treatMissingDataSchema>;

export function isMetricMathAlarm(alarm: AlarmDefinition): alarm is MetricMathAlarmDefinition {
  return 'Metrics' in alarm;
}

/** The period of each datapoint the alarm compares with its threshold. */
export function alarmPeriodSeconds(alarm: AlarmDefinition): number {
  if (!isMetricMathAlarm(alarm)) return alarm.Period;
  const withStat = alarm.Metrics.find((q) => q.MetricStat);
  return withStat?.MetricStat?.Period ?? 60;
}

/** The runbook named by the alarm's `selfheal:runbook` tag, if any. */
export function runbookOf(alarm: AlarmDefinition): string | undefined {
  return alarm.Tags?.find((tag) => tag.Key === RUNBOOK_TAG)?.Value;
}
