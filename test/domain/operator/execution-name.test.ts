import { describe, expect, it } from 'vitest';
import { isExecutionName, operatorExecutionName } from '../../../domain/operator/execution-name.ts';

const AT = new Date('2026-01-01T08:30:00.123Z');

describe('operatorExecutionName', () => {
  it('is readable: operator-<runbook>-<time to the millisecond>', () => {
    expect(operatorExecutionName('hot-shard', AT)).toBe('operator-hot-shard-20260101T083000123Z');
  });

  it('replaces what a name cannot hold and keeps within 80 characters', () => {
    const name = operatorExecutionName(`team/${'x'.repeat(100)}: now`, AT);
    expect(name).toHaveLength(80);
    expect(name.startsWith('operator-team-xxx')).toBe(true);
    expect(name.endsWith('-20260101T083000123Z')).toBe(true);
    expect(isExecutionName(name)).toBe(true);
    expect(isExecutionName(operatorExecutionName('a b<c>{d}[e]?*"#%\\^|~`$&,;:/', AT))).toBe(true);
  });
});

describe('isExecutionName', () => {
  it.each([
    ['operator-hot-shard-20260101T083000123Z', true],
    ['local-0001', true],
    ['', false],
    ['x'.repeat(81), false],
    ['has space', false],
    ['colon:name', false],
    ['slash/name', false],
    ['tab\tname', false],
  ])('%j -> %s', (name, valid) => {
    expect(isExecutionName(name)).toBe(valid);
  });
});
