/**
 * Dispatch's two tables, from the same definitions the local engine creates them by
 * (`domain/dispatch/tables.ts`), so the key schema and the ledger's by-day index cannot drift.
 * Both keep point-in-time recovery and are encrypted; the ledger is the audit trail and is kept
 * when the stack is deleted.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
  type Attribute,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import {
  controlTableDefinition,
  LEDGER_BY_DAY_INDEX,
  ledgerTableDefinition,
  TTL_ATTRIBUTE,
} from '../../domain/dispatch/tables.ts';
import type { DeploymentNames } from '../../domain/deployment/names.ts';

export class ControlTables extends Construct {
  readonly control: Table;
  readonly ledger: Table;

  constructor(scope: Construct, id: string, names: DeploymentNames) {
    super(scope, id);
    this.control = this.table('Control', controlTableDefinition(names.controlTable), RemovalPolicy.DESTROY);
    this.ledger = this.table('Ledger', ledgerTableDefinition(names.ledgerTable), RemovalPolicy.RETAIN);
    const definition = ledgerTableDefinition(names.ledgerTable);
    const index = definition.GlobalSecondaryIndexes?.find((i) => i.IndexName === LEDGER_BY_DAY_INDEX);
    if (!index?.KeySchema) throw new Error(`the ledger definition has no ${LEDGER_BY_DAY_INDEX} index`);
    this.ledger.addGlobalSecondaryIndex({
      indexName: LEDGER_BY_DAY_INDEX,
      ...keys(definition, index.KeySchema),
      projectionType: ProjectionType.ALL,
    });
  }

  private table(id: string, definition: CreateTableCommandInput, removalPolicy: RemovalPolicy): Table {
    return new Table(this, id, {
      tableName: definition.TableName,
      ...keys(definition, definition.KeySchema ?? []),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      // Locks, cooldowns and counters carry their expiry; the ledger's records have none.
      ...(id === 'Control' ? { timeToLiveAttribute: TTL_ATTRIBUTE } : {}),
      removalPolicy,
    });
  }
}

function keys(
  definition: CreateTableCommandInput,
  schema: readonly KeySchemaElement[],
): { partitionKey: Attribute; sortKey?: Attribute } {
  const attribute = (name: string | undefined): Attribute => {
    const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    const types = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;
    if (!name || !type) throw new Error(`${definition.TableName}: key attribute ${name} has no definition`);
    return { name, type: types[type] };
  };
  const hash = schema.find((k) => k.KeyType === 'HASH');
  const range = schema.find((k) => k.KeyType === 'RANGE');
  return {
    partitionKey: attribute(hash?.AttributeName),
    ...(range ? { sortKey: attribute(range.AttributeName) } : {}),
  };
}
