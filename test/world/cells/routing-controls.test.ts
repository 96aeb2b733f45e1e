import { describe, expect, it } from 'vitest';
import type { RoutingControlState } from '@aws-sdk/client-route53-recovery-cluster';
import {
  createRoutingControlCluster,
  parseRoutingControlArn,
  routingControlArn,
  type RoutingControlClusterOptions,
} from '../../../world/cells/routing-controls.ts';

const START = Date.UTC(2026, 0, 1, 12, 0);
const CELLS = ['checkout-cell-1', 'checkout-cell-2', 'checkout-cell-3', 'checkout-cell-4'];
const PANEL = 'arn:aws:route53-recovery-control::123456789012:controlpanel/cells';
const arn = (cell: string) => `${PANEL}/routingcontrol/${cell}`;

function cluster(overrides: Partial<RoutingControlClusterOptions> = {}) {
  let now = START;
  const controls = createRoutingControlCluster({ clock: { now: () => now }, cells: CELLS, ...overrides });
  return { controls, advanceMinutes: (minutes: number) => (now += minutes * 60_000) };
}

/** An update entry; the state is typed loosely so a test can send one ARC must refuse. */
const set = (cell: string, state: RoutingControlState | 'OFF') => ({
  RoutingControlArn: arn(cell),
  RoutingControlState: state as RoutingControlState,
});

/** The error a call rejected with, to check its AWS name and message. */
async function failure(call: Promise<unknown>): Promise<Error & { reason?: string }> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('routing control ARNs', () => {
  it('are made and read back, one per cell, named after it', () => {
    const parts = { accountId: '123456789012', controlPanelId: 'cells', routingControlId: 'checkout-cell-1' };

    expect(routingControlArn(parts)).toBe(arn('checkout-cell-1'));
    expect(parseRoutingControlArn(arn('checkout-cell-1'))).toEqual(parts);
    expect(parseRoutingControlArn('arn:aws:sqs:eu-west-1:123456789012:queue')).toBeUndefined();
    expect(() => routingControlArn({ ...parts, routingControlId: 'a/b' })).toThrow(RangeError);
  });
});

describe('a simulated ARC cluster', () => {
  it('starts with every control On and answers GetRoutingControlState in the SDK’s shape', async () => {
    const { controls } = cluster();

    expect(controls.routingControlArn('checkout-cell-2')).toBe(arn('checkout-cell-2'));
    expect(await controls.getRoutingControlState({ RoutingControlArn: arn('checkout-cell-2') })).toEqual({
      RoutingControlArn: arn('checkout-cell-2'),
      RoutingControlState: 'On',
      RoutingControlName: 'checkout-cell-2',
    });
    expect(CELLS.map((cell) => controls.stateOf(cell))).toEqual(['On', 'On', 'On', 'On']);
  });

  it('turns a control Off and logs the change at the virtual time it was accepted', async () => {
    const { controls, advanceMinutes } = cluster();
    advanceMinutes(7);

    expect(
      await controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [set('checkout-cell-3', 'Off')],
      }),
    ).toEqual({});
    const read = await controls.getRoutingControlState({ RoutingControlArn: arn('checkout-cell-3') });

    expect(read.RoutingControlState).toBe('Off');
    expect(controls.changes).toEqual([
      {
        atMs: START + 7 * 60_000,
        cell: 'checkout-cell-3',
        routingControlArn: arn('checkout-cell-3'),
        from: 'On',
        to: 'Off',
      },
    ]);
  });

  it('keeps the history DNS follows: each control’s state at any past moment', async () => {
    const { controls, advanceMinutes } = cluster();
    advanceMinutes(5);
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off')],
    });
    advanceMinutes(10);
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'On')],
    });

    const at = (minute: number) => controls.stateAt('checkout-cell-1', START + minute * 60_000);
    expect([at(0), at(4.99), at(5), at(14), at(15), at(30)]).toEqual(['On', 'On', 'Off', 'Off', 'On', 'On']);
    expect(controls.stateAt('checkout-cell-2', START + 10 * 60_000)).toBe('On');
  });

  it('logs no change for an update that leaves a control as it was', async () => {
    const { controls } = cluster();

    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'On')],
    });

    expect(controls.changes).toEqual([]);
  });

  it('answers an unknown routing control with ResourceNotFoundException', async () => {
    const { controls } = cluster();
    const unknown = `${PANEL}/routingcontrol/checkout-cell-9`;

    const read = await failure(controls.getRoutingControlState({ RoutingControlArn: unknown }));
    const update = await failure(
      controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [{ RoutingControlArn: unknown, RoutingControlState: 'Off' }],
      }),
    );

    expect(read.name).toBe('ResourceNotFoundException');
    expect(update.name).toBe('ResourceNotFoundException');
    expect(update.message).toContain(unknown);
  });

  it('refuses a state other than On or Off, an empty update and a control named twice (ValidationException)', async () => {
    const { controls } = cluster();
    const refused = [
      controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'OFF')],
      }),
      controls.updateRoutingControlStates({ UpdateRoutingControlStateEntries: [] }),
      controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off'), set('checkout-cell-1', 'On')],
      }),
      controls.getRoutingControlState({ RoutingControlArn: undefined }),
    ];

    for (const call of refused) {
      const error = await failure(call);
      expect(error.name).toBe('ValidationException');
      expect(error.reason).toBe('fieldValidationFailed');
    }
    expect(controls.stateOf('checkout-cell-1')).toBe('On');
  });

  it('applies an update of several controls atomically: one bad entry, nothing changes', async () => {
    const { controls } = cluster();

    const error = await failure(
      controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [
          set('checkout-cell-1', 'Off'),
          { RoutingControlArn: `${PANEL}/routingcontrol/nope`, RoutingControlState: 'Off' },
        ],
      }),
    );
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off'), set('checkout-cell-2', 'Off')],
    });

    expect(error.name).toBe('ResourceNotFoundException');
    expect(controls.changes.map((c) => [c.cell, c.to])).toEqual([
      ['checkout-cell-1', 'Off'],
      ['checkout-cell-2', 'Off'],
    ]);
  });
});

