/** What the bundling hooks write beside a function's bundle arrives there byte for byte. */
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFiles } from '../../infra/constructs/task-function.ts';
import { routingOf } from '../../infra/config/derived.ts';
import { routingFromEnvironment } from '../../detectors/routing/routes.ts';
import { exampleConfig } from '../support/selfheal-stack.ts';

describe('files written into a bundle', () => {
  it('carries the routing, quotes and all, so the routing task reads what the config said', () => {
    const out = mkdtempSync(join(tmpdir(), 'selfheal-bundle-'));
    const routing = JSON.stringify(routingOf(exampleConfig()));
    for (const command of writeFiles({ 'routing.json': routing }).afterBundling('/in', out))
      execSync(command);
    expect(readFileSync(join(out, 'routing.json'), 'utf8')).toBe(routing);
    expect(routingFromEnvironment({ SELFHEAL_ROUTING_FILE: 'routing.json', LAMBDA_TASK_ROOT: out })).toEqual(
      routingOf(exampleConfig()),
    );
  });

  it('refuses a file name that could escape the bundle', () => {
    expect(() => writeFiles({ '../evil': 'x' }).afterBundling('/in', '/out')).toThrow(
      /not a plain file name/,
    );
  });
});
