/** Paths into a JSON event, for tests that read, replace or delete one of its fields. */
import type { Json } from './fixtures.ts';

export type Path = readonly (string | number)[];

/** The value at `path`, or undefined where the path leads nowhere. */
export function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key] : undefined),
    value,
  );
}

/** The replacement that removes the field. */
export const DELETE = Symbol('delete');

/** A copy of `value` with the field at `path` replaced, or removed for DELETE. */
export function changeAt(value: Json, path: Path, replacement: unknown): Json {
  const copy = structuredClone(value);
  const parent = getAt(copy, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || key === undefined) return copy;
  if (replacement === DELETE) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Json)[key];
  } else {
    (parent as Json)[key] = replacement;
  }
  return copy;
}

/** Every path to a field of a JSON value (objects and arrays included, the root excluded). */
export function allPaths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...allPaths(child, [...prefix, key])]);
}

/** The JSON type of a value: null and array apart from object. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
