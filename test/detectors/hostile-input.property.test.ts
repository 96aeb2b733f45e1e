/**
 * Issue 17, "Hostile input at scale": 10,000 generated events (the real examples with fields
 * deleted, retyped, made hostile, about unknown resources, nested deep or over 256 KB, and free-form
 * JSON) through the task dispatch's "Read the signal" state runs. Every one ends in a decision or a
 * named InvalidSignalError, never another error; an invalid event never starts a runbook; and what
 * the ledger keeps of it (the rejection's `InvalidSignalError: message`, or the decision's reason)
 * is one short line, not JSON and not a stack.
 */
import { describe, expect, it } from 'vitest';
import { normaliseHostileEvents } from './hostile-events.ts';

const EVENTS = 10_000;

describe('the signal normaliser on 10,000 hostile events', () => {
  it('decides or rejects each by name, starts none that is invalid, and keeps one line for the ledger', async () => {
    const tally = await normaliseHostileEvents(EVENTS, 17);

    expect(tally.untypedErrors.slice(0, 10)).toEqual([]);
    expect(tally.untypedErrors).toHaveLength(0);
    expect(tally.startedInvalid.slice(0, 10)).toEqual([]);
    expect(tally.startedInvalid).toHaveLength(0);
    expect(tally.badReasons.slice(0, 10)).toEqual([]);
    expect(tally.badReasons).toHaveLength(0);
    expect(tally.oversizedResults.slice(0, 10)).toEqual([]);
    expect(tally.oversizedResults).toHaveLength(0);
    expect(tally.events).toBe(EVENTS);
    // The generator reaches every outcome, not only rejections.
    expect(tally.rejected).toBeGreaterThan(EVENTS / 4);
    expect(tally.start).toBeGreaterThan(EVENTS / 50);
    expect(tally.unhandled).toBeGreaterThan(EVENTS / 50);
    expect(tally.ignore).toBeGreaterThan(0);
  });
});
