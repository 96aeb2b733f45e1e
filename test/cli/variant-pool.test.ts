/**
 * `selfheal simulate` runs a scenario's variants side by side (cli/variant-pool.ts): in this
 * thread and in worker threads. Where a variant runs changes nothing of what is printed, a
 * worker's failure comes back by name, and the selfheal runs go first.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import { VariantPool, type VariantRequest, type VariantRun } from '../../cli/variant-pool.ts';

const printed = async (argv: string[]): Promise<{ code: number; out: string }> => {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return { code: await main(argv), out: out.join('\n') };
  } finally {
    vi.restoreAllMocks();
  }
};

describe('variants side by side', () => {
  let pool: VariantPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('prints the same report and summary with three variants at once as one after the other', async () => {
    const scenario = ['simulate', 'cell-shift-fleet-slowdown', '--seed', '5'];
    const apart = await printed([...scenario, '--jobs', '3']);
    const inTurn = await printed([...scenario, '--jobs', '1']);
    expect(apart).toEqual(inTurn);
    expect(apart.code).toBe(EXIT.ok);
    const json = await printed([...scenario, '--json', '--jobs', '3']);
    expect(json).toEqual(await printed([...scenario, '--json', '--jobs', '1']));
  }, 60_000);

  it('runs a variant in a worker thread as in this one, and brings back a failure by its name', async () => {
    pool = new VariantPool(1);
    const request: VariantRequest = { scenario: 'cell-shift-fleet-slowdown', variant: 'none', seed: 1 };
    const failed = pool.run({ ...request, scenario: 'no-such-scenario' });
    await expect(failed).rejects.toMatchObject({
      name: 'Error',
      message: 'no scenario "no-such-scenario" runs its variants apart',
    });
    // The worker goes on to the next request.
    const run = await pool.run(request);
    expect(run.result).toMatchObject({ variant: 'none' });
    expect(run.alarms).toEqual([]);
  }, 60_000);

  it('starts the selfheal runs before the baselines already waiting', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const inThread = async (request: VariantRequest): Promise<VariantRun> => {
      order.push(`${request.scenario}/${request.variant}`);
      if (order.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return { result: request.variant, alarms: [] };
    };
    // One place, in this thread: no worker starts.
    pool = new VariantPool(1, { inThread });
    const runs = [
      pool.run({ scenario: 'a', variant: 'selfheal', seed: 1 }),
      pool.run({ scenario: 'a', variant: 'none', seed: 1 }),
      pool.run({ scenario: 'b', variant: 'none', seed: 1 }),
      pool.run({ scenario: 'b', variant: 'selfheal', seed: 1 }),
    ];
    release();
    await Promise.all(runs);
    expect(order).toEqual(['a/selfheal', 'b/selfheal', 'a/none', 'b/none']);
  });

  it('refuses a pool of no places, and a request once closed', async () => {
    expect(() => new VariantPool(0)).toThrow(RangeError);
    const closed = new VariantPool(1);
    await closed.close();
    await expect(closed.run({ scenario: 'a', variant: 'none', seed: 1 })).rejects.toThrow(
      'the variant pool is closed',
    );
  });
});
