import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  runCellShift,
  CELL_VARIANTS,
  MANUAL_APPROVAL_SECONDS,
  type CellVariantResult,
} from '../../scenarios/cell-shift/run.ts';
import { ON_CALL_DELAY_SECONDS } from '../../scenarios/cell-shift/on-call.ts';
import {
  FLEET_SLOWDOWN_INCIDENT,
  FLEET_SLOWDOWN_INCIDENT_FILE,
  GREY_CELL as GREY,
  GREY_CELL_INCIDENT,
  GREY_CELL_INCIDENT_FILE,
  readCellShiftIncident,
  type CellIncident,
} from '../../scenarios/cell-shift/incident.ts';
import { IncidentFileError } from '../../scenarios/table/incident-file.ts';
import { exampleDeployment } from '../../simulations/deployment.ts';
import {
  DEFAULT_DNS_RECORD_TTL_SECONDS,
  DEFAULT_XRAY_STATISTICS_DELAY_SECONDS,
} from '../../world/cells/world-parameters.ts';

const FAULT_START = 5 * 60;
const FAULT_END = GREY_CELL_INCIDENT.faultEndMinute * 60;
const greyOf = (minute: CellVariantResult['timeline'][number] | undefined) =>
  minute?.cells.find((c) => c.cell === GREY);
const shiftRuns = (result: CellVariantResult) =>
  result.runs.filter((run) => run.executionArn.includes(':execution:cell-traffic-shift:'));

