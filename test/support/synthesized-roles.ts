/**
 * The roles the CDK app synthesizes, as IAM will hold them once CloudFormation has made the stack:
 * each Lambda function's and state machine's identity policies with every intrinsic (Ref,
 * Fn::GetAtt, Fn::Join, Fn::Sub) resolved to the real name or ARN of the resource it points at, in
 * the stack's account and region. The least-privilege check evaluates requests against them.
 */
import type { JsonObject, JsonValue } from '../../core/json.ts';

interface CfnResource {
  Type: string;
  Properties?: Record<string, JsonValue>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

/** A policy statement as IAM reads it: every value plain. */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  Sid?: string;
}
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** One role: whose it is, and its identity policies by name. */
export interface SynthesizedRole {
  roleId: string;
  arn: string;
  policies: { name: string; policy: PolicyDocument }[];
}

export interface StackEnvironment {
  account: string;
  region: string;
}

const text = (value: JsonValue | undefined, what: string): string => {
  if (typeof value !== 'string') throw new Error(`${what}: not a string: ${JSON.stringify(value)}`);
  return value;
};

/** The roles and the resources that run under them, read from a synthesized template. */
export class SynthesizedRoles {
  private readonly resources: Record<string, CfnResource>;
  private readonly env: StackEnvironment;

  constructor(template: CfnTemplate, env: StackEnvironment) {
    this.resources = template.Resources;
    this.env = env;
  }

