import { describe, expect, it } from 'vitest';
import { recordOf } from '../../../domain/dispatch/ledger.ts';
import type { GuardrailVerdict } from '../../../domain/dispatch/guardrails.ts';
import { controlItem, NOW, NOW_ISO, useDispatchControl } from '../../support/dispatch-control.ts';

/**
 * What a verdict carries besides its decision: everything the state machine needs to enforce it
 * with conditional writes (the lock's lease, the counters' keys and limits, the cooldown to set)
 * and the ledger record for each way the run can go. Times are ISO strings the state machine
 * compares as strings; TTLs are epoch seconds as DynamoDB number strings.
 */
const control = useDispatchControl();

const epoch = (iso: string): string => String(Date.parse(iso) / 1000);

describe('the verdict: lock, counters and cooldown', () => {
  it('names the resource’s lock with a one-hour lease, this hour’s counters and their limits, and a 15-minute cooldown', async () => {
    const verdict = await control.check();

    expect(verdict).toMatchObject({
      now: NOW_ISO,
      lock: {
        pk: 'lock#dynamodb-table/orders',
        leaseExpiresAt: '2026-01-01T13:05:00.000Z',
        expiresAtEpoch: epoch('2026-01-01T13:05:00.000Z'),
      },
      rate: {
        runbookPk: 'rate#runbook#hot-shard#2026-01-01T12',
        runbookLimit: '6',
        globalPk: 'rate#global#2026-01-01T12',
        globalLimit: '20',
        // A counter outlives its hour, so a late write still finds it; TTL removes it after.
        expiresAtEpoch: epoch('2026-01-01T14:05:00.000Z'),
      },
      cooldown: {
        pk: 'cooldown#dynamodb-table/orders',
        until: '2026-01-01T12:20:00.000Z',
        expiresAtEpoch: epoch('2026-01-01T12:20:00.000Z'),
      },
    });
  });

  it('takes the limits and the cooldown from the switches, and the lease from the settings', async () => {
    await control.runbookSwitch({ live: true, actionsPerHour: 3, cooldownSeconds: 60 });
    await control.globalSwitch({ actionsPerHour: 50 });

    const verdict = await control.check({ settings: { lockLeaseSeconds: 120 } });

    expect(verdict.rate).toMatchObject({ runbookLimit: '3', globalLimit: '50' });
    expect(verdict.cooldown.until).toBe('2026-01-01T12:06:00.000Z');
    expect(verdict.lock.leaseExpiresAt).toBe('2026-01-01T12:07:00.000Z');
  });

  it('keeps milliseconds in the times it compares, and rounds the TTL epochs down', async () => {
    const verdict = await control.check({ at: NOW + 999 });

    expect(verdict.now).toBe('2026-01-01T12:05:00.999Z');
    expect(verdict.lock).toMatchObject({
      leaseExpiresAt: '2026-01-01T13:05:00.999Z',
      expiresAtEpoch: epoch('2026-01-01T13:05:00.000Z'),
    });
    expect(verdict.cooldown.expiresAtEpoch).toBe(epoch('2026-01-01T12:20:00.000Z'));
  });

  it('carries the same lock, counters and cooldown whether it proceeds or not', async () => {
    const proceeding = await control.check();
    await control.globalSwitch({ enabled: false });
    const suppressed = await control.check();

    const enforcement = ({ now, lock, rate, cooldown }: GuardrailVerdict) => ({ now, lock, rate, cooldown });
    expect(suppressed.verdict).toBe('suppressed');
    expect(enforcement(suppressed)).toEqual(enforcement(proceeding));
  });
});

describe('the verdict: a ledger record for each way the run can go', () => {
  // Each record names the incident, its resource and runbook, at the instant of the check.
  const common = {
    resource: 'dynamodb-table/orders',
    at: NOW_ISO,
    incidentId: 'cloudwatch-alarm-0001',
    kind: 'table-capacity',
    runbook: 'hot-shard',
    source: 'cloudwatch-alarm',
  };

  it.each<[keyof GuardrailVerdict['ledger'], string, string]>([
    ['proceeding', 'started', 'hot-shard started for table-capacity on dynamodb-table/orders'],
    [
      'alreadyRemediating',
      'suppressed',
      'already remediating dynamodb-table/orders: another run holds its lock',
    ],
    [
      'coolingDown',
      'suppressed',
      'dynamodb-table/orders began a cooldown while this incident waited for its lock',
    ],
    ['rateLimited', 'suppressed', 'rate limit reached for hot-shard or selfheal this hour'],
    [
      'lockLost',
      'lock-lost',
      "the lock's lease ran out before hot-shard ended and another run took it: both may have acted on dynamodb-table/orders",
    ],
  ])('%s: %s, “%s”', async (way, decision, reason) => {
    await control.runbookSwitch({ live: true });

    const { ledger } = await control.check();

    expect(recordOf(ledger[way])).toEqual({ ...common, decision, reason });
  });

  it('records a suppressed incident with the guardrail that stopped it, the reason the verdict gives', async () => {
    await control.put(controlItem.cooldown('dynamodb-table/orders', '2026-01-01T12:20:00.000Z'));

    const verdict = await control.check();

    expect(recordOf(verdict.ledger.suppressed)).toEqual({
      ...common,
      decision: 'suppressed',
      reason: 'dynamodb-table/orders is cooling down until 2026-01-01T12:20:00.000Z',
    });
    expect(verdict.reason).toBe(recordOf(verdict.ledger.suppressed).reason);
  });

  it('records a dry run as dry-run, with why it is one', async () => {
    const { ledger } = await control.check();

    expect(recordOf(ledger.proceeding)).toMatchObject({
      decision: 'dry-run',
      reason: 'dry run of hot-shard (the runbook is not live)',
    });
  });
});