describe('the cell-shift incident, simulated end to end in AWS’s DNS and X-Ray as documented', () => {
  let selfheal: CellVariantResult;
  let none: CellVariantResult;
  let onCall: CellVariantResult;
  let quickOnCall: CellVariantResult;

  beforeAll(async () => {
    selfheal = await runCellShift({ seed: 1, variant: 'selfheal', approve: 'auto' });
    none = await runCellShift({ seed: 1, variant: 'none' });
    onCall = await runCellShift({ seed: 1, variant: 'on-call' });
    quickOnCall = await runCellShift({ seed: 1, variant: 'on-call', onCallDelaySeconds: 5 * 60 });
  }, 120_000);

  it('runs selfheal, the on-call engineer and nothing', () => {
    expect(CELL_VARIANTS).toEqual(['selfheal', 'on-call', 'none']);
  });

  it('detects the grey cell at the detector’s first run that X-Ray shows a whole minute of the fault to', () => {
    // Minute 5 ends at 06:00 and can be read 30 s later: the run at 07:00 is the first to see it.
    expect(DEFAULT_XRAY_STATISTICS_DELAY_SECONDS).toBe(30);
    const readable = FAULT_START + 60 + DEFAULT_XRAY_STATISTICS_DELAY_SECONDS;
    expect(selfheal.detectedAtSeconds).toBe(Math.ceil(readable / 60) * 60);
    expect(onCall.detectedAtSeconds).toBe(selfheal.detectedAtSeconds);
  });

  it('has the on-call engineer flip the grey cell off by hand at the page plus the delay, not before, and back on the delay after the fault', () => {
    // Paged by the same detector's incident, at the same minute selfheal is started.
    expect(ON_CALL_DELAY_SECONDS).toBe(15 * 60);
    const paged = onCall.detectedAtSeconds ?? NaN;
    expect(onCall.shiftedAtSeconds).toBe(paged + ON_CALL_DELAY_SECONDS);
    expect(onCall.timeToShiftSeconds).toBe(ON_CALL_DELAY_SECONDS);
    expect(onCall.shiftedBackAtSeconds).toBe(FAULT_END + ON_CALL_DELAY_SECONDS);
    expect(onCall.actions).toEqual([
      {
        atSeconds: paged + ON_CALL_DELAY_SECONDS,
        by: 'operator',
        what: `routing control of ${GREY} On -> Off (by hand)`,
      },
      {
        atSeconds: FAULT_END + ON_CALL_DELAY_SECONDS,
        by: 'operator',
        what: `routing control of ${GREY} Off -> On (by hand)`,
      },
    ]);
    // Until then every cell takes its share: nothing moved before the engineer acted.
    const before = onCall.timeline.filter((m) => (m.minute + 1) * 60 <= paged + ON_CALL_DELAY_SECONDS);
    expect(before.every((m) => m.cells.every((c) => c.state === 'On' && c.sharePercent === 20))).toBe(true);
    expect(onCall).toMatchObject({
      healed: true,
      trafficBack: true,
      runs: [],
      signals: [],
      ledger: [],
      stateTransitions: 0,
    });
    // The delay is the scenario's to set.
    expect(quickOnCall.shiftedAtSeconds).toBe(paged + 5 * 60);
    expect(quickOnCall.shiftedBackAtSeconds).toBe(FAULT_END + 5 * 60);
  });

  it('moves the traffic as the clients’ DNS answers expire: half of it in the minute of a change, all of it by the next', () => {
    expect(DEFAULT_DNS_RECORD_TTL_SECONDS).toBe(60);
    const offMinute = (onCall.shiftedAtSeconds ?? NaN) / 60;
    const onMinute = (onCall.shiftedBackAtSeconds ?? NaN) / 60;
    const minute = (m: number) => onCall.timeline.find((row) => row.minute === m);

    // Changed on the minute's first second, a 60 s TTL: on average half the clients still have the
    // old answer over that minute, none over the next.
    expect(greyOf(minute(offMinute))).toMatchObject({ state: 'Off', sharePercent: 10 });
    expect(greyOf(minute(offMinute))?.requests).toBeGreaterThan(0);
    expect(greyOf(minute(offMinute + 1))).toMatchObject({ state: 'Off', sharePercent: 0, requests: 0 });
    expect(
      minute(offMinute + 1)
        ?.cells.filter((c) => c.cell !== GREY)
        .map((c) => c.sharePercent),
    ).toEqual([25, 25, 25, 25]);
    expect(greyOf(minute(onMinute))).toMatchObject({ state: 'On', sharePercent: 10 });
    expect(minute(onMinute + 1)?.cells.map((c) => c.sharePercent)).toEqual([20, 20, 20, 20, 20]);
  });

  it('fails fewer requests the sooner the on-call engineer shifts, and most with nothing done', () => {
    expect(quickOnCall.failedRequests).toBeLessThan(onCall.failedRequests);
    expect(onCall.failedRequests).toBeLessThan(none.failedRequests);
    expect(none).toMatchObject({ healed: false, actions: [], runs: [] });
  });

  it('keeps the shift while the cell is grey: each check judges only minutes X-Ray has shown, and waits for them', () => {
    // X-Ray shows a minute 30 s after it ends: the runbook's checks wait for a minute after the
    // change to be shown instead of counting a missing bucket as a failed check
    // (domain/cells/shift/verify.ts), so the shift is verified and held until the cell recovers.
    const runs = shiftRuns(selfheal);
    expect(runs).toMatchObject([{ status: 'SUCCEEDED', outcome: 'shifted-back' }]);
    const offs = selfheal.actions.filter((a) => a.what.endsWith('On -> Off'));
    const ons = selfheal.actions.filter((a) => a.what.endsWith('Off -> On'));
    expect(offs).toHaveLength(1);
    expect(ons).toHaveLength(1);
    // Off from the first minutes of the grey failure until after it ended (and the bake).
    expect(offs[0]?.atSeconds).toBeLessThan(FAULT_START + 3 * 60);
    expect(ons[0]?.atSeconds).toBeGreaterThan(FAULT_END);
    expect(selfheal.healed).toBe(true);
    expect(selfheal.trafficBack).toBe(true);
    // Far fewer failed requests than the on-call engineer's, who shifts 15 minutes after the page.
    expect(selfheal.failedRequests).toBeLessThan(0.3 * onCall.failedRequests);
  });

  it('takes the production path: the detector’s incident, through its rule, to dispatch, which hands the shift over', () => {
    const [dispatch, shift] = selfheal.runs;
    expect(dispatch).toMatchObject({
      executionArn: expect.stringMatching(/:execution:dispatch:/),
      status: 'SUCCEEDED',
      startedAtSeconds: selfheal.detectedAtSeconds,
    });
    expect(dispatch?.states.map((s) => s.name)).toContain('Start the cell-traffic-shift runbook');
    expect(shift).toMatchObject({
      executionArn: expect.stringMatching(/:execution:cell-traffic-shift:/),
      parentExecutionArn: dispatch?.executionArn,
    });
    expect(selfheal.signals[0]).toEqual(
      expect.objectContaining({
        source: 'selfheal.detectors',
        detailType: 'Cell Grey Failure Detected',
        rules: ['selfheal-grey-cells'],
        dispatched: [dispatch?.executionArn],
      }),
    );
    // Dispatch's record and the runbook's, in whichever order their tasks end.
    const first = selfheal.ledger.slice(0, 3);
    expect(first.map((r) => r.resource)).toEqual([`cell/${GREY}`, `cell/${GREY}`, `cell/${GREY}`]);
    expect(first.map((r) => r.decision).sort()).toEqual(['handed-over', 'recorded', 'started']);
    expect(first.find((r) => r.decision === 'handed-over')?.executionArn).toBe(shift?.executionArn);
    expect(none).toMatchObject({ runs: [], signals: [], ledger: [] });
  });

  it('takes no action when the whole fleet slows down together, and pages no one', async () => {
    const paged = await runCellShift({ seed: 1, variant: 'on-call', incident: FLEET_SLOWDOWN_INCIDENT });
    // Nothing healed it (the requests failed all the same), and rightly nothing was shifted.
    expect(paged).toMatchObject({
      detectedAtSeconds: null,
      actions: [],
      healed: false,
      outcome: 'left-alone',
      resource: 'fleet/checkout',
    });
    const slowdown = await runCellShift({ seed: 1, variant: 'selfheal', incident: FLEET_SLOWDOWN_INCIDENT });
    expect(slowdown.detectedAtSeconds).toBeNull();
    expect(slowdown.actions).toEqual([]);
    expect(slowdown.runs).toEqual([]);
    expect(slowdown.signals).toEqual([]);
    expect(slowdown).toMatchObject({ healed: false, outcome: 'left-alone', detectedBy: null });
    expect(slowdown.failedRequests).toBeGreaterThan(0);
    expect(slowdown.timeline.every((m) => m.cells.every((c) => c.state === 'On'))).toBe(true);
  }, 60_000);
});

