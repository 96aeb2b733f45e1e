/**
 * Step Functions execution names: 1-80 characters, none of them whitespace, brackets, wildcards,
 * control characters or `" # % \ ^ | ~ ` $ & , ; : /` (the API's rule, which the local engine
 * enforces too). Names operators start runs with are built here so they are readable and valid.
 */
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;
export const MAX_EXECUTION_NAME = 80;

export function isExecutionName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_EXECUTION_NAME && !FORBIDDEN.test(name);
}

/** `2026-01-01T08:30:00.123Z` -> `20260101T083000123Z`: sorts as time does, and only [0-9TZ]. */
const stamp = (at: Date): string => at.toISOString().replace(/[-:.]/g, '');

/**
 * `operator-<runbook>-<time to the millisecond>`, e.g. `operator-hot-shard-20260101T083000123Z`. A
 * runbook name from the routing may hold any character: those a name cannot are replaced with `-`,
 * and it is cut so the whole stays within 80 characters.
 */
export function operatorExecutionName(runbook: string, at: Date): string {
  const suffix = `-${stamp(at)}`;
  const room = MAX_EXECUTION_NAME - 'operator-'.length - suffix.length;
  const safe = [...runbook].map((c) => (FORBIDDEN.test(c) ? '-' : c)).join('');
  return `operator-${safe.slice(0, room)}${suffix}`;
}
