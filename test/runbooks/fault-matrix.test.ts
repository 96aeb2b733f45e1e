import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../runbooks/catalogue.ts';
import { useLocalDynamoDb } from '../support/local-dynamodb.ts';
import { lambdaFaultMatrix, taskStates } from '../support/fault-injection.ts';
import {
  CELL_SHIFT,
  crashesAfterChange,
  describeFaultMatrix,
  HOT_SHARD,
  KEY_RESHUFFLE,
  oneOfEachKind,
  SQS_BACKPRESSURE,
} from '../support/fault-scenarios.ts';
import { FINDINGS } from '../support/fault-findings.ts';

/**
 * Faults at every step (issue 17), the fast part: the matrix is generated from every runbook's ASL;
 * dispatch -> hot-shard meets one fault of each kind at each of its Lambda Task states, and the
 * other scenarios a crash after each of their changes. The whole matrix (every fault at every
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
});

describeFaultMatrix(HOT_SHARD, dynamodb, { subset: oneOfEachKind, findings: FINDINGS });
for (const scenario of [SQS_BACKPRESSURE, CELL_SHIFT, KEY_RESHUFFLE]) {
  describeFaultMatrix(scenario, dynamodb, { subset: crashesAfterChange, findings: FINDINGS });
}