describe('the same incident with X-Ray’s statistics readable the moment a minute ends (xrayStatisticsDelaySeconds 0)', () => {
  const readAtOnce: CellIncident = {
    ...GREY_CELL_INCIDENT,
    world: { ...GREY_CELL_INCIDENT.world, xrayStatisticsDelaySeconds: 0 },
  };
  let selfheal: CellVariantResult;
  let manual: CellVariantResult;
  let onCall: CellVariantResult;
  let none: CellVariantResult;

  beforeAll(async () => {
    selfheal = await runCellShift({ seed: 1, variant: 'selfheal', incident: readAtOnce });
    manual = await runCellShift({ seed: 1, variant: 'selfheal', approve: 'manual', incident: readAtOnce });
    onCall = await runCellShift({ seed: 1, variant: 'on-call', incident: readAtOnce });
    none = await runCellShift({ seed: 1, variant: 'none', incident: readAtOnce });
  }, 120_000);

  it('detects the grey cell at the run after its first minute, and shifts it at once', () => {
    expect(selfheal.detectedAtSeconds).toBe(FAULT_START + 60);
    // At once: no approval to wait for, only the tasks' own time.
    expect(selfheal.timeToShiftSeconds).toBeLessThan(60);
    expect(shiftRuns(selfheal)).toMatchObject([{ status: 'SUCCEEDED', outcome: 'shifted-back' }]);
  });

  it('keeps the cell off while it is grey, its traffic gone from the minute after the shift, and fails far fewer requests', () => {
    const shiftedAt = selfheal.shiftedAtSeconds ?? NaN;
    // From the minute the shift falls in (the control reads Off from the next minute's start).
    const off = selfheal.timeline.filter(
      (m) => (m.minute + 1) * 60 > shiftedAt && m.minute * 60 < (selfheal.shiftedBackAtSeconds ?? 0),
    );
    expect(off.length).toBeGreaterThan(20);
    // The minute the shift falls in still carries about half its clients' requests (the TTL)…
    expect(greyOf(off[0])?.sharePercent).toBeGreaterThanOrEqual(10);
    expect(greyOf(off[0])?.sharePercent).toBeLessThan(20);
    // …and once the TTL has run out since the shift, none.
    const drained = off.filter(
      (m) =>
        m.minute * 60 >= shiftedAt + DEFAULT_DNS_RECORD_TTL_SECONDS &&
        (m.minute + 1) * 60 <= (selfheal.shiftedBackAtSeconds ?? 0),
    );
    expect(drained.length).toBeGreaterThan(20);
    for (const minute of drained) {
      expect(greyOf(minute)).toMatchObject({ state: 'Off', requests: 0, faults: 0, sharePercent: 0 });
    }
    expect(selfheal.failedRequests).toBeLessThan(onCall.failedRequests);
    expect(onCall.failedRequests).toBeLessThan(none.failedRequests);
    expect(selfheal.failedRequests).toBeLessThan(none.failedRequests / 5);
  });

  it('turns the cell back on only after the fault has ended and the bake time has passed, and its traffic returns', () => {
    const bake = exampleDeployment().config.fleets.checkout?.recovery.bakeSeconds ?? Infinity;
    expect(selfheal.shiftedBackAtSeconds).toBeGreaterThanOrEqual(FAULT_END + bake);
    expect(selfheal).toMatchObject({ healed: true, trafficBack: true });
    expect(selfheal.timeline.at(-1)?.cells.map((c) => c.sharePercent)).toEqual([20, 20, 20, 20, 20]);
    expect(selfheal.actions.map((a) => a.what)).toEqual([
      `routing control of ${GREY} On -> Off`,
      `routing control of ${GREY} Off -> On`,
    ]);
  });

  it('shifts later, and fails more requests, when a person approves five minutes after being paged', () => {
    expect(manual.timeToShiftSeconds).toBeGreaterThanOrEqual(MANUAL_APPROVAL_SECONDS);
    expect(manual.timeToShiftSeconds).toBeLessThan(MANUAL_APPROVAL_SECONDS + 60);
    expect(manual.failedRequests).toBeGreaterThan(selfheal.failedRequests);
    expect(manual.failedRequests).toBeLessThan(none.failedRequests);
  });
});

