/**
 * `selfheal simulate <scenario> --incident FILE`: a user's own table incident, validated like any
 * input before anything runs (one line naming the field, exit 2), then simulated as the built-in
 * one is — the built-in incidents being such files themselves.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { HOT_SHARD_INCIDENT_FILE } from '../../scenarios/hot-shard/incident.ts';
import { HOT_KEY_INCIDENT, HOT_KEY_INCIDENT_FILE } from '../../scenarios/hot-key/incident.ts';
import { useCliConsole } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'selfheal-incident-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const builtIn = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;

let written = 0;
function incidentFile(content: Json | string): string {
  const file = join(dir, `incident-${written++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const console = useCliConsole();

describe('simulate --incident FILE', () => {
  it('simulates the incident the file describes: a shorter, smaller surge on the same table', async () => {
    const incident = builtIn(HOT_SHARD_INCIDENT_FILE);
    const workload = incident.workload as { phases: Json[] };
    const file = incidentFile({
      ...incident,
      description: 'a short surge to 400 writes/s',
      workload: {
        ...workload,
        phases: [
          { name: 'baseline', durationSeconds: 120, readsPerSecond: 200, writesPerSecond: 70 },
          { name: 'surge', durationSeconds: 600, readsPerSecond: 200, writesPerSecond: 400 },
        ],
      },
      incidentPhase: 'surge',
      simulatedSeconds: 900,
    });

    expect(await main(['simulate', 'hot-shard', '--incident', file, '--json'])).toBeOneOf([
      EXIT.ok,
      EXIT.failed,
    ]);
    const summary = console.take<{
      scenario: string;
      actions: { atSeconds: number }[];
      baselines: Record<
        string,
        {
          throttledRequests: number;
          failedRequests: number;
          detectedAtSeconds: number | null;
          actions: { atSeconds: number }[];
        }
      >;
    }>();
    expect(summary.scenario).toBe('hot-shard');
    // With nothing done, the alarm meets the file's surge (from 2 to 12 minutes); nothing happens
    // in any variant past the file's 15 minutes.
    expect(summary.baselines.none?.detectedAtSeconds).toBeGreaterThan(120);
    expect(summary.baselines.none?.detectedAtSeconds).toBeLessThan(720);
    const actions = [summary, ...Object.values(summary.baselines)].flatMap((variant) => variant.actions);
    expect(Math.max(...actions.map((a) => a.atSeconds))).toBeLessThan(900);
    // With no remediation, at most every write of the file's surge fails: 400/s for 600 s (the
    // built-in incident fails about 1.28 million); the SDK's retries add throttle events on top.
    expect(summary.baselines.none?.failedRequests).toBeGreaterThan(0);
    expect(summary.baselines.none?.failedRequests).toBeLessThanOrEqual(400 * 600);
    expect(summary.baselines.none?.throttledRequests).toBeGreaterThan(
      summary.baselines.none?.failedRequests ?? 0,
    );
  }, 120_000);

  it.each([
    {
      case: 'a target utilisation auto scaling does not allow',
      edit: (i: Json): Json => ({ ...i, autoScalingTargetPercent: 95 }),
      says: /incident-\d+\.json: autoScalingTargetPercent: /,
    },
    {
      case: 'an incident phase the workload does not have',
      edit: (i: Json): Json => ({ ...i, incidentPhase: 'stampede' }),
      says: /incident-\d+\.json: incidentPhase: names no phase of the workload$/,
    },
    {
      case: 'a field the incident does not have',
      edit: (i: Json): Json => ({ ...i, readCapacity: 300 }),
      says: /incident-\d+\.json: \(top\): .*readCapacity/,
    },
    {
      case: 'hot keys taking more than all the writes',
      edit: (i: Json): Json => ({
        ...i,
        workload: {
          ...(i.workload as Json),
          hotKeys: [
            { key: 'a', readShare: 0, writeShare: 0.6 },
            { key: 'b', readShare: 0, writeShare: 0.6 },
          ],
        },
      }),
      says: /workload\.hotKeys: the hot keys take more than all the writes/,
    },
  ])('refuses $case with one line naming the field, and runs nothing', async ({ edit, says }) => {
    const file = incidentFile(edit(builtIn(HOT_SHARD_INCIDENT_FILE)));

    expect(await main(['simulate', 'hot-shard', '--incident', file])).toBe(EXIT.usage);
    expect(console.err.join('\n')).toMatch(says);
    expect(console.out).toEqual([]);
  });

  it('refuses a hot key the workload does not make hot, and a file that is not JSON', async () => {
    const wrongKey = incidentFile({ ...builtIn(HOT_KEY_INCIDENT_FILE), hotKey: 'events#refunds' });
    expect(await main(['simulate', 'hot-key', '--incident', wrongKey])).toBe(EXIT.usage);
    expect(console.err.join('\n')).toMatch(/hotKey: is none of the workload's hotKeys/);

    expect(await main(['simulate', 'hot-key', '--incident', incidentFile('{ not json')])).toBe(EXIT.usage);
    expect(console.err.join('\n')).toMatch(/incident-\d+\.json: .*JSON/);
  });

  it('refuses a table the deployment does not protect, as for the built-in incidents', async () => {
    const file = incidentFile({ ...builtIn(HOT_SHARD_INCIDENT_FILE), tableName: 'carts' });

    expect(await main(['simulate', 'hot-shard', '--incident', file])).toBe(EXIT.usage);
    expect(console.err.join('\n')).toMatch(/carts/);
  });

  it('names one scenario, not all', async () => {
    const file = incidentFile(builtIn(HOT_SHARD_INCIDENT_FILE));

    expect(await main(['simulate', 'all', '--incident', file])).toBe(EXIT.usage);
    expect(console.err.join('\n')).toMatch(/--incident names the incident of one scenario, not of all/);
  });

  it("refuses another scenario's incident with one line naming the field", async () => {
    const file = incidentFile(builtIn(HOT_SHARD_INCIDENT_FILE));

    expect(await main(['simulate', 'sqs-backpressure', '--incident', file])).toBe(EXIT.usage);
    expect(console.err).toHaveLength(1);
    expect(console.err[0]?.startsWith(`selfheal: ${file}: `)).toBe(true);
  });

  it('reads the built-in incidents from their files, as it would a user’s', () => {
    expect(HOT_KEY_INCIDENT).toMatchObject({
      tableName: 'events',
      hotKey: 'events#checkout',
      existingItems: 500,
    });
  });
});
