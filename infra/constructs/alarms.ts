/**
 * The CloudWatch alarms of every protected resource, from the definitions in `detectors/alarms/`
 * (PutMetricAlarm's shape, validated there), as CloudFormation alarms. Their state changes reach
 * dispatch through the signals rule, which names each of them.
 */
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { isMetricMathAlarm, type AlarmDefinition } from '../../contracts/alarm-definition.ts';

export class Alarms extends Construct {
  readonly alarms: CfnAlarm[];

  constructor(scope: Construct, id: string, definitions: readonly AlarmDefinition[]) {
    super(scope, id);
    this.alarms = definitions.map(
      (definition) => new CfnAlarm(this, definition.AlarmName, cfnAlarmProps(definition)),
    );
  }
}

const dimensions = (list: readonly { Name: string; Value: string }[] | undefined) =>
  list?.map((d) => ({ name: d.Name, value: d.Value }));

export function cfnAlarmProps(alarm: AlarmDefinition): ConstructorParameters<typeof CfnAlarm>[2] {
  const common = {
    alarmName: alarm.AlarmName,
    alarmDescription: alarm.AlarmDescription,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator,
    treatMissingData: alarm.TreatMissingData,
    tags: alarm.Tags?.map((t) => ({ key: t.Key, value: t.Value })),
  };
  if (isMetricMathAlarm(alarm)) {
    return {
      ...common,
      metrics: alarm.Metrics.map((query) => ({
        id: query.Id,
        expression: query.Expression,
        label: query.Label,
        returnData: query.ReturnData,
        metricStat: query.MetricStat && {
          metric: {
            namespace: query.MetricStat.Metric.Namespace,
            metricName: query.MetricStat.Metric.MetricName,
            dimensions: dimensions(query.MetricStat.Metric.Dimensions),
          },
          period: query.MetricStat.Period,
          stat: query.MetricStat.Stat,
        },
      })),
    };
  }
  return {
    ...common,
    namespace: alarm.Namespace,
    metricName: alarm.MetricName,
    dimensions: dimensions(alarm.Dimensions),
    statistic: alarm.Statistic,
    period: alarm.Period,
  };
}