describe('a cell incident file (`--incident FILE.json`)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'selfheal-cell-incident-'));
    return () => rm(dir, { recursive: true, force: true });
  });
  /** The built-in file's content, afresh, for a test to change. */
  type Raw = {
    cells: Record<string, unknown>[];
    faults: Record<string, unknown>[];
    world: Record<string, unknown> & { xraySampling: Record<string, unknown> };
  } & Record<string, unknown>;
  const builtIn = (): Raw => JSON.parse(readFileSync(GREY_CELL_INCIDENT_FILE, 'utf8')) as Raw;
  const write = async (name: string, content: unknown) => {
    const file = join(dir, name);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('is how the built-in incidents are given: the grey cell and the fleet-wide slowdown', () => {
    expect(readCellShiftIncident(GREY_CELL_INCIDENT_FILE)).toEqual(GREY_CELL_INCIDENT);
    expect(readCellShiftIncident(FLEET_SLOWDOWN_INCIDENT_FILE)).toEqual(FLEET_SLOWDOWN_INCIDENT);
    expect(GREY_CELL_INCIDENT).toMatchObject({
      name: 'cell-shift',
      startMs: Date.UTC(2026, 10, 23, 9, 0, 0),
      simulatedSeconds: 3600,
      fleetName: 'checkout',
      faults: [
        { kind: 'grey-cell', cell: GREY, faultRate: 0.2, latencyFactor: 3, fromMinute: 5, untilMinute: 35 },
      ],
      faultEndMinute: 35,
      bakeSeconds: 300,
      // The rule the rehearsed deployment declares (tracedShare 1); DNS and X-Ray delays: AWS's.
      world: { xraySampling: { reservoirPerSecond: 0, fixedRate: 1 } },
    });
    expect(GREY_CELL_INCIDENT.cells).toHaveLength(5);
    expect(new Set(GREY_CELL_INCIDENT.cells.map((c) => c.capacityRps))).toEqual(new Set([250]));
  });

  it('reads a user’s fleet, faults and world, and runs on it', async () => {
    const mine = {
      ...builtIn(),
      simulatedSeconds: 600,
      faults: [{ kind: 'grey-cell', cell: 'checkout-cell-2', fromMinute: 2, untilMinute: 8, faultRate: 0.5 }],
      faultEndMinute: 8,
      world: { dnsRecordTtlSeconds: 0, xraySampling: { reservoirPerSecond: 1, fixedRate: 0.05 } },
    };

    const incident = readCellShiftIncident(await write('mine.json', mine));

    expect(incident).toMatchObject({ simulatedSeconds: 600, world: { dnsRecordTtlSeconds: 0 } });
    const result = await runCellShift({ seed: 2, variant: 'none', incident });
    expect(result.timeline).toHaveLength(10);
    // Six minutes of half the grey cell's 100 requests a second failing.
    expect(result.failedRequests).toBeGreaterThan(6 * 60 * 100 * 0.4);
  });

  it('refuses a file that is not JSON, naming the file', async () => {
    const file = await write('not-json.json', '{ "name": ');

    expect(() => readCellShiftIncident(file)).toThrow(IncidentFileError);
    expect(() => readCellShiftIncident(file)).toThrow(new RegExp(`^${file}: .*JSON`));
  });

  it.each<[string, (raw: Raw) => void, RegExp]>([
    ['an unknown field', (raw) => (raw.extra = 1), /\(top\): Unrecognized key: "extra"$/],
    ['a missing field', (raw) => delete raw.fleetName, /fleetName: /],
    ['two cells', (raw) => (raw.cells = raw.cells.slice(0, 2)), /cells: at least 3 cells/],
    [
      'a cell name with a slash',
      (raw) => (raw.cells[0] = { ...raw.cells[0], name: 'a/b' }),
      /cells\.0\.name: a cell name is/,
    ],
    [
      'a cell named twice',
      (raw) => (raw.cells[0] = { ...raw.cells[0], name: 'checkout-cell-2' }),
      /cells\.1\.name: checkout-cell-2 is named twice$/,
    ],
    [
      'a p99 under the median',
      (raw) => (raw.cells[1] = { ...raw.cells[1], p99Ms: 10 }),
      /cells\.1\.p99Ms: must be at least p50Ms$/,
    ],
    [
      'a grey cell the fleet lacks',
      (raw) => (raw.faults[0] = { ...raw.faults[0], cell: 'checkout-cell-9' }),
      /faults\.0\.cell: is none of the cells$/,
    ],
    [
      'a fault ending as it starts',
      (raw) => (raw.faults[0] = { ...raw.faults[0], untilMinute: 5 }),
      /faults\.0\.untilMinute: must be after fromMinute$/,
    ],
    ['a run of 90 seconds', (raw) => (raw.simulatedSeconds = 90), /simulatedSeconds: /],
    [
      'a fault end after the run',
      (raw) => (raw.faultEndMinute = 61),
      /faultEndMinute: is after the simulation's end \(minute 60\)$/,
    ],
    [
      'a sampling rate above 1',
      (raw) => (raw.world.xraySampling.fixedRate = 1.5),
      /world\.xraySampling\.fixedRate: /,
    ],
    [
      'a reservoir of half a request',
      (raw) => (raw.world.xraySampling.reservoirPerSecond = 0.5),
      /world\.xraySampling\.reservoirPerSecond: /,
    ],
    ['a negative TTL', (raw) => (raw.world.dnsRecordTtlSeconds = -1), /world\.dnsRecordTtlSeconds: /],
  ])('refuses %s with one line naming the field', async (what, breakIt, message) => {
    const raw = builtIn();
    breakIt(raw);
    const file = await write(`${what.replaceAll(' ', '-')}.json`, raw);

    let error: unknown;
    try {
      readCellShiftIncident(file);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(IncidentFileError);
    const text = (error as Error).message;
    expect(text.startsWith(`${file}: `)).toBe(true);
    expect(text.slice(file.length + 2)).toMatch(message);
    expect(text).not.toContain('\n');
  });
});
