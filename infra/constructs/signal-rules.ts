/**
 * How signals reach dispatch, and how a failed run reaches a person. Each signal source has a rule
 * of its own, naming exactly what it accepts: the deployment's alarms by name, the fleets' X-Ray
 * groups, the detector's incidents, operators' requests. Delivery retries for a day and leaves what
 * it could not deliver in an encrypted dead-letter queue. Any runbook execution that fails, times
 * out or is aborted is published to the notification topic: after dispatch hands a cell shift
 * over, nothing else would tell anyone.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput, type EventPattern } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine, SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALARM_STATE_CHANGE_DETAIL_TYPE } from '../../detectors/events/cloudwatch-alarm-event.ts';
import { XRAY_INSIGHT_DETAIL_TYPE } from '../../detectors/signals/signal-events.ts';
import {
  DETECTOR_SOURCE,
  GREY_FAILURE_DETAIL_TYPE,
  OPERATOR_DETAIL_TYPE,
  OPERATOR_SOURCE,
} from '../../domain/incidents/event-types.ts';

export interface SignalRulesProps {
  deployment: string;
  dispatch: IStateMachine;
  /** Whether the deployment has alarms (all named `<deployment>-...`). */
  alarms: boolean;
  xrayGroups: readonly string[];
  /** Whether the grey-cell detector runs (any fleet configured). */
  detector: boolean;
  runbooks: readonly IStateMachine[];
  topic: ITopic;
}

export const FAILED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export class SignalRules extends Construct {
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: SignalRulesProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'Undelivered', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // A signal that never reached dispatch is an incident nobody handled: say so at once.
    new Alarm(this, 'UndeliveredAlarm', {
      alarmName: `${props.deployment}-undelivered-signals`,
      alarmDescription:
        'Signals EventBridge could not deliver to dispatch (or failed runs to the topic) are waiting in the dead-letter queue',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new SnsAction(props.topic));
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the signal rules’ targets',
    });

    const signals: [string, string, EventPattern][] = [];
    if (props.alarms) {
      signals.push([
        'Alarms',
        'CloudWatch alarms of the protected resources going to ALARM',
        {
          source: ['aws.cloudwatch'],
          detailType: [ALARM_STATE_CHANGE_DETAIL_TYPE],
          // By the deployment's prefix, not name by name: an event pattern holds 2,048 characters.
          // Dispatch's routing matches each alarm exactly and records any other as unrouted.
          detail: { alarmName: [{ prefix: `${props.deployment}-` }], state: { value: ['ALARM'] } },
        },
      ]);
    }
    if (props.xrayGroups.length > 0) {
      signals.push([
        'XRayInsights',
        "X-Ray insights of the fleets' groups",
        {
          source: ['aws.xray'],
          detailType: [XRAY_INSIGHT_DETAIL_TYPE],
          detail: { GroupName: [...props.xrayGroups] },
        },
      ]);
    }
    if (props.detector) {
      signals.push([
        'GreyCells',
        "The grey-cell detector's incidents",
        { source: [DETECTOR_SOURCE], detailType: [GREY_FAILURE_DETAIL_TYPE] },
      ]);
    }
    signals.push([
      'OperatorRequests',
      "Operators' remediation requests",
      { source: [OPERATOR_SOURCE], detailType: [OPERATOR_DETAIL_TYPE] },
    ]);

    for (const [ruleId, description, eventPattern] of signals) {
      const rule = new Rule(this, ruleId, {
        ruleName: `${props.deployment}-${ruleId.replace(/[A-Z]/g, (c, i: number) => `${i > 0 ? '-' : ''}${c.toLowerCase()}`)}`,
        description: `${description}: to dispatch`,
        eventPattern,
      });
      rule.addTarget(
        new SfnStateMachine(props.dispatch, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
      this.rules.push(rule);
    }

    const failures = new Rule(this, 'FailedRuns', {
      ruleName: `${props.deployment}-failed-runs`,
      description: 'Runbook executions that failed, timed out or were aborted: to the notification topic',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: [...FAILED_STATUSES],
          stateMachineArn: props.runbooks.map((r) => r.stateMachineArn),
        },
      },
    });
    failures.addTarget(
      new SnsTopic(props.topic, {
        deadLetterQueue: this.deadLetterQueue,
        message: RuleTargetInput.fromText(
          `selfheal: execution ${EventField.fromPath('$.detail.name')} of ${EventField.fromPath('$.detail.stateMachineArn')} ` +
            `ended ${EventField.fromPath('$.detail.status')}: ${EventField.fromPath('$.detail.error')} ` +
            `${EventField.fromPath('$.detail.cause')}. Look: selfheal describe ${EventField.fromPath('$.detail.executionArn')}`,
        ),
      }),
    );
    this.rules.push(failures);
  }
}
