/** Times and durations in operator reports: UTC to the second, durations in their largest units. */

/** `2026-01-01T09:00:00Z` (milliseconds only when there are some). */
export function instant(date: Date | undefined): string {
  return date ? date.toISOString().replace('.000Z', 'Z') : '-';
}

/** `850ms`, `12.5s`, `3m 05s`, `2h 04m`; `-` when unknown. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Milliseconds between two dates, undefined unless both are known. */
export const between = (from: Date | undefined, to: Date | undefined): number | undefined =>
  from && to ? to.getTime() - from.getTime() : undefined;

/** A cause or message on one line, cut at `length` characters. */
export function oneLine(text: string, length = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}
