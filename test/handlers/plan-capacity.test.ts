import { describe, expect, it } from 'vitest';
import { handler } from '../../handlers/plan-capacity.ts';
import { handler as checkRequest } from '../../handlers/check-capacity-request.ts';
import { makeHandler as makeDiagnose } from '../../handlers/diagnose-table.ts';
import type { CapacityPlan } from '../../domain/capacity/plan.ts';
import type { CapacityRequest } from '../../domain/capacity/request.ts';
import type { TableDiagnosis } from '../../domain/capacity/diagnose.ts';
import type { SteadyDemand } from '../../world/dynamodb/steady-demand.ts';
import { TABLE, capacityPorts, invocationError, invoke, payloadOf, useLocalTables } from './support.ts';

const STATE = 'Plan the capacity change';

const tables = useLocalTables();

interface PlanStateInput {
  request: CapacityRequest;
  diagnosed: { diagnosis: TableDiagnosis };
}

/**
 * The state's input as the runbook builds it: the request checked by its handler, and the
 * diagnosis of a real table (300 RCU, 100 WCU) under the given demand by the diagnose handler.
 */
async function stateInput(
  demand: SteadyDemand,
  policy: Record<string, unknown> = {},
): Promise<PlanStateInput> {
  await tables.create({ read: 300, write: 100 });
  const request = await invoke(checkRequest, 'check-capacity-request', { tableName: TABLE, policy });
  const diagnosis = await invoke(
    makeDiagnose(capacityPorts(tables, demand)),
    'diagnose-table',
    payloadOf('Diagnose the table', { request, round: 1, actions: [] }),
  );
  return { request, diagnosed: { diagnosis } };
}

const plan = (input: unknown) => invoke<CapacityPlan>(handler, 'plan-capacity', payloadOf(STATE, input));

describe('the plan-capacity handler', () => {
  it('raises write capacity to the demand plus the default 30 % headroom, with its cost', async () => {
    const input = await stateInput({ read: 100, write: 500 });

    const result = await plan(input);

    expect(result).toMatchObject({
      kind: 'raise-capacity',
      tableName: TABLE,
      changes: [{ dimension: 'write', from: 100, to: 650, via: 'update-table' }],
      capped: false,
      hourlyCostIncreaseUsd: 0.3575, // 550 WCU x $0.00065
    });
    expect(result.reasons).toContain('write: 100 -> 650 units');
  });

  it('plans no change for a table whose capacity covers its demand', async () => {
    const result = await plan(await stateInput({ read: 100, write: 50 }));

    expect(result).toMatchObject({ kind: 'no-change', tableName: TABLE });
    expect(result.reasons.at(-1)).toBe('no throttling in the lookback window');
  });

  it('switches to on-demand when the cap is not enough and the policy allows it', async () => {
    const input = await stateInput(
      { read: 100, write: 500 },
      { maxWriteCapacityUnits: 400, allowOnDemand: true },
    );

    expect(await plan(input)).toMatchObject({
      kind: 'switch-to-on-demand',
      tableName: TABLE,
      from: { read: 300, write: 100 },
    });
  });

  it("refuses a change that costs more an hour than the policy's limit", async () => {
    const input = await stateInput({ read: 100, write: 500 }, { maxHourlyCostIncreaseUsd: 0.1 });

    expect(await plan(input)).toMatchObject({ kind: 'over-budget', hourlyCostIncreaseUsd: 0.3575 });
  });

  describe('given an input the runbook does not accept', () => {
    const broken: [string, (input: PlanStateInput) => unknown][] = [
      ['no diagnosis', ({ request }) => ({ request, diagnosed: { diagnosis: null } })],
      [
        'a cause it does not know',
        (input) => ({
          ...input,
          diagnosed: { diagnosis: { ...input.diagnosed.diagnosis, cause: 'gremlins' } },
        }),
      ],
      [
        'a negative provisioned capacity',
        (input) => {
          const { diagnosis } = input.diagnosed;
          const load = { ...diagnosis.load, write: { ...diagnosis.load.write, provisioned: -1 } };
          return { ...input, diagnosed: { diagnosis: { ...diagnosis, load } } };
        },
      ],
      [
        'a headroom above 200 %',
        (input) => ({
          ...input,
          request: { ...input.request, policy: { ...input.request.policy, headroomPercent: 500 } },
        }),
      ],
    ];

    it.each(broken)('fails with InvalidRequestError on %s', async (_what, breakInput) => {
      const input = breakInput(await stateInput({ read: 100, write: 500 }));

      const error = await invocationError(plan(input));

      expect(error).toMatchObject({ name: 'InvalidRequestError', retryable: false });
      expect(error.message).toMatch(/^The plan-capacity input is invalid: /);
    });
  });
});