describe('an assertion safety rule: at least N controls On', () => {
  const rule = { name: 'min-cells-on', atLeast: 3 };

  it('lets an update through while enough controls stay On', async () => {
    const { controls } = cluster({ safetyRules: [rule] });

    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off')],
    });

    expect(controls.stateOf('checkout-cell-1')).toBe('Off');
  });

  it('refuses one that would leave fewer On, with ValidationException, and changes nothing', async () => {
    const { controls } = cluster({ safetyRules: [rule] });
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off')],
    });

    const error = await failure(
      controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [set('checkout-cell-2', 'Off')],
      }),
    );

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(`${PANEL}/safetyrule/min-cells-on`);
    expect(error.message).toContain('at least 3 of 4');
    expect(CELLS.map((cell) => controls.stateOf(cell))).toEqual(['Off', 'On', 'On', 'On']);
    expect(controls.changes).toHaveLength(1);
  });

  it('judges a multi-control update as a whole: refused entirely if the result breaks the rule', async () => {
    const { controls } = cluster({ safetyRules: [rule] });

    const refused = await failure(
      controls.updateRoutingControlStates({
        UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off'), set('checkout-cell-2', 'Off')],
      }),
    );
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off')],
    });
    // Swapping which cell is Off leaves three On throughout: allowed as one update.
    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'On'), set('checkout-cell-2', 'Off')],
    });

    expect(refused.name).toBe('ValidationException');
    expect(CELLS.map((cell) => controls.stateOf(cell))).toEqual(['On', 'Off', 'On', 'On']);
  });

  it('is bypassed only when the request names it in SafetyRulesToOverride (break glass)', async () => {
    const { controls } = cluster({ safetyRules: [rule] });

    await controls.updateRoutingControlStates({
      UpdateRoutingControlStateEntries: [set('checkout-cell-1', 'Off'), set('checkout-cell-2', 'Off')],
      SafetyRulesToOverride: [controls.safetyRuleArn('min-cells-on')],
    });

    expect(controls.stateOf('checkout-cell-2')).toBe('Off');
  });

  it('cannot be set up so that it could never hold', () => {
    expect(() =>
      createRoutingControlCluster({
        clock: { now: () => START },
        cells: CELLS,
        safetyRules: [{ name: 'r', atLeast: 5 }],
      }),
    ).toThrow('Invalid routing control cluster: safety rule r needs 1..4 controls On, not 5');
  });
});
