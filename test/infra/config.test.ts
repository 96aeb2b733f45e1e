/** The deployment's config file: what it accepts, and how it says what is wrong with a bad one. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../infra/config/load.ts';
import { alarmsOf, queueArnOf, routingOf } from '../../infra/config/derived.ts';
import { EXAMPLE_CONFIG_FILE } from '../support/selfheal-stack.ts';

const MAPPING = {
  uuid: '6f1c2b7e-3d4a-4e5f-9a8b-1c2d3e4f5a6b',
  functionName: 'payments-consumer',
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/payments',
  health: {
    namespace: 'Payments',
    counts: { errors: 'Errors', requests: 'Requests' },
    dimensions: { Service: 'payments-api' },
    thresholdPercent: 5,
  },
};
const IN_REGION = { environment: { region: 'eu-west-1' } };
const cell = (n: number) => ({
  name: `cell-${n}`,
  routingControlArn: `arn:aws:route53-recovery-control::123456789012:controlpanel/p/routingcontrol/c${n}`,
  capacityRps: 100,
});

/** The problems a bad config is refused with. */
function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw, 'bad.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('a valid config', () => {
  it('is the example at the repository root', () => {
    const config = loadConfig(EXAMPLE_CONFIG_FILE);
    expect(config.deployment).toBe('selfheal');
    // The game day's resources (`selfheal simulate` rehearses this deployment), and sessions.
    expect(config.tables.map((t) => t.name)).toEqual(['orders', 'events', 'sessions']);
    expect(config.mappings.map((m) => m.uuid)).toEqual(['6c1d8a4e-3b2f-4e7a-9c51-0d2e7f4a8b13']);
    expect(Object.keys(config.fleets)).toEqual(['checkout']);
  });

  it('may be empty: dispatch and the runbooks, protecting nothing yet', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      deployment: 'selfheal',
      tables: [],
      mappings: [],
      fleets: {},
      logRetentionDays: 90,
    });
    expect(alarmsOf(config)).toEqual([]);
  });

  it('fills the runbooks’ defaults into fleets, as the runbook would', () => {
    const config = parseConfig({
      fleets: { web: { cells: [cell(1), cell(2), cell(3)] } },
      arcCluster: { endpoints: [{ Endpoint: 'https://a.example.com/v1', Region: 'us-east-1' }] },
    });
    expect(config.fleets.web).toMatchObject({
      tracedShare: 1,
      approval: { required: true },
      safety: { maxShareOffPercent: 34, minCellsOn: 2, headroomPercent: 20 },
      detector: { xrayGroup: 'Default', everyMinutes: 1, windowMinutes: 5 },
    });
  });
});

