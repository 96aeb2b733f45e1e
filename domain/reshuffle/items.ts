/**
 * Items as the reshuffle sees them: their canonical content (for hashes and checksums), their
 * identity (the sort key value the shard layout hashes), "unchanged" as a condition expression,
 * and the JSON-safe checkpoint a Step Functions state can carry between batches.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { UnmovableItemError } from './errors.ts';

export type Item = Record<string, AttributeValue>;

/** The data table's key attribute names (the logical key and its shards are partition key values). */
export interface KeyAttributes {
  partitionKey: string;
  sortKey: string;
}

/**
 * Canonical JSON of an item: attributes by name, set members sorted, binaries in base64. Two
 * items have the same canonical JSON exactly when DynamoDB holds the same content for them.
 */
export function canonicalJson(item: Item): string {
  return JSON.stringify(canonicalMap(item));
}

/** sha256 (base64) of the item's canonical JSON, partition key included. */
export function contentHash(item: Item): string {
  return createHash('sha256').update(canonicalJson(item)).digest('base64');
}

/** The item with its partition key set to `key` (the copy of an item at another physical key). */
export function withPartitionKey(item: Item, partitionKey: string, key: string): Item {
  return { ...item, [partitionKey]: { S: key } };
}

/** The string the shard layout hashes: the sort key value (S and N as stored, B in base64). */
export function itemIdentity(item: Item, sortKey: string): string {
  const value = item[sortKey];
  if (value?.S !== undefined) return value.S;
  if (value?.N !== undefined) return value.N;
  if (value?.B !== undefined) return Buffer.from(value.B).toString('base64');
  throw new UnmovableItemError(`An item has no usable sort key ${sortKey}`);
}

export function primaryKey(item: Item, keys: KeyAttributes): Item {
  const pk = item[keys.partitionKey];
  const sk = item[keys.sortKey];
  if (!pk || !sk) throw new UnmovableItemError(`An item lacks ${keys.partitionKey} or ${keys.sortKey}`);
  return { [keys.partitionKey]: pk, [keys.sortKey]: sk };
}

/** DynamoDB's limit on an expression's length. */
const MAX_EXPRESSION_LENGTH = 4096;

export interface ItemCondition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, AttributeValue>;
}

/**
 * "The stored item still has every attribute of `item`, each with the same value": any attribute
 * changed or removed fails it. Maps and lists are compared entry by entry, with their type and
 * size (DynamoDB compares them whole, dynalite does not: this is exact on both). An attribute
 * added at the top level fails nothing, so writers under this condition also ask for the old item
 * (ReturnValues ALL_OLD) and compare its content hash.
 */
export function unchangedCondition(item: Item): ItemCondition {
  const names = new Map<string, string>();
  const values: Record<string, AttributeValue> = {};
  const terms: string[] = [];
  const name = (attribute: string): string => {
    let placeholder = names.get(attribute);
    if (!placeholder) {
      placeholder = `#u${names.size}`;
      names.set(attribute, placeholder);
    }
    return placeholder;
  };
  const value = (v: AttributeValue): string => {
    const placeholder = `:u${Object.keys(values).length}`;
    values[placeholder] = v;
    return placeholder;
  };
  const compare = (path: string, v: AttributeValue): void => {
    if (v.M !== undefined) {
      terms.push(`attribute_type(${path}, ${value({ S: 'M' })})`);
      terms.push(`size(${path}) = ${value({ N: String(Object.keys(v.M).length) })}`);
      for (const [key, entry] of Object.entries(v.M)) compare(`${path}.${name(key)}`, entry);
    } else if (v.L !== undefined) {
      terms.push(`attribute_type(${path}, ${value({ S: 'L' })})`);
      terms.push(`size(${path}) = ${value({ N: String(v.L.length) })}`);
      v.L.forEach((entry, i) => compare(`${path}[${i}]`, entry));
    } else {
      terms.push(`${path} = ${value(v)}`);
    }
  };
  for (const attribute of Object.keys(item).sort()) compare(name(attribute), item[attribute]!);
  const expression = terms.join(' AND ');
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new UnmovableItemError(
      `An item with ${terms.length} attribute values is too wide to compare in one condition expression`,
    );
  }
  return {
    ConditionExpression: expression,
    ExpressionAttributeNames: Object.fromEntries(
      [...names].map(([attribute, placeholder]) => [placeholder, attribute]),
    ),
    ExpressionAttributeValues: values,
  };
}

/** A key value as JSON can carry it (binary in base64). */
export type CheckpointValue = { S: string } | { N: string } | { B: string };
/** Where the next batch starts (the last key read), or null for the beginning. */
export type Checkpoint = Record<string, CheckpointValue>;

export function checkpointFromKey(key: Item | undefined): Checkpoint | null {
  if (!key) return null;
  const checkpoint: Checkpoint = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) checkpoint[name] = { S: value.S };
    else if (value.N !== undefined) checkpoint[name] = { N: value.N };
    else if (value.B !== undefined) checkpoint[name] = { B: Buffer.from(value.B).toString('base64') };
    else throw new UnmovableItemError(`Key attribute ${name} is not a string, number or binary`);
  }
  return checkpoint;
}

export function keyFromCheckpoint(checkpoint: Checkpoint | null | undefined): Item | undefined {
  if (!checkpoint) return undefined;
  const key: Item = {};
  for (const [name, value] of Object.entries(checkpoint)) {
    key[name] = 'B' in value ? { B: Buffer.from(value.B, 'base64') } : value;
  }
  return key;
}

type Canonical = string | number | boolean | null | Canonical[] | { [type: string]: Canonical };

function canonicalMap(map: Record<string, AttributeValue>): Canonical[] {
  return Object.keys(map)
    .sort()
    .map((name) => [name, canonicalValue(map[name]!)]);
}

function canonicalValue(value: AttributeValue): Canonical {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { NS: [...value.NS].sort() };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')).sort() };
  if (value.L !== undefined) return { L: value.L.map(canonicalValue) };
  if (value.M !== undefined) return { M: canonicalMap(value.M) };
  throw new UnmovableItemError(`Unknown attribute value type: ${Object.keys(value).join(', ')}`);
}
