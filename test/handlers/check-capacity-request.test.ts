import { describe, expect, it } from 'vitest';
import { handler } from '../../handlers/check-capacity-request.ts';
import type { CapacityRequest } from '../../domain/capacity/request.ts';
import { DEFAULT_POLICY } from '../support/capacity-request.ts';
import { TABLE, caughtBy, invocationError, invoke, payloadOf, retriedBy } from './support.ts';

const STATE = 'Check the request';

/** The execution input, as the runbook passes it whole ("Payload.$": "$"). */
const check = (executionInput: unknown) =>
  invoke<CapacityRequest>(handler, 'check-capacity-request', payloadOf(STATE, executionInput));

describe('the check-capacity-request handler', () => {
  it('accepts a request naming only the table, and fills every policy default', async () => {
    const request = await check({ tableName: TABLE });

    expect(request).toEqual({
      tableName: TABLE,
      dryRun: false,
      policy: DEFAULT_POLICY,
    });
  });

  it("keeps the caller's policy, dry-run flag and trigger, defaulting only what is left out", async () => {
    const request = await check({
      tableName: TABLE,
      dryRun: true,
      policy: { maxWriteCapacityUnits: 800, allowOnDemand: true, maxHourlyCostIncreaseUsd: 2.5 },
      trigger: { source: 'cloudwatch-alarm', alarmName: 'orders-write-throttling' },
    });

    expect(request).toMatchObject({
      dryRun: true,
      trigger: { source: 'cloudwatch-alarm', alarmName: 'orders-write-throttling' },
      policy: {
        maxWriteCapacityUnits: 800,
        allowOnDemand: true,
        maxHourlyCostIncreaseUsd: 2.5,
        maxReadCapacityUnits: 20_000,
        headroomPercent: 30,
      },
    });
  });

  it('rejects a request without a table name with InvalidRequestError, naming the field', async () => {
    const error = await invocationError(check({ dryRun: true }));

    expect(error.name).toBe('InvalidRequestError');
    expect(error.retryable).toBe(false);
    expect(error.issues).toEqual([expect.stringMatching(/^tableName: /)]);
  });

  it('lists every problem of a request at once', async () => {
    const error = await invocationError(
      check({ tableName: 'orders table', policy: { headroomPercent: -5, maxRounds: 0 } }),
    );

    expect(error.name).toBe('InvalidRequestError');
    expect(error.issues).toEqual([
      'tableName: must contain only a-z, A-Z, 0-9, underscore, dot and dash',
      expect.stringMatching(/^policy\.headroomPercent: /),
      expect.stringMatching(/^policy\.maxRounds: /),
    ]);
  });

  it('rejects an unknown policy setting rather than ignoring it', async () => {
    const error = await invocationError(check({ tableName: TABLE, policy: { maxWriteCapacity: 800 } }));

    expect(error.name).toBe('InvalidRequestError');
    expect(error.message).toContain('maxWriteCapacity');
  });

  it('fails under the name the runbook catches, so an invalid request is rejected, not retried', async () => {
    const error = await invocationError(check({}));

    expect(error.name).toBe('InvalidRequestError');
    expect(retriedBy(STATE)).not.toContain(error.name);
    expect(caughtBy(STATE, error.name)).toBe('Reject the invalid request');
  });
});
