/**
 * Adding a runbook is adding files, as the README's "Add a runbook" says: its ASL in
 * `statemachines/`, its manifest in `runbooks/`, its handler module. Here those three files live in
 * a fixture folder laid out like the repository (`test/fixtures/extra-runbook/`), and the catalogue
 * reads it beside selfheal's own: the local engine runs the new runbook on its bundled task over
 * dynalite, and the CDK app deploys it with its function, role and grants — and no product file
 * was edited to get there.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { Match } from 'aws-cdk-lib/assertions';
import { VirtualClock } from '../../core/virtual-clock.ts';
import { statesEntered } from '../../engine/history.ts';
import { startRunbookEngine } from '../../local/runbooks.ts';
import { localFunctionTable } from '../../local/functions.ts';
import { CATALOGUE, PRODUCT_ROOT, functionName, readCatalogue } from '../../runbooks/catalogue.ts';
import { synthesize } from '../support/selfheal-stack.ts';
import { createProvisionedTable, useLocalDynamoDb } from '../support/local-dynamodb.ts';

const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/extra-runbook/', import.meta.url));
const catalogue = readCatalogue([PRODUCT_ROOT, FIXTURE_ROOT]);

// A table stays UPDATING for a minute after a change: long enough to find it not ACTIVE, every time.
const dynamodb = useLocalDynamoDb({ updateTableMs: 60_000 });

async function engineOverDynalite() {
  const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
  return startRunbookEngine({
    clock,
    ports: { dynamodb: dynamodb(), now: () => clock.now() },
    dynamodb: dynamodb(),
    seed: 1,
    catalogue,
  });
}

describe('a runbook added from its own files', () => {
  it('joins the catalogue beside every runbook of selfheal, which stays as it was', () => {
    expect(catalogue.runbooks.map((r) => r.name)).toEqual(
      [...CATALOGUE.runbooks.map((r) => r.name), 'table-status'].sort(),
    );
    expect(catalogue.tasks.at(-1)).toMatchObject({
      id: 'judge-table-status',
      substitution: 'JudgeTableStatusFunctionArn',
      entry: 'test/fixtures/extra-runbook/handlers/judge-table-status.ts',
      ports: 'none',
    });
    expect(CATALOGUE.runbooks.map((r) => r.name)).not.toContain('table-status');
  });

  it('runs in the local engine on its bundled task: healed when the table is ACTIVE', async () => {
    await createProvisionedTable(dynamodb(), 'ready');
    const engine = await engineOverDynalite();
    const run = await engine.run('table-status', { tableName: 'ready' });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ outcome: 'healed', tableName: 'ready', status: 'ACTIVE' });
    expect(statesEntered(run.history)).toEqual(['Describe the table', 'Judge the status']);
    // Its own bundle, built beside selfheal's (which the CDK app deploys and it must not change).
    const functions = await localFunctionTable({ dynamodb: dynamodb(), now: () => 0 }, 'bundles', catalogue);
    expect(functions.origin?.(functionName('judge-table-status'))).toMatch(
      /dist\/handlers-\w+\/judge-table-status\/index\.mjs$/,
    );
  });

  it('fails where its ASL says when the task throws its named error through the bundle', async () => {
    await createProvisionedTable(dynamodb(), 'changing');
    await dynamodb().send(
      new UpdateTableCommand({
        TableName: 'changing',
        ProvisionedThroughput: { ReadCapacityUnits: 400, WriteCapacityUnits: 100 },
      }),
    );
    const engine = await engineOverDynalite();
    const run = await engine.run('table-status', { tableName: 'changing' });

    expect(run).toMatchObject({ status: 'FAILED', error: 'TableNotActive' });
    expect(statesEntered(run.history)).toEqual(['Describe the table', 'Judge the status', 'Not active']);
    const failed = run.history.find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails?.error).toBe('TableNotActiveError');
    expect(JSON.parse(failed?.taskFailedEventDetails?.cause ?? '{}')).toMatchObject({
      errorMessage: 'table changing is UPDATING, not ACTIVE',
    });
  });

  it('is deployed by the CDK app: its state machine invokes its function and reads the tables, its function may only log and trace', () => {
    const { template } = synthesize(undefined, catalogue);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: Match.stringLikeRegexp('table-status$'),
      DefinitionSubstitutions: Match.objectLike({ JudgeTableStatusFunctionArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.stringLikeRegexp('judge-table-status$'),
    });
    const policies = Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
      ([, resource]) => resource.Type === 'AWS::IAM::Policy',
    );
    const actionsOf = (prefix: string) =>
      policies
        .filter(([id]) => id.startsWith(prefix))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement.flatMap((s) => s.Action))
        .sort();
    // Its manifest grants nothing: what every function has, its log group and X-Ray.
    expect(actionsOf('judgetablestatus')).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    // Read from its ASL, as for every runbook: the function it invokes, the table it describes.
    expect(actionsOf('Runbookstablestatus')).toEqual(
      expect.arrayContaining(['lambda:InvokeFunction', 'dynamodb:DescribeTable']),
    );
    expect(actionsOf('Runbookstablestatus')).not.toContain('dynamodb:UpdateTable');
  });
});

interface Resource {
  Type: string;
  Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } };
}
