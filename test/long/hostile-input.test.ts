/**
 * Issue 17 at a larger scale than `npm test` runs: 100,000 hostile events through the signal
 * normaliser, on a new seed each run (printed in the test's name, so a failure can be replayed
 * with HOSTILE_SEED=<seed>). The same checks as test/detectors/hostile-input.property.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { normaliseHostileEvents } from '../detectors/hostile-events.ts';

const EVENTS = 100_000;
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);

describe('the signal normaliser on 100,000 hostile events', () => {
  it(`decides or rejects each by name and starts none that is invalid (seed ${SEED})`, async () => {
    const tally = await normaliseHostileEvents(EVENTS, SEED);

    expect(tally.untypedErrors.slice(0, 10)).toEqual([]);
    expect(tally.startedInvalid.slice(0, 10)).toEqual([]);
    expect(tally.badReasons.slice(0, 10)).toEqual([]);
    expect(tally.oversizedResults.slice(0, 10)).toEqual([]);
    expect(tally.events).toBe(EVENTS);
    expect(tally.rejected + tally.start + tally.ignore + tally.unhandled).toBe(EVENTS);
  }, 300_000);
});
