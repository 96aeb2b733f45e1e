import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../runbooks/catalogue.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { lambdaFaultMatrix, serviceFaultsFor, taskStates } from '../support/fault-injection.ts';
import {
  CELL_SHIFT,
  CELL_SHIFT_APPROVAL,
  crashesAfterChange,
  describeFaultMatrix,
  FAULT_SCENARIOS,
  HOT_SHARD,
  KEY_MERGE,
  KEY_RESHUFFLE,
  oneOfEachKind,
  scenarioMatrix,
  SQS_BACKPRESSURE,
} from '../support/fault-scenarios.ts';
import { FINDINGS } from '../support/fault-findings.ts';

/**
 * Faults at every step (issue 17), the fast part: the matrix is generated from every runbook's ASL;
 * dispatch -> hot-shard meets one fault of each kind at each of its Task states, and the other
 * scenarios a crash (or a lost response) after each of their changes. The whole matrix (every fault at every
 * state of every scenario) runs in `npm run test:long` (test/long/fault-matrix.test.ts).
 */
const dynamodb = useLocalDynamoDb();

describe('the fault matrix, read from the ASL', () => {
  it('lists every Task state of every runbook of the catalogue, and the function each Lambda task invokes', () => {
    const states = taskStates();
    expect(new Set(states.map((s) => s.runbook))).toEqual(new Set(CATALOGUE.runbooks.map((r) => r.name)));
    for (const s of states.filter((t) => t.resource.startsWith('arn:aws:states:::lambda:invoke'))) {
      expect(s.task, `${s.runbook}: ${s.state} invokes no task of the catalogue`).toBeDefined();
    }
    expect(states.find((s) => s.state === 'Apply the capacity change')?.task?.id).toBe('apply-capacity-plan');
  });

  it('gives every Lambda task the faults its manifest says it can meet', () => {
    const faultsOf = (state: string) =>
      lambdaFaultMatrix(['dispatch', 'hot-shard'])
        .filter((c) => c.state === state)
        .map((c) => c.fault.id);
    // Calls no AWS API: only Lambda's own faults.
    expect(faultsOf('Plan the capacity change')).toEqual([
      'lambda-throttled',
      'lambda-5xx',
      'function-timeout',
    ]);
    // Reads AWS: AWS's errors too.
    expect(faultsOf('Diagnose the table')).toContain('aws-throttled-always');
    expect(faultsOf('Diagnose the table')).not.toContain('crash-after-change');
    // Changes AWS: a crash after the change too.
    expect(faultsOf('Apply the capacity change')).toEqual(
      expect.arrayContaining(['aws-5xx', 'crash-after-change', 'response-lost-after-change']),
    );
  });

  it('gives every other Task state the errors Step Functions reports for its integration', () => {
    const errors = (resource: string) => serviceFaultsFor(resource).map((f) => `${f.id} ${f.error}`);
    expect(errors('arn:aws:states:::dynamodb:putItem')).toEqual([
      'service-throttled DynamoDB.ProvisionedThroughputExceededException',
      'service-5xx DynamoDB.InternalServerErrorException',
      'service-refused DynamoDB.AccessDeniedException',
      'response-lost-after-write DynamoDB.InternalServerErrorException',
    ]);
    // A read takes no effect to lose.
    expect(errors('arn:aws:states:::dynamodb:getItem')).not.toContain(
      'response-lost-after-write DynamoDB.InternalServerErrorException',
    );
    expect(errors('arn:aws:states:::aws-sdk:dynamodb:describeTable')).toContain(
      'service-throttled DynamoDb.ThrottlingException',
    );
    expect(errors('arn:aws:states:::sns:publish.waitForTaskToken')).toContain(
      'service-throttled SNS.ThrottledException',
    );
    expect(errors('arn:aws:states:::states:startExecution.sync:2')).toContain(
      'service-throttled StepFunctions.ExecutionLimitExceeded',
    );
    // Every Task state of every runbook meets some fault.
    for (const s of taskStates().filter((t) => !t.task)) {
      expect(serviceFaultsFor(s.resource), `${s.runbook}: ${s.state} (${s.resource})`).not.toEqual([]);
    }
  });

  it('injects into every Task state of every runbook in some scenario, or says why none reaches it', () => {
    const covered = new Set(
      FAULT_SCENARIOS.flatMap((s) => scenarioMatrix(s).map((c) => `${c.runbook}: ${c.state}`)),
    );
    const untested = taskStates()
      .map((s) => ({ name: `${s.runbook}: ${s.state}`, s }))
      .filter(({ name }) => !covered.has(name))
      .map(({ name, s }) => ({
        name,
        why: FAULT_SCENARIOS.filter((scenario) => scenario.runbooks.includes(s.runbook)).map(
          (scenario) => scenario.unreached[s.state],
        ),
      }));
    // Each state no scenario reaches has a reason in every scenario that runs its runbook.
    for (const { name, why } of untested) {
      expect(why.length, name).toBeGreaterThan(0);
      for (const reason of why) expect(reason, name).toBeTruthy();
    }
    expect(covered.size + untested.length).toBe(taskStates().length);
  });
});

describeFaultMatrix(HOT_SHARD, dynamodb, { subset: oneOfEachKind, findings: FINDINGS });
for (const scenario of [SQS_BACKPRESSURE, CELL_SHIFT, CELL_SHIFT_APPROVAL, KEY_RESHUFFLE, KEY_MERGE]) {
  describeFaultMatrix(scenario, dynamodb, { subset: crashesAfterChange, findings: FINDINGS });
}
