/**
 * Dispatch's guardrails as the domain tests meet them: its control and ledger tables in dynalite
 * (fresh ones for each test, so no test sees another's switches, cooldowns or counters), the
 * incident a check is about, and the control items operators and earlier runs leave behind.
 */
import { afterEach, beforeEach } from 'vitest';
import {
  DeleteTableCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  checkGuardrails,
  type GuardrailOptions,
  type GuardrailPorts,
  type GuardrailVerdict,
} from '../../domain/dispatch/guardrails.ts';
import {
  writeGlobalSwitch,
  writeRunbookSwitch,
  type GlobalSwitch,
  type RunbookSwitch,
} from '../../domain/dispatch/switches.ts';
import { createDispatchTables, type DispatchTables } from '../../domain/dispatch/tables.ts';
import type { Incident, ResourceRef } from '../../domain/incidents/incident.ts';
import { useLocalDynamoDb } from './local-dynamodb.ts';

/** 12:05:00 UTC on 1 January 2026: the clock of every check a test does not set. */
export const NOW = Date.UTC(2026, 0, 1, 12, 5, 0);
export const NOW_ISO = new Date(NOW).toISOString();
export const ORDERS: ResourceRef = { type: 'dynamodb-table', name: 'orders' };
export const RUNBOOK = 'hot-shard';

/** A throttling alarm's incident on `resource`, as the signal normaliser makes it. */
export function incidentOn(resource: ResourceRef = ORDERS, id = 'cloudwatch-alarm-0001'): Incident {
  return {
    id,
    kind: 'table-capacity',
    resource,
    evidence: { alarm: `throttling-${resource.name}`, writeThrottleEvents: 120 },
    source: 'cloudwatch-alarm',
    observedAt: '2026-01-01T12:04:40.989Z',
  };
}

/** Control items as dispatch's state machine writes them. */
export const controlItem = {
  cooldown: (resource: string, until: string): Record<string, AttributeValue> => ({
    pk: { S: `cooldown#${resource}` },
    until: { S: until },
  }),
  counter: (pk: string, actions: number): Record<string, AttributeValue> => ({
    pk: { S: pk },
    actions: { N: String(actions) },
  }),
  lock: (resource: string, executionArn: string, leaseExpiresAt: string): Record<string, AttributeValue> => ({
    pk: { S: `lock#${resource}` },
    executionArn: { S: executionArn },
    leaseExpiresAt: { S: leaseExpiresAt },
  }),
};

export interface CheckOptions extends GuardrailOptions {
  /** Epoch milliseconds of the check; NOW unless given. */
  at?: number;
  incident?: Incident;
  runbook?: string;
}

export interface DispatchControl {
  dynamodb: () => DynamoDBClient;
  tables: () => DispatchTables;
  ports: (at?: number) => GuardrailPorts;
  /** Writes an item to the control table, as an operator or an earlier run left it. */
  put: (item: Record<string, AttributeValue>) => Promise<void>;
  /** Sets the runbook's switch (what `change` leaves out is the default), as `selfheal switch` does. */
  runbookSwitch: (change: Partial<RunbookSwitch>, runbook?: string) => Promise<void>;
  globalSwitch: (change: Partial<GlobalSwitch>) => Promise<void>;
  check: (options?: CheckOptions) => Promise<GuardrailVerdict>;
}

let created = 0;

/** One dynalite for the file, and dispatch's two tables, created for each test and dropped after it. */
export function useDispatchControl(): DispatchControl {
  const dynamodb = useLocalDynamoDb();
  let current: DispatchTables | undefined;

  beforeEach(async () => {
    created += 1;
    current = { control: `selfheal-control-${created}`, ledger: `selfheal-ledger-${created}` };
    await createDispatchTables(dynamodb(), current);
  });

  afterEach(async () => {
    for (const name of [current?.control, current?.ledger]) {
      if (name) await dynamodb().send(new DeleteTableCommand({ TableName: name }));
    }
  });

  const tables = (): DispatchTables => {
    if (!current) throw new Error('dispatch tables are created before each test: use them from a test');
    return current;
  };
  const ports = (at = NOW): GuardrailPorts => ({ dynamodb: dynamodb(), now: () => at, tables: tables() });
  return {
    dynamodb,
    tables,
    ports,
    put: async (item) => {
      await dynamodb().send(new PutItemCommand({ TableName: tables().control, Item: item }));
    },
    runbookSwitch: async (change, runbook = RUNBOOK) => {
      await writeRunbookSwitch(dynamodb(), tables().control, runbook, change);
    },
    globalSwitch: async (change) => {
      await writeGlobalSwitch(dynamodb(), tables().control, change);
    },
    check: ({ at, incident = incidentOn(), runbook = RUNBOOK, ...options } = {}) =>
      checkGuardrails(ports(at), incident, runbook, options),
  };
}
