/**
 * Markdown building blocks that stay as written through prettier (the pages are checked with
 * `prettier --check`) and cannot break the page's structure, whatever a state's name or Comment holds.
 */

/** A code span that survives backticks in the text: the fence is longer than any run inside. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine(text)}${pad}${fence}`;
}

/** Collapses newlines and runs of spaces: a list item or heading is one line. */
export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

const SPECIAL = /[\\*_[\]<>|~]/g;

/**
 * Prose from the ASL (names, Comments, causes) as inline Markdown. Backtick spans are kept as code,
 * because the Comments use them that way; everything else is escaped so it reads as written.
 */
export function inline(text: string): string {
  const escaped = oneLine(text)
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(SPECIAL, '\\$&').replace(/`/g, '\\`')))
    .join('');
  // Text starting like a heading or a list item would become one.
  return escaped.replace(/^([#+-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

export const capitalize = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** A link to a heading of this page. */
export const link = (text: string, anchor: string): string => `[${inline(text)}](#${anchor})`;

/**
 * GitHub's heading anchors (as github-slugger makes them): lower case, punctuation dropped, spaces
 * to hyphens, and `-1`, `-2`... for a repeated heading. One instance per page.
 */
export class Anchors {
  private readonly used = new Map<string, number>();

  take(heading: string): string {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = this.used.get(base) ?? 0;
    this.used.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  }
}

/** `2700` -> `2700 s (45 min)`: the ASL's seconds, and the duration a reader thinks in. */
export function seconds(value: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
  ];
  const unit = units.find(([size]) => value >= size && value % size === 0) ?? units.find(([s]) => value >= s);
  if (!unit) return `${value} s`;
  const amount = Math.round((value / unit[0]) * 10) / 10;
  return `${value} s (${amount} ${unit[1]})`;
}
