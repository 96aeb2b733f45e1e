/**
 * The topic runbooks tell operators on (approvals, hand-overs, outcomes) and failed executions are
 * reported to. Encrypted with a key of its own, since EventBridge and CloudWatch cannot publish to
 * a topic under the AWS-managed SNS key, and it accepts only TLS.
 */
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeploymentNames } from '../../domain/deployment/names.ts';

export class Notifications extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { names: DeploymentNames; emails: readonly string[] }) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `${props.names.deployment}: encrypts the notification topic`,
      enableKeyRotation: true,
    });
    // EventBridge delivers failed-execution events to the topic, and CloudWatch the dead-letter
    // queue's alarm: both must be able to use its key.
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      this.key.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.topic = new Topic(this, 'Topic', {
      topicName: props.names.notificationTopic,
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
  }
}
