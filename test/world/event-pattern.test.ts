/**
 * The event-pattern matcher against EventBridge's documented semantics ("Event pattern syntax",
 * "Matching on multiple field values", "Content filtering: prefix matching"), then against
 * selfheal's own rules and the events the game day's world emits.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  matchesEventPattern,
  UnsupportedEventPatternError,
  type EventPattern,
} from '../../world/event-pattern.ts';
import { signalRulesOf } from '../../infra/config/signal-patterns.ts';
import { loadConfig, parseConfig } from '../../infra/config/load.ts';
import { EXAMPLE_CONFIG_FILE } from '../../simulations/deployment.ts';

const exampleConfig = () => loadConfig(EXAMPLE_CONFIG_FILE);
const configWith = (raw: Record<string, unknown>) => parseConfig(raw);

const EC2_EVENT = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated', count: 5, spot: false, tag: null },
};

describe('matching an event pattern, as EventBridge documents it', () => {
  it('matches on the fields the pattern names, at the same nesting, and ignores the others', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    expect(matchesEventPattern(pattern, EC2_EVENT)).toBe(true);
    expect(matchesEventPattern({ source: ['aws.ec2'] }, EC2_EVENT)).toBe(true);
  });

  it('needs every field the pattern names: a missing one, or one at another nesting, does not match', () => {
    expect(matchesEventPattern({ detail: { status: ['terminated'] } }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ state: ['terminated'] }, EC2_EVENT)).toBe(false);
    // A leaf where the pattern expects an object, and an object where it expects a leaf.
    expect(matchesEventPattern({ source: { name: ['aws.ec2'] } }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ detail: ['terminated'] }, EC2_EVENT)).toBe(false);
  });

  it('ORs the values of a field and ANDs the fields', () => {
    expect(matchesEventPattern({ source: ['aws.ec2', 'aws.fargate'] }, EC2_EVENT)).toBe(true);
    expect(matchesEventPattern({ source: ['aws.fargate', 'aws.ecs'] }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ source: ['aws.ec2'], detail: { state: ['running'] } }, EC2_EVENT)).toBe(
      false,
    );
  });

  it('matches exactly, case-sensitively, strings, numbers, booleans and null', () => {
    expect(matchesEventPattern({ source: ['AWS.EC2'] }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ source: ['aws.ec'] }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ detail: { count: [5] } }, EC2_EVENT)).toBe(true);
    expect(matchesEventPattern({ detail: { count: ['5'] } }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ detail: { spot: [false] } }, EC2_EVENT)).toBe(true);
    expect(matchesEventPattern({ detail: { tag: [null] } }, EC2_EVENT)).toBe(true);
  });

  it('matches an array in the event when any of its elements matches', () => {
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      ],
    };
    expect(matchesEventPattern(pattern, event)).toBe(true);
    expect(matchesEventPattern({ resources: ['arn:aws:ec2:us-east-1:444455556666:instance/x'] }, event)).toBe(
      false,
    );
  });

  it('matches a prefix on string values only', () => {
    expect(matchesEventPattern({ time: [{ prefix: '2017-12-22' }] }, EC2_EVENT)).toBe(true);
    expect(matchesEventPattern({ time: [{ prefix: '2017-12-23' }] }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ detail: { count: [{ prefix: '5' }] } }, EC2_EVENT)).toBe(false);
    expect(matchesEventPattern({ source: ['aws.s3', { prefix: 'aws.' }] }, EC2_EVENT)).toBe(true);
  });

  it('refuses what it was not taught rather than guess: other filters, empty arrays', () => {
    const anythingBut = { detail: { state: [{ 'anything-but': 'running' }] } } as unknown as EventPattern;
    expect(() => matchesEventPattern(anythingBut, EC2_EVENT)).toThrow(UnsupportedEventPatternError);
    expect(() => matchesEventPattern(anythingBut, EC2_EVENT)).toThrow(/detail\.state: unsupported filter/);
    expect(() => matchesEventPattern({ source: [] }, EC2_EVENT)).toThrow(/an empty array matches nothing/);
  });

  it('does not take a field from Object.prototype for the event’s', () => {
    expect(matchesEventPattern({ detail: { constructor: [{ prefix: 'f' }] } }, EC2_EVENT)).toBe(false);
  });
});

describe('selfheal’s rules against the events they are for', () => {
  const ALARM = JSON.parse(
    readFileSync(new URL('../../contracts/examples/cloudwatch-alarm-metric.json', import.meta.url), 'utf8'),
  ) as { detail: { alarmName: string; state: { value: string } } };
  const alarm = (name: string, state = 'ALARM') => ({
    ...ALARM,
    detail: { ...ALARM.detail, alarmName: name, state: { ...ALARM.detail.state, value: state } },
  });
  const matched = (config: ReturnType<typeof exampleConfig>, event: unknown) =>
    signalRulesOf(config)
      .filter((rule) => matchesEventPattern(rule.pattern, event))
      .map((rule) => rule.name);

  it('sends the deployment’s alarms going to ALARM, and only those, to the alarms rule', () => {
    const config = exampleConfig();
    expect(matched(config, alarm('selfheal-orders-capacity-throttling'))).toEqual(['selfheal-alarms']);
    expect(matched(config, alarm('selfheal-orders-capacity-throttling', 'OK'))).toEqual([]);
    // Another deployment's alarm on the same table is not this deployment's signal.
    expect(matched(config, alarm('staging-orders-capacity-throttling'))).toEqual([]);
    expect(
      matched(configWith({ deployment: 'staging', tables: [{ name: 'orders' }] }), alarm('selfheal-x')),
    ).toEqual([]);
  });

  it('sends the detector’s incidents to the grey-cells rule, when the deployment has fleets', () => {
    const incident = {
      version: '0',
      id: '1',
      'detail-type': 'Cell Grey Failure Detected',
      source: 'selfheal.detectors',
      detail: { id: 'x' },
    };
    expect(matched(exampleConfig(), incident)).toEqual(['selfheal-grey-cells']);
    expect(matched(configWith({}), incident)).toEqual([]);
  });
});
