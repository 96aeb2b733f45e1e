/** The engine's functions are the bundles the CDK app deploys unless the sources are asked for. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFunctionTable } from '../../local/functions.ts';
import { functionName, TASK_FUNCTIONS } from '../../runbooks/catalogue.ts';
import { BUNDLES_DIR, bundleName, REPOSITORY_ROOT } from '../../packaging/handler-bundles.ts';
import { VirtualClock } from '../../core/virtual-clock.ts';
import type { LocalPorts } from '../../local/task-ports.ts';

/** No task is called here: the table is only built, so the ports are never touched. */
const PORTS = { now: () => new VirtualClock().now() } as unknown as LocalPorts;

describe('the local function table', () => {
  it('runs every task on its handler module’s deployed bundle by default', async () => {
    const table = await localFunctionTable(PORTS);

    expect(table.names().sort()).toEqual(TASK_FUNCTIONS.map((t) => functionName(t.id)).sort());
    for (const task of TASK_FUNCTIONS) {
      expect(table.origin?.(functionName(task.id))).toBe(
        join(BUNDLES_DIR, bundleName(task.entry), 'index.mjs'),
      );
    }
  });

  it('runs the TypeScript sources when asked', async () => {
    const table = await localFunctionTable(PORTS, 'sources');

    for (const task of TASK_FUNCTIONS) {
      expect(table.origin?.(functionName(task.id))).toBe(join(REPOSITORY_ROOT, task.entry));
    }
  });
});