  /** Every intrinsic in `value` resolved to what CloudFormation would make of it. */
  resolve(value: JsonValue): JsonValue {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = value[key] as JsonValue;
      if (key === 'Ref') return this.ref(text(argument, 'Ref'));
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = argument as [string, string];
        return this.getAtt(id, attribute);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = argument as [string, JsonValue[]];
        return parts.map((part) => text(this.resolve(part), 'Fn::Join part')).join(separator);
      }
      if (key === 'Fn::Sub') return this.sub(argument);
      if (key.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${key}`);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The role a Lambda function runs under, by its function name. */
  functionRole(functionName: string): SynthesizedRole {
    const entry = Object.entries(this.resources).find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === functionName,
    );
    if (!entry) throw new Error(`no function ${functionName} in the template`);
    return this.roleOf(entry[1].Properties?.Role, `function ${functionName}`);
  }

  /** The role a state machine runs under, by its name. */
  stateMachineRole(stateMachineName: string): SynthesizedRole {
    const entry = this.stateMachine(stateMachineName);
    return this.roleOf(entry.Properties?.RoleArn, `state machine ${stateMachineName}`);
  }

  /** A state machine's definition with its substitutions made, as Step Functions runs it. */
  stateMachineDefinition(stateMachineName: string): JsonObject {
    const properties = this.stateMachine(stateMachineName).Properties ?? {};
    const substitutions = this.resolve(properties.DefinitionSubstitutions ?? {}) as Record<string, string>;
    const body = text(this.resolve(properties.DefinitionString ?? null), 'DefinitionString');
    const made = body.replace(/\$\{(\w+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
    return JSON.parse(made) as JsonObject;
  }

  /** The KMS key that encrypts each topic, by topic ARN. */
  topicKeys(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.resources)
        .filter(([, r]) => r.Type === 'AWS::SNS::Topic' && r.Properties?.KmsMasterKeyId !== undefined)
        .map(([id, r]) => [
          this.ref(id),
          text(this.resolve(r.Properties?.KmsMasterKeyId ?? null), 'KmsMasterKeyId'),
        ]),
    );
  }

  /** The resource policies of the stack's keys and topics, by the resource's ARN. */
  resourcePolicies(): Record<string, PolicyDocument> {
    const policies: Record<string, PolicyDocument> = {};
    for (const [id, r] of Object.entries(this.resources)) {
      if (r.Type === 'AWS::KMS::Key' && r.Properties?.KeyPolicy) {
        policies[this.getAtt(id, 'Arn')] = this.resolve(r.Properties.KeyPolicy) as unknown as PolicyDocument;
      }
      if (r.Type === 'AWS::SNS::TopicPolicy' && r.Properties?.PolicyDocument) {
        const document = this.resolve(r.Properties.PolicyDocument) as unknown as PolicyDocument;
        for (const topic of (this.resolve(r.Properties.Topics ?? []) as string[]) ?? [])
          policies[topic] = document;
      }
    }
    return policies;
  }

  /** Every function name in the template. */
  functionNames(): string[] {
    return Object.values(this.resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => text(r.Properties?.FunctionName, 'FunctionName'));
  }

  private stateMachine(name: string): CfnResource {
    const entry = Object.values(this.resources).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Properties?.StateMachineName === name,
    );
    if (!entry) throw new Error(`no state machine ${name} in the template`);
    return entry;
  }

  private roleOf(roleArn: JsonValue | undefined, what: string): SynthesizedRole {
    const getAtt = (roleArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (!getAtt) throw new Error(`${what}: its role is not a role of the stack`);
    const roleId = getAtt[0];
    const policies = Object.entries(this.resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .filter(([, r]) => {
        const roles = (r.Properties?.Roles ?? []) as { Ref?: string }[];
        return roles.some((role) => role.Ref === roleId);
      })
      .map(([id, r]) => ({
        name: id,
        policy: this.resolve(r.Properties?.PolicyDocument ?? null) as unknown as PolicyDocument,
      }));
    return { roleId, arn: this.getAtt(roleId, 'Arn'), policies };
  }

  private arn(service: string, resource: string, region: string = this.env.region): string {
    return `arn:aws:${service}:${region}:${this.env.account}:${resource}`;
  }

  private resource(id: string): CfnResource {
    const resource = this.resources[id];
    if (!resource) throw new Error(`no resource ${id} in the template`);
    return resource;
  }

  private nameOf(id: string, property: string): string {
    return text(this.resolve(this.resource(id).Properties?.[property] ?? id), `${id}.${property}`);
  }

  private ref(id: string): string {
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::Region') return this.env.region;
    if (id === 'AWS::AccountId') return this.env.account;
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    const { Type } = this.resource(id);
    switch (Type) {
      case 'AWS::DynamoDB::Table':
        return this.nameOf(id, 'TableName');
      case 'AWS::Lambda::Function':
        return this.nameOf(id, 'FunctionName');
      case 'AWS::SNS::Topic':
        return this.arn('sns', this.nameOf(id, 'TopicName'));
      case 'AWS::StepFunctions::StateMachine':
        return this.arn('states', `stateMachine:${this.nameOf(id, 'StateMachineName')}`);
      case 'AWS::IAM::Role':
        return this.nameOf(id, 'RoleName');
      case 'AWS::Logs::LogGroup':
        return this.nameOf(id, 'LogGroupName');
      case 'AWS::KMS::Key':
        return this.keyId(id);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.env.region}.amazonaws.com/${this.env.account}/${this.nameOf(id, 'QueueName')}`;
      default:
        throw new Error(`Ref of a ${Type} (${id}) is not resolved here`);
    }
  }

  private getAtt(id: string, attribute: string): string {
    const { Type } = this.resource(id);
    const key = `${Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return this.arn('dynamodb', `table/${this.ref(id)}`);
      case 'AWS::Lambda::Function.Arn':
        return this.arn('lambda', `function:${this.ref(id)}`);
      case 'AWS::Logs::LogGroup.Arn':
        return this.arn('logs', `log-group:${this.ref(id)}:*`);
      case 'AWS::KMS::Key.Arn':
        return this.arn('kms', `key/${this.keyId(id)}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${this.env.account}:role/${this.ref(id)}`;
      case 'AWS::SQS::Queue.Arn':
        return this.arn('sqs', this.nameOf(id, 'QueueName'));
      case 'AWS::SNS::Topic.TopicArn':
        return this.ref(id);
      case 'AWS::StepFunctions::StateMachine.Arn':
        return this.ref(id);
      default:
        throw new Error(`Fn::GetAtt ${attribute} of a ${Type} (${id}) is not resolved here`);
    }
  }

  /** A key's id is a UUID KMS assigns: one made from the logical id stands in for it. */
  private keyId(id: string): string {
    const hex = Buffer.from(id).toString('hex').padEnd(32, '0').slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  private sub(argument: JsonValue): string {
    const [template, variables] = Array.isArray(argument)
      ? (argument as [string, Record<string, JsonValue>])
      : [text(argument, 'Fn::Sub'), {}];
    return template.replace(/\$\{([\w:.]+)\}/g, (_, name: string) => {
      if (name in variables) return text(this.resolve(variables[name] ?? null), name);
      const [id, attribute] = name.split('.');
      return attribute ? this.getAtt(id ?? '', attribute) : this.ref(name);
    });
  }
}
