import { describe, expect, it } from 'vitest';
import { labelOf, outcomeTable } from '../../cli/render/report/table.ts';

// The shape `selfheal simulate hot-shard --json` prints.
const SUMMARY = {
  scenario: 'hot-shard',
  seed: 1,
  healed: true,
  detectedAtSeconds: 540,
  healedAtSeconds: 600,
  throttledRequests: 101_684,
  actions: [
    { atSeconds: 540, by: 'selfheal', what: 'write capacity 100 -> 1290' },
    { atSeconds: 600, by: 'auto-scaling', what: 'write capacity 1290 -> 1300' },
  ],
  stateTransitions: 14,
  runs: [{ executionArn: 'arn', states: [] }],
  baselines: {
    'auto-scaling': {
      healed: true,
      detectedAtSeconds: 540,
      healedAtSeconds: 1140,
      throttledRequests: 315_024,
      actions: [
        { atSeconds: 600, by: 'auto-scaling', what: 'write capacity 100 -> 200' },
        { atSeconds: 660, by: 'auto-scaling', what: 'write capacity 200 -> 400' },
      ],
      stateTransitions: 0,
    },
    none: {
      healed: false,
      detectedAtSeconds: 540,
      healedAtSeconds: null,
      throttledRequests: 1_281_286,
      actions: [],
      stateTransitions: 0,
    },
  },
  throttledRatio: { 'auto-scaling': 0.3228, none: 0.0794 },
};

describe('outcomeTable', () => {
  const table = outcomeTable(SUMMARY);

  it('has a column for selfheal, then one per baseline in the summary’s order', () => {
    expect(table.columns).toEqual(['selfheal', 'auto-scaling', 'none']);
  });

  it('has a row per figure, in the summary’s order; the scenario, seed and runs are not figures', () => {
    expect(table.rows.map((r) => r.key)).toEqual([
      'healed',
      'detectedAtSeconds',
      'healedAtSeconds',
      'throttledRequests',
      'actions.selfheal',
      'actions.auto-scaling',
      'stateTransitions',
      'throttledRatio',
    ]);
  });

  it('keeps the values as --json prints them, and shows them readably', () => {
    const row = (key: string) => table.rows.find((r) => r.key === key)?.cells;
    expect(row('healed')).toEqual([
      { value: true, text: 'yes' },
      { value: true, text: 'yes' },
      { value: false, text: 'no' },
    ]);
    expect(row('healedAtSeconds')).toEqual([
      { value: 600, text: '600 s (10:00)' },
      { value: 1140, text: '1,140 s (19:00)' },
      { value: null, text: '-' },
    ]);
    expect(row('throttledRequests')?.map((c) => c?.text)).toEqual(['101,684', '315,024', '1,281,286']);
    // Counted by who acted: auto scaling's scaling is not selfheal's work.
    expect(row('actions.selfheal')?.map((c) => c?.value)).toEqual([1, 0, 0]);
    expect(row('actions.auto-scaling')?.map((c) => c?.value)).toEqual([1, 2, 0]);
    expect(table.rows.find((r) => r.key === 'actions.auto-scaling')?.label).toBe('actions by auto scaling');
  });

  it('puts a comparison with each baseline in the baselines’ columns, with every decimal', () => {
    expect(table.rows.at(-1)?.cells).toEqual([
      null,
      { value: 0.3228, text: '0.3228' },
      { value: 0.0794, text: '0.0794' },
    ]);
  });

  it('leaves a figure a baseline lacks empty', () => {
    const partial = outcomeTable({ healed: true, extra: 3, baselines: { none: { healed: false } } });
    expect(partial.rows.find((r) => r.key === 'extra')?.cells).toEqual([{ value: 3, text: '3' }, null]);
  });

  it('shows the 24-hour cost as a figure, and leaves its items and model to the cost section', () => {
    const cost = { usd: 16.33, items: [] };
    const costed = outcomeTable({
      healed: true,
      costUsd24h: 16.33,
      cost,
      baselines: { none: { healed: false, costUsd24h: 2.496, cost } },
      costModel: { region: 'us-east-1', prices: [], assumptions: [] },
    });
    expect(costed.rows.map((r) => r.key)).toEqual(['healed', 'costUsd24h']);
    expect(costed.rows[1]).toEqual({
      key: 'costUsd24h',
      label: 'cost over 24 h (USD)',
      cells: [
        { value: 16.33, text: '16.33' },
        { value: 2.496, text: '2.496' },
      ],
    });
  });

  it('works without baselines', () => {
    expect(outcomeTable({ healed: true })).toEqual({
      columns: ['selfheal'],
      rows: [{ key: 'healed', label: 'healed', cells: [{ value: true, text: 'yes' }] }],
    });
  });
});

describe('labelOf', () => {
  it.each([
    ['detectedAtSeconds', 'detected at (s)'],
    ['throttledRequests', 'throttle events (retries included)'],
    ['failedRequests', 'failed requests'],
    ['actions', 'actions (count)'],
    ['downstreamErrorRatio', 'downstream error: selfheal per baseline'],
    ['healed', 'healed'],
    ['costUsd24h', 'cost over 24 h (USD)'],
  ])('%s -> %s', (key, label) => {
    expect(labelOf(key)).toBe(label);
  });
});
