/**
 * How signals reach dispatch, and how a failed run reaches a person. Each signal source has a rule
 * of its own, naming exactly what it accepts (the patterns are `infra/config/signal-patterns.ts`'s,
 * which the game day matches its simulated events against too). The target passes the event as it
 * is: dispatch's input is the event EventBridge matched. Delivery retries for a day and leaves what
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
import type { SignalPattern, SignalRule } from '../config/signal-patterns.ts';

export interface SignalRulesProps {
  deployment: string;
  dispatch: IStateMachine;
  /** The rules to dispatch, worked out from the config (`signalRulesOf`). */
  signals: readonly SignalRule[];
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

    for (const signal of props.signals) {
      const rule = new Rule(this, signal.id, {
        ruleName: signal.name,
        description: signal.description,
        eventPattern: cdkPattern(signal.pattern),
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
        // Through a role of EventBridge's, not a topic policy open to events.amazonaws.com: no
        // other rule, in this account or another, can publish to the operators' topic.
        authorizeUsingRole: true,
        deadLetterQueue: this.deadLetterQueue,
        message: RuleTargetInput.fromText(
          `selfheal: execution ${EventField.fromPath('$.detail.name')} of ${EventField.fromPath('$.detail.stateMachineArn')} ` +
            `ended ${EventField.fromPath('$.detail.status')}: ${EventField.fromPath('$.detail.error')} ` +
            `${EventField.fromPath('$.detail.cause')}. Look: selfheal describe ${EventField.fromPath('$.detail.executionArn')}`,
        ),
      }),
    );
    // The role CDK made for the target may use the topic's key: KMS names data-key generation
    // with a wildcard (kms:GenerateDataKey*), on that one key only.
    Validations.of(failures).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: "Publishing to the encrypted topic needs kms:GenerateDataKey*, on the topic's own key only",
    });
    this.rules.push(failures);
  }
}

/** CDK spells `detail-type` `detailType` and writes it back as `detail-type` in the template. */
function cdkPattern(pattern: SignalPattern): EventPattern {
  return {
    source: [...pattern.source],
    detailType: [...pattern['detail-type']],
    ...(pattern.detail ? { detail: pattern.detail } : {}),
  };
}
