/**
 * The outcome figures as a table, pure: read from the very summary `--json` prints, one column per
 * variant (selfheal's figures are the summary's top level, each baseline's under `baselines`), one
 * row per figure. A list (the actions) counts its entries; a comparison keyed by baseline (the
 * `...Ratio` figures) fills the baselines' columns. The scenario's identity (name, seed, approval)
 * and the runs (the charts' markers) are not figures, nor are the cost's items and its model, which
 * have a section of their own (`cost.ts`): the cost's total is.
 */
import { clock, count } from '../format.ts';
import { ACTORS } from '../../../simulations/outcome.ts';

export type CellValue = number | boolean | string | null;

export interface OutcomeCell {
  /** The value as `--json` prints it; a list's length. */
  value: CellValue;
  /** As the page shows it. */
  text: string;
}

export interface OutcomeRow {
  /** The summary's field. */
  key: string;
  label: string;
  /** One per column; null where the figure does not apply (a ratio of selfheal to itself). */
  cells: (OutcomeCell | null)[];
}

export interface OutcomeTable {
  columns: string[];
  rows: OutcomeRow[];
}

/** The summary's fields that are not figures: the scenario's identity, the runs, the cost's details. */
export const NOT_FIGURES: ReadonlySet<string> = new Set([
  'scenario',
  'seed',
  'approve',
  // Said in the section's heading: what the incident was about, and what saw it first.
  'resource',
  'detectedBy',
  'runs',
  'signals',
  'ledger',
  'baselines',
  'cost',
  'costModel',
]);

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function outcomeTable(summary: object): OutcomeTable {
  const top = summary as Fields;
  const baselines = isRecord(top.baselines) ? top.baselines : {};
  const names = Object.keys(baselines);
  const rows: OutcomeRow[] = [];
  const figuresOf = (name: string): Fields => {
    const figures = baselines[name];
    return isRecord(figures) ? figures : {};
  };
  for (const [key, value] of Object.entries(top)) {
    if (NOT_FIGURES.has(key)) continue;
    if (key === 'actions') {
      // Counted by who took them: auto scaling's scaling is not selfheal's work.
      const lists = [value, ...names.map((name) => figuresOf(name)[key])];
      for (const by of actorsIn(lists)) {
        rows.push({
          key: `actions.${by}`,
          label: `actions by ${(ACTORS as Readonly<Record<string, string>>)[by] ?? by}`,
          cells: lists.map((list) =>
            Array.isArray(list)
              ? cell(
                  key,
                  list.filter((a) => byOf(a) === by),
                )
              : null,
          ),
        });
      }
      continue;
    }
    if (isRecord(value)) {
      rows.push({
        key,
        label: labelOf(key),
        cells: [null, ...names.map((name) => (name in value ? cell(key, value[name]) : null))],
      });
      continue;
    }
    rows.push({
      key,
      label: labelOf(key),
      cells: [
        cell(key, value),
        ...names.map((name) => {
          const figures = baselines[name];
          return isRecord(figures) && key in figures ? cell(key, figures[key]) : null;
        }),
      ],
    });
  }
  return { columns: ['selfheal', ...names], rows };
}

const byOf = (action: unknown): string => (isRecord(action) ? String(action.by) : 'unknown');

/** Who acted in any of the lists, in the order of ACTORS, then any other. */
function actorsIn(lists: readonly unknown[]): string[] {
  const seen = new Set(lists.flatMap((list) => (Array.isArray(list) ? list.map(byOf) : [])));
  const known = Object.keys(ACTORS);
  return [...known.filter((by) => seen.has(by)), ...[...seen].filter((by) => !known.includes(by))];
}

function cell(key: string, raw: unknown): OutcomeCell {
  if (Array.isArray(raw)) return { value: raw.length, text: count(raw.length) };
  if (raw === null || raw === undefined) return { value: null, text: '-' };
  if (typeof raw === 'boolean') return { value: raw, text: raw ? 'yes' : 'no' };
  if (typeof raw === 'number') {
    if (/Seconds$/.test(key)) return { value: raw, text: `${number(raw)} s (${clock(raw)})` };
    return { value: raw, text: number(raw) };
  }
  return { value: String(raw), text: String(raw) };
}

/** Thousands separated, every decimal kept (a ratio reads as `--json` prints it). */
const number = (n: number): string =>
  Number.isInteger(n) ? count(n) : n.toLocaleString('en-US', { maximumFractionDigits: 20 });

/** `detectedAtSeconds` -> `detected at (s)`; `actions` -> `actions (count)`. */
export function labelOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/ seconds$/, ' (s)');
  if (key === 'actions') return 'actions (count)';
  // A table's throttle events count every attempt, the SDK's retries too: not the users' harm.
  if (key === 'throttledRequests') return 'throttle events (retries included)';
  if (key === 'throttledRatio') return 'throttle events: selfheal per baseline';
  if (key === 'costUsd24h') return 'cost over 24 h (USD)';
  if (/Ratio$/.test(key)) return `${words.replace(/ ratio$/, '')}: selfheal per baseline`;
  return words;
}
