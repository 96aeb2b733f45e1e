import { describe, expect, it } from 'vitest';
import { renderCostComparison, usd } from '../../cli/render/cost-report.ts';
import { costItem, dayCost } from '../../simulations/cost.ts';
import { PRICES } from '../../simulations/cost-prices.ts';

const variant = (name: string, wcuHours: [number, number], transitions: number, restOfDay: string) => ({
  variant: name,
  cost: dayCost(
    [
      costItem('DynamoDB provisioned write capacity', 'WCU-hours', PRICES.dynamodbWcuHour, ...wcuHours),
      costItem(
        'Step Functions state transitions (Standard)',
        'transitions',
        PRICES.stepFunctionsTransition,
        transitions,
      ),
    ],
    45,
    restOfDay,
  ),
});

describe('usd', () => {
  it.each([
    [16.3293, '$16.33'],
    [1234.5, '$1,234.50'],
    [0.936, '$0.9360'],
    [0.0011, '$0.0011'],
    [0.000002, '<$0.0001'],
    [0, '-'],
  ])('%s -> %s', (amount, text) => {
    expect(usd(amount)).toBe(text);
  });
});

describe('the text report’s cost section', () => {
  const text = renderCostComparison([
    variant('selfheal', [712, 22_968], 44, 'write 1,293 WCU, scaled in to 987 at 49 min'),
    variant('none', [80, 2320], 0, 'write 100 WCU all day (no auto scaling)'),
  ]);

  it('lists each item side by side, then the totals, the part within the simulation', () => {
    const lines = text.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\s+selfheal\s+none$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^DynamoDB provisioned write capacity\s+\$15\.39\s+\$1\.56$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^Step Functions state transitions \(Standard\)\s+\$0\.0011\s+-$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^total\s+\$15\.39\s+\$1\.56$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}within the simulated 45 min\s+\$0\.4639\s+\$0\.0520$/),
    );
  });

  it('says where the prices come from, and what each variant’s rest of the day assumes', () => {
    expect(text).toMatch(/at us-east-1 list prices \(--json: cost, and costModel/);
    expect(text).toContain('The rest of the day, from 45:00 on:');
    expect(text).toContain('  selfheal: write 1,293 WCU, scaled in to 987 at 49 min');
    expect(text).toContain('  none: write 100 WCU all day (no auto scaling)');
  });
});
