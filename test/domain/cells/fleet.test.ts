import { describe, expect, it } from 'vitest';
import { greyCellFleetSchema } from '../../../domain/cells/fleet.ts';
import { DEFAULT_OUTLIER_POLICY } from '../../support/outlier-policy.ts';

const cells = ['checkout-cell-1', 'checkout-cell-2', 'checkout-cell-3'];

describe('greyCellFleetSchema', () => {
  it('fills in the defaults: the Default group, five minutes, and the outlier policy', () => {
    expect(greyCellFleetSchema.parse({ cells })).toEqual({
      cells,
      groupName: 'Default',
      windowMinutes: 5,
      policy: DEFAULT_OUTLIER_POLICY,
    });
  });

  it.each([
    ['fewer than three cells', { cells: cells.slice(0, 2) }, /at least 3 cells/],
    ['the same cell twice', { cells: [...cells, 'checkout-cell-1'] }, /unique/],
    ['a cell name with a quote', { cells: [...cells.slice(0, 2), 'cell"3'] }, /cell name/],
    ['a p99 ratio under 1', { cells, policy: { minP99Ratio: 0.9 } }, /minP99Ratio/],
    ['an unknown policy setting', { cells, policy: { threshold: 3 } }, /threshold/],
    ['a window of zero minutes', { cells, windowMinutes: 0 }, /windowMinutes/],
  ])('rejects %s', (_what, input, message) => {
    const result = greyCellFleetSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });
});