describe('a bad config fails with the field at fault', () => {
  it.each([
    [
      'a table name DynamoDB refuses',
      { tables: [{ name: 'x' }] },
      'tables.0.name: a DynamoDB table name is 3-255',
    ],
    [
      'a table listed twice',
      { tables: [{ name: 'orders' }, { name: 'orders' }] },
      'tables: table "orders" is listed twice',
    ],
    [
      'a mapping id that is no UUID',
      { ...IN_REGION, mappings: [{ ...MAPPING, uuid: 'abc' }] },
      'mappings.0.uuid: must be an event-source mapping UUID',
    ],
    [
      'a queue URL that is no SQS URL',
      { ...IN_REGION, mappings: [{ ...MAPPING, queueUrl: 'https://example.com/q' }] },
      'mappings.0.queueUrl: must be an SQS queue URL',
    ],
    [
      'a downstream with no counts to alarm on',
      { ...IN_REGION, mappings: [{ ...MAPPING, health: { ...MAPPING.health, counts: undefined } }] },
      'mappings.0.health: the downstream-health alarm computes the error rate from counts',
    ],
    [
      'a probing policy that outlasts dispatch’s wait',
      { ...IN_REGION, mappings: [{ ...MAPPING, policy: { maxProbes: 100 } }] },
      'mappings.0.policy: maxProbes x (probeSeconds + settleSeconds)',
    ],
    [
      'a table policy the hot-shard runbook would refuse',
      { tables: [{ name: 'orders', policy: { maxRounds: 0 } }] },
      'tables.0.policy.maxRounds: ',
    ],
    [
      'a table policy field the hot-shard runbook does not know',
      { tables: [{ name: 'orders', policy: { maxWriteCapacity: 10 } }] },
      'tables.0.policy: Unrecognized key: "maxWriteCapacity"',
    ],
    [
      'fleets with no ARC cluster',
      { fleets: { web: { cells: [cell(1), cell(2), cell(3)] } } },
      'arcCluster: fleets shift traffic through Route 53 ARC',
    ],
    [
      'a fleet of two cells',
      { fleets: { web: { cells: [cell(1), cell(2)] } } },
      'fleets.web.cells: a fleet needs at least 3 cells',
    ],
    [
      'a cell in two fleets',
      { fleets: { a: { cells: [cell(1), cell(2), cell(3)] }, b: { cells: [cell(1), cell(4), cell(5)] } } },
      'fleets: cell "cell-1" is in more than one fleet',
    ],
    ['an unknown field', { tabels: [] }, 'Unrecognized key: "tabels"'],
    [
      'mappings with no region for the deployment',
      { mappings: [MAPPING] },
      "environment.region: mappings live in one region: give it (mappings.0's queue is in eu-west-1)",
    ],
    [
      'a queue in another region than the deployment',
      { environment: { region: 'us-east-1' }, mappings: [MAPPING] },
      'mappings.0.queueUrl: the queue is in eu-west-1, the deployment in us-east-1',
    ],
    [
      'a queue in another account than the deployment',
      { environment: { region: 'eu-west-1', account: '210987654321' }, mappings: [MAPPING] },
      'mappings.0.queueUrl: the queue is in account 123456789012, the deployment in 210987654321',
    ],
    [
      'a fleet name its detector function could not carry',
      { fleets: { 'eu.checkout': { cells: [cell(1), cell(2), cell(3)] } } },
      'fleets.eu.checkout: a fleet name is 1-24 letters',
    ],
    [
      'a retention CloudWatch Logs does not offer',
      { logRetentionDays: 10 },
      'logRetentionDays: CloudWatch Logs keeps logs',
    ],
    [
      'a deployment name too long for function names',
      { deployment: 'a-very-long-deployment-name' },
      'deployment: a deployment name is 1-20',
    ],
    [
      'an account id that is not 12 digits',
      { environment: { account: '1234' } },
      'environment.account: an AWS account id is 12 digits',
    ],
  ])('%s', (_, raw, problem) => {
    expect(problemsOf(raw).join('\n')).toContain(problem);
  });

  it('names the file, and every problem on a line of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-config-'));
    const file = join(dir, 'selfheal.config.json');
    writeFileSync(file, JSON.stringify({ tables: [{ name: 'x' }], logRetentionDays: 10 }));
    expect(() => loadConfig(file)).toThrow(
      new RegExp(
        `^${file} is not a valid selfheal config:\\n  - logRetentionDays: .*\\n  - tables\\.0\\.name: `,
      ),
    );
  });

  it('says so when the file is not JSON, or missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-config-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "tables": [');
    expect(() => loadConfig(file)).toThrow(/broken\.json is not a valid selfheal config:\n {2}- is not JSON/);
    expect(() => loadConfig(join(dir, 'absent.json'))).toThrow(
      /absent\.json is not a valid selfheal config:\n {2}- cannot be read/,
    );
  });
});

describe('what the config implies', () => {
  it('routes each mapping’s alarm to it by name, before the broader metric routes', () => {
    const config = parseConfig({ ...IN_REGION, mappings: [MAPPING] });
    const routing = routingOf(config);
    expect(routing.alarms[0]).toEqual({
      name: 'downstream-of-6f1c2b7e-3d4a-4e5f-9a8b-1c2d3e4f5a6b',
      kind: 'queue-backpressure',
      match: { alarmName: 'selfheal-6f1c2b7e-payments-api-error-rate' },
      resource: { type: 'event-source-mapping', name: MAPPING.uuid },
    });
    expect(routing.mappings?.[MAPPING.uuid]).toMatchObject({
      queueUrl: MAPPING.queueUrl,
      health: { thresholdPercent: 5 },
    });
  });

  it('adds a latency alarm, routed the same way, when the mapping gives a p99 threshold', () => {
    const config = parseConfig({ ...IN_REGION, mappings: [{ ...MAPPING, latencyP99ThresholdMs: 800 }] });
    expect(alarmsOf(config).map((a) => a.AlarmName)).toEqual([
      'selfheal-6f1c2b7e-payments-api-error-rate',
      'selfheal-6f1c2b7e-payments-api-latency-p99',
    ]);
    expect(routingOf(config).alarms.filter((a) => a.kind === 'queue-backpressure')).toHaveLength(2);
  });

  it('carries each table’s policy to the routing, for dispatch to hand the hot-shard runbook', () => {
    const config = parseConfig({
      tables: [{ name: 'orders', policy: { maxWriteCapacityUnits: 4000 } }, { name: 'sessions' }],
    });
    const tables = routingOf(config).tables;
    expect(tables?.orders?.policy).toMatchObject({ maxWriteCapacityUnits: 4000, maxRounds: 3 });
    expect(tables?.sessions).toEqual({});
  });

  it('treats the fleets’ X-Ray groups as grey-failure insights', () => {
    const config = parseConfig({
      fleets: { web: { cells: [cell(1), cell(2), cell(3)], detector: { xrayGroup: 'web' } } },
      arcCluster: { endpoints: [{ Endpoint: 'https://a.example.com/v1', Region: 'us-east-1' }] },
    });
    expect(routingOf(config).insightGroups).toEqual({ web: 'cell-grey-failure' });
  });

  it('reads a queue’s ARN from its URL', () => {
    expect(queueArnOf('https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo')).toBe(
      'arn:aws:sqs:eu-west-1:123456789012:orders.fifo',
    );
  });
});
