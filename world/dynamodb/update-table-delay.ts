/**
 * How long an UpdateTable keeps the table UPDATING, in the world's virtual time.
 *
 * What AWS documents ("UpdateTable", DynamoDB API Reference, and the 2011-12-05 "UpdateTable"
 * page of the Developer Guide): UpdateTable is asynchronous; the table goes from ACTIVE to
 * UPDATING, "while it's UPDATING, you can't issue another UpdateTable request", and "while the
 * table is in the UPDATING state, the table still has the provisioned throughput from before the
 * call. The new provisioned throughput setting is in effect only when the table returns to the
 * ACTIVE state". A second UpdateTable meanwhile is a ResourceInUseException ("You tried to update
 * a resource that was already being updated", the exception's own documentation).
 *
 * What AWS does not document: how long UPDATING lasts. The AWS Knowledge Center article on a table
 * that "remains in the UPDATING status for a long time" after a provisioned capacity update
 * (re:Post knowledge-center/dynamodb-stuck-updating-status) gives no figure: the time "depends on
 * several factors, such as the size of the table and the difference between the previous and the
 * new peak" (a new peak adds partitions), and going back up to an earlier peak "might be faster". So the default, DEFAULT_UPDATE_TABLE_SECONDS, is an assumption (see there),
 * the same for every update, up or down, capacity or capacity mode.
 *
 * How it is done: dynalite (the real API) keeps its own UPDATING for `updateTableMs` of *real*
 * time on a timer (0 in the scenarios), which virtual time cannot drive. So the delay is added on
 * the client side, in virtual time, deterministically: a middleware on the world's DynamoDB client
 * (the one every caller uses: the tasks, the engine's `aws-sdk:dynamodb:describeTable`, auto
 * scaling, the operator, the world itself) notes each successful UpdateTable of the table and, until
 * `seconds` of virtual time have passed, answers DescribeTable with TableStatus UPDATING and the
 * throughput and capacity mode dynalite reported in UpdateTable's response (the settings from
 * before the call, as dynalite itself shows them while UPDATING), and refuses another UpdateTable
 * of the table with a ResourceInUseException, as DynamoDB does. dynalite has the new settings at
 * once; nobody sees them before the delay has passed.
 *
 * Simplifications: only UpdateTable and DescribeTable of this one table are affected (ListTables,
 * DescribeContinuousBackups and the like are not); the message of the ResourceInUseException is
 * dynalite's style for a table being created, as dynalite has none for one being updated.
 */
import {
  ResourceInUseException,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  type TableDescription,
  type UpdateTableCommandOutput,
} from '@aws-sdk/client-dynamodb';

/**
 * Seconds a table stays UPDATING after an UpdateTable. An assumption with no AWS figure behind it
 * (none is documented, see above): a round minute, between dynalite's instant update and the
 * Knowledge Center's "long time", the same whatever the change. A parameter of the world
 * (`updateTableSeconds`), so a run can try another.
 */
export const DEFAULT_UPDATE_TABLE_SECONDS = 60;

export interface VirtualTableUpdatesOptions {
  tableName: string;
  /** Seconds of virtual time an update lasts; more than 0. */
  seconds: number;
  /** Virtual time, epoch milliseconds. */
  now: () => number;
}

interface PendingUpdate {
  /** Virtual time the table is ACTIVE again, with the new settings. */
  untilMs: number;
  /** The table as UpdateTable's response described it: UPDATING, with the settings from before. */
  during: TableDescription;
}

let installed = 0;

export class VirtualTableUpdates {
  readonly tableName: string;
  readonly seconds: number;
  #now: () => number;
  #pending: PendingUpdate | undefined;

  constructor(options: VirtualTableUpdatesOptions) {
    if (!Number.isFinite(options.seconds) || options.seconds <= 0) {
      throw new RangeError(`an update's duration must be more than 0 seconds, got ${options.seconds}`);
    }
    this.tableName = options.tableName;
    this.seconds = options.seconds;
    this.#now = options.now;
  }

  /** When the last update began completes (virtual epoch ms), if an update was ever made. */
  get completesAtMs(): number | undefined {
    return this.#pending?.untilMs;
  }

  /** Whether the table is UPDATING at `nowMs` because of an update this delay holds. */
  updating(nowMs: number = this.#now()): boolean {
    return this.#pending !== undefined && nowMs < this.#pending.untilMs;
  }

  /** Puts the delay on `client` (every command sent through it); returns what takes it off. */
  attach(client: DynamoDBClient): () => void {
    const name = `virtualTableUpdates-${this.tableName}-${++installed}`;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName;
        if (command !== 'UpdateTableCommand' && command !== 'DescribeTableCommand') return next(args);
        if (!this.#names((args.input as { TableName?: string }).TableName)) return next(args);
        const nowMs = this.#now();
        const pending = this.updating(nowMs) ? this.#pending : undefined;
        if (command === 'UpdateTableCommand') {
          if (pending) {
            throw new ResourceInUseException({
              message: `Attempt to change a resource which is still in use: Table is being updated: ${this.tableName}`,
              $metadata: { httpStatusCode: 400 },
            });
          }
          const result = await next(args);
          const output = result.output as UpdateTableCommandOutput;
          this.#pending = { untilMs: nowMs + this.seconds * 1000, during: output.TableDescription ?? {} };
          return result;
        }
        const result = await next(args);
        if (!pending) return result;
        const output = result.output as DescribeTableCommandOutput;
        return { ...result, output: { ...output, Table: whileUpdating(output.Table, pending.during) } };
      },
      { step: 'initialize', name },
    );
    return () => {
      client.middlewareStack.remove(name);
    };
  }

  /** A TableName parameter names the table by its name or its ARN. */
  #names(tableName: string | undefined): boolean {
    return tableName === this.tableName || (tableName?.endsWith(`:table/${this.tableName}`) ?? false);
  }
}

/** The table as dynalite has it now, but UPDATING with the settings from before the update. */
function whileUpdating(live: TableDescription | undefined, during: TableDescription): TableDescription {
  return {
    ...live,
    TableStatus: 'UPDATING',
    ...(during.ProvisionedThroughput ? { ProvisionedThroughput: during.ProvisionedThroughput } : {}),
    ...(during.BillingModeSummary ? { BillingModeSummary: during.BillingModeSummary } : {}),
  };
}
