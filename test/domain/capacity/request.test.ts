import { describe, expect, it } from 'vitest';
import { parseCapacityRequest } from '../../../domain/capacity/request.ts';
import { InvalidRequestError } from '../../../domain/errors.ts';
import { DEFAULT_POLICY } from '../../support/capacity-request.ts';

/** The issues parseCapacityRequest reports for an input, or [] when it accepts it. */
function issuesOf(input: unknown): string[] {
  try {
    parseCapacityRequest(input);
    return [];
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.issues;
    throw error;
  }
}

const withPolicy = (policy: Record<string, unknown>) => ({ tableName: 'orders', policy });

describe('parseCapacityRequest', () => {
  describe('defaults', () => {
    it('fills every default when the request names only the table', () => {
      expect(parseCapacityRequest({ tableName: 'orders' })).toEqual({
        tableName: 'orders',
        dryRun: false,
        policy: DEFAULT_POLICY,
      });
    });

    it('sets no cost limit unless one is given', () => {
      expect(parseCapacityRequest({ tableName: 'orders' }).policy).not.toHaveProperty(
        'maxHourlyCostIncreaseUsd',
      );
    });

    it('fills the policy fields a partial policy leaves out, keeping the ones it gives', () => {
      const request = parseCapacityRequest(withPolicy({ maxWriteCapacityUnits: 1000, allowOnDemand: true }));

      expect(request.policy).toEqual({ ...DEFAULT_POLICY, maxWriteCapacityUnits: 1000, allowOnDemand: true });
    });

    it('keeps dryRun, the cost limit and the trigger as given', () => {
      const given = {
        dryRun: true,
        policy: { maxHourlyCostIncreaseUsd: 2.5 },
        trigger: {
          source: 'aws.cloudwatch',
          alarmName: 'orders-write-throttles',
          reason: 'Threshold Crossed',
        },
      };

      expect(parseCapacityRequest({ tableName: 'orders', ...given })).toMatchObject(given);
    });

    it('does not share one default policy object between requests', () => {
      const first = parseCapacityRequest({ tableName: 'orders' });
      first.policy.maxRounds = 9;

      expect(parseCapacityRequest({ tableName: 'orders' }).policy.maxRounds).toBe(3);
    });
  });

  describe('strictness', () => {
    it('rejects an unknown key in the request', () => {
      expect(issuesOf({ tableName: 'orders', tablename: 'orders' })).toEqual([
        '(input): Unrecognized key: "tablename"',
      ]);
    });

    it('rejects an unknown key in the policy', () => {
      expect(issuesOf(withPolicy({ maxCapacityUnits: 5 }))).toEqual([
        'policy: Unrecognized key: "maxCapacityUnits"',
      ]);
    });

    it('rejects an unknown key in the trigger', () => {
      expect(issuesOf({ tableName: 'orders', trigger: { source: 'operator', alarmname: 'x' } })).toEqual([
        'trigger: Unrecognized key: "alarmname"',
      ]);
    });

    it('rejects a request without a table name', () => {
      expect(issuesOf({})).toEqual(['tableName: Invalid input: expected string, received undefined']);
    });

    it.each([null, 'orders', 42, []])('rejects %j, which is not an object', (input) => {
      expect(issuesOf(input)).toEqual([expect.stringMatching(/^\(input\): Invalid input: expected object/)]);
    });

    it('rejects a trigger without a source', () => {
      expect(issuesOf({ tableName: 'orders', trigger: { source: '' } })).toEqual([
        'trigger.source: Too small: expected string to have >=1 characters',
      ]);
    });
  });

  describe('the table name, by DynamoDB rules', () => {
    it.each(['abc', 'my_table.v2-blue', 'x'.repeat(255)])('accepts %s', (tableName) => {
      expect(issuesOf({ tableName })).toEqual([]);
    });

    it('rejects a name shorter than 3 characters', () => {
      expect(issuesOf({ tableName: 'ab' })).toEqual([
        'tableName: Too small: expected string to have >=3 characters',
      ]);
    });

    it('rejects a name longer than 255 characters', () => {
      expect(issuesOf({ tableName: 'x'.repeat(256) })).toEqual([
        'tableName: Too big: expected string to have <=255 characters',
      ]);
    });

    it.each(['orders table', 'orders/prod', 'arn:aws:dynamodb:us-east-1:123456789012:table/orders'])(
      'rejects %s, which has characters DynamoDB does not allow',
      (tableName) => {
        expect(issuesOf({ tableName })).toEqual([
          'tableName: must contain only a-z, A-Z, 0-9, underscore, dot and dash',
        ]);
      },
    );
  });

  describe('policy bounds', () => {
    // field, lowest accepted, highest accepted, just below, just above
    it.each([
      ['maxReadCapacityUnits', 1, 1_000_000, 0, 1_000_001],
      ['maxWriteCapacityUnits', 1, 1_000_000, 0, 1_000_001],
      ['headroomPercent', 0, 200, -1, 200.5],
      ['unitsPerThrottledRequest', 0.5, 400, 0, 400.5],
      ['lookbackMinutes', 2, 60, 1, 61],
      ['verificationWindowSeconds', 60, 3600, 59, 3601],
      ['maxRounds', 1, 10, 0, 11],
      ['restoreMinimumAfterMinutes', 15, 10_080, 14, 10_081],
    ] as const)('%s accepts %d to %d and rejects %d and %d', (field, lowest, highest, below, above) => {
      expect(issuesOf(withPolicy({ [field]: lowest }))).toEqual([]);
      expect(issuesOf(withPolicy({ [field]: highest }))).toEqual([]);
      expect(issuesOf(withPolicy({ [field]: below }))).toEqual([
        expect.stringMatching(new RegExp(`^policy\\.${field}: Too small: expected number to be >`)),
      ]);
      expect(issuesOf(withPolicy({ [field]: above }))).toEqual([
        expect.stringMatching(new RegExp(`^policy\\.${field}: Too big: expected number to be <=`)),
      ]);
    });

    it.each([
      'maxReadCapacityUnits',
      'maxWriteCapacityUnits',
      'lookbackMinutes',
      'verificationWindowSeconds',
      'maxRounds',
      'restoreMinimumAfterMinutes',
    ])('%s must be a whole number', (field) => {
      expect(issuesOf(withPolicy({ [field]: 10.5 }))).toEqual([
        `policy.${field}: Invalid input: expected int, received number`,
      ]);
    });

    it('accepts a fractional headroom', () => {
      expect(parseCapacityRequest(withPolicy({ headroomPercent: 12.5 })).policy.headroomPercent).toBe(12.5);
    });

    it('requires a positive cost limit', () => {
      expect(issuesOf(withPolicy({ maxHourlyCostIncreaseUsd: 0.01 }))).toEqual([]);
      expect(issuesOf(withPolicy({ maxHourlyCostIncreaseUsd: 0 }))).toEqual([
        'policy.maxHourlyCostIncreaseUsd: Too small: expected number to be >0',
      ]);
    });

    it('rejects numbers given as strings, and a non-boolean allowOnDemand', () => {
      expect(issuesOf(withPolicy({ maxWriteCapacityUnits: '1000', allowOnDemand: 'yes' }))).toEqual([
        'policy.maxWriteCapacityUnits: Invalid input: expected number, received string',
        'policy.allowOnDemand: Invalid input: expected boolean, received string',
      ]);
    });
  });

  describe('InvalidRequestError', () => {
    const bad = {
      tableName: 'x',
      dryRun: 'yes',
      policy: { headroomPercent: 500, lookbackMinutes: 2.5, foo: 1 },
      extra: true,
    };

    it('lists every issue with its path, not only the first', () => {
      expect(issuesOf(bad)).toEqual([
        'tableName: Too small: expected string to have >=3 characters',
        'dryRun: Invalid input: expected boolean, received string',
        'policy.headroomPercent: Too big: expected number to be <=200',
        'policy.lookbackMinutes: Invalid input: expected int, received number',
        'policy: Unrecognized key: "foo"',
        '(input): Unrecognized key: "extra"',
      ]);
    });

    it('is named InvalidRequestError, is not retryable, and says what was invalid in its message', () => {
      let caught: unknown;
      try {
        parseCapacityRequest(bad);
      } catch (error) {
        caught = error;
      }

      expect(caught).toBeInstanceOf(InvalidRequestError);
      const error = caught as InvalidRequestError;
      expect(error.name).toBe('InvalidRequestError');
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`The hot-shard request is invalid: ${error.issues.join('; ')}`);
    });
  });
});
