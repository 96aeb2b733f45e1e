/** Small formatting pieces every text report shares. */

/** Virtual time since the start, as mm:ss. */
export function clock(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

export const count = (n: number): string => n.toLocaleString('en-US');

export type ComparisonRow<R> = readonly [label: string, value: (result: R) => string];

/** One column per variant, one row per figure, the variant names as the header. */
export function sideBySide<R extends { variant: string }>(
  results: readonly R[],
  rows: readonly ComparisonRow<R>[],
): string {
  const width = Math.max(20, ...rows.map(([label]) => label.length + 2));
  const cells = rows.map(([label, value]) => [label, ...results.map((r) => value(r))] as const);
  // 16 wide, or wider: two spaces at least between any two values.
  const column = Math.max(
    16,
    ...results.map((r) => r.variant.length + 2),
    ...cells.flatMap(([, ...v]) => v.map((t) => t.length + 2)),
  );
  const header = `${''.padEnd(width)}${results.map((r) => r.variant.padStart(column)).join('')}`;
  return [
    header,
    ...cells.map(
      ([label, ...values]) => `${label.padEnd(width)}${values.map((v) => v.padStart(column)).join('')}`,
    ),
  ].join('\n');
}

/** Notes keyed by minute, several a minute, for the events column of a timeline. */
export class MinuteNotes {
  readonly #notes = new Map<number, string[]>();

  add(atSeconds: number, text: string): void {
    const minute = Math.floor(atSeconds / 60);
    this.#notes.set(minute, [...(this.#notes.get(minute) ?? []), text]);
  }

  /** The row, then one line per further note of its minute, aligned under the first. */
  lines(minute: number, row: string): string {
    const notes = this.#notes.get(minute) ?? [];
    return [
      `${row}  ${notes[0] ?? ''}`.trimEnd(),
      ...notes.slice(1).map((note) => `${''.padEnd(row.length)}  ${note}`),
    ].join('\n');
  }
}
