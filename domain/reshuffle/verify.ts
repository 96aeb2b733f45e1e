/**
 * Verification: a logical key's items, wherever they are (the logical key and its shard keys),
 * as a count and an order-independent checksum. The checksum is the sum, modulo 2^256, of each
 * item's sha256 over its canonical JSON with the partition key replaced by the logical key: the
 * same items give the same checksum in any layout, and a lost, duplicated or altered item changes
 * it (a sum, unlike XOR, does not cancel an item found twice).
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { classifyAwsError } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';
import { ReshuffleVerificationError } from './errors.ts';
import { canonicalJson, withPartitionKey, type Item, type KeyAttributes } from './items.ts';
import { MAX_SHARDS, readKeys } from '../../key-router/shard-map.ts';

export interface PhysicalKeySnapshot {
  physicalKey: string;
  count: number;
  /** 64 hex digits. */
  checksum: string;
}

export interface KeySnapshot {
  logicalKey: string;
  count: number;
  checksum: string;
  /** Items at each physical key read, the logical key first. */
  perKey: Record<string, number>;
}

export interface SnapshotInput {
  tableName: string;
  keys: KeyAttributes;
  logicalKey: string;
  /** Shard keys to cover besides the logical key (the entry's, or the plan's before publishing). */
  shards: number;
}

const snapshotInputSchema = z.object({
  tableName: z.string().min(3).max(255),
  keys: z.object({ partitionKey: z.string().min(1), sortKey: z.string().min(1) }),
  logicalKey: z.string().min(1),
  shards: z.number().int().min(0).max(MAX_SHARDS),
});

const MODULUS = 1n << 256n;

/** The item's term in the checksum. */
export function itemDigest(item: Item, partitionKey: string, logicalKey: string): bigint {
  const json = canonicalJson(withPartitionKey(item, partitionKey, logicalKey));
  return BigInt(`0x${createHash('sha256').update(json).digest('hex')}`);
}

/** Count and checksum of one physical key's items (a Map iteration's share of a snapshot). */
export async function snapshotPhysicalKey(
  dynamodb: DynamoDBClient,
  input: Omit<SnapshotInput, 'shards'> & { physicalKey: string },
): Promise<PhysicalKeySnapshot> {
  let count = 0;
  let sum = 0n;
  let startKey: Item | undefined;
  do {
    let page;
    try {
      page = await dynamodb.send(
        new QueryCommand({
          TableName: input.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': input.keys.partitionKey },
          ExpressionAttributeValues: { ':pk': { S: input.physicalKey } },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
    } catch (error) {
      throw classifyAwsError(error, `Querying ${input.physicalKey} in ${input.tableName}`);
    }
    for (const item of page.Items ?? []) {
      count += 1;
      sum = (sum + itemDigest(item, input.keys.partitionKey, input.logicalKey)) % MODULUS;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { physicalKey: input.physicalKey, count, checksum: hex(sum) };
}

/** Count and checksum of a logical key's items over the logical key and its shard keys. */
export async function snapshotLogicalKey(
  dynamodb: DynamoDBClient,
  input: SnapshotInput,
): Promise<KeySnapshot> {
  const { shards, ...rest } = parseOrThrow(snapshotInputSchema, input, 'Snapshot request');
  const parts: PhysicalKeySnapshot[] = [];
  for (const physicalKey of readKeys({ logicalKey: rest.logicalKey, shards })) {
    parts.push(await snapshotPhysicalKey(dynamodb, { ...rest, physicalKey }));
  }
  return combineSnapshots(rest.logicalKey, parts);
}

export function combineSnapshots(logicalKey: string, parts: PhysicalKeySnapshot[]): KeySnapshot {
  let count = 0;
  let sum = 0n;
  const perKey: Record<string, number> = {};
  for (const part of parts) {
    count += part.count;
    sum = (sum + BigInt(`0x${part.checksum}`)) % MODULUS;
    perKey[part.physicalKey] = (perKey[part.physicalKey] ?? 0) + part.count;
  }
  return { logicalKey, count, checksum: hex(sum), perKey };
}

export interface Verification {
  equal: boolean;
  before: { count: number; checksum: string };
  after: { count: number; checksum: string };
  reasons: string[];
}

/** Whether two snapshots hold the same items (in whatever layout). */
export function compareSnapshots(before: KeySnapshot, after: KeySnapshot): Verification {
  const reasons: string[] = [];
  if (before.logicalKey !== after.logicalKey) {
    reasons.push(`snapshots of different keys: ${before.logicalKey} and ${after.logicalKey}`);
  }
  if (before.count !== after.count) reasons.push(`${before.count} items before, ${after.count} after`);
  if (before.checksum !== after.checksum) reasons.push('the content checksums differ');
  return {
    equal: reasons.length === 0,
    before: { count: before.count, checksum: before.checksum },
    after: { count: after.count, checksum: after.checksum },
    reasons,
  };
}

/** compareSnapshots, throwing ReshuffleVerificationError when they differ. */
export function verifyReshuffle(before: KeySnapshot, after: KeySnapshot): Verification {
  const verification = compareSnapshots(before, after);
  if (!verification.equal) {
    throw new ReshuffleVerificationError(`${after.logicalKey}: ${verification.reasons.join('; ')}`);
  }
  return verification;
}

function hex(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}
