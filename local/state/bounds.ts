/**
 * Which saved runs the file keeps: the newest, up to a count and a size, so that one huge input or
 * a long day of commands cannot make every command that reads or saves the file carry tens of
 * megabytes.
 */
import type { ExecutionRecord } from '../../engine/local-engine.ts';

/** The newest runs kept: a dispatch run and its runbook take some 300 kB with their histories. */
export const MAX_SAVED_EXECUTIONS = 50;

/**
 * And at most this much of them, as JSON (the newest that fit, at least the newest one): 5 MiB,
 * some 17 dispatch runs with their runbooks, so one huge input cannot make every command that
 * reads or saves the file carry tens of megabytes.
 */
export const MAX_SAVED_EXECUTION_BYTES = 5 * 1024 * 1024;

/** Oldest first, the newest MAX_SAVED_EXECUTIONS that fit in MAX_SAVED_EXECUTION_BYTES, at least one. */
export function newestThatFit(records: readonly ExecutionRecord[]): ExecutionRecord[] {
  const newestFirst = records
    .map((record, order) => ({ record, order }))
    .sort((a, b) => b.record.startDate.getTime() - a.record.startDate.getTime() || b.order - a.order)
    .map(({ record }) => record);
  const kept: ExecutionRecord[] = [];
  let bytes = 0;
  for (const record of newestFirst.slice(0, MAX_SAVED_EXECUTIONS)) {
    bytes += Buffer.byteLength(JSON.stringify(record));
    if (kept.length > 0 && bytes > MAX_SAVED_EXECUTION_BYTES) break;
    kept.push(record);
  }
  return kept.reverse();
}
