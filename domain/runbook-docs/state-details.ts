/**
 * One state's section of a runbook page: what it is, what it calls, how it retries and recovers,
 * how long it may take, and where it goes next, each as a bullet a reviewer can check against the
 * ASL.
 */
import type { AslState } from '../../engine/asl.ts';
import { scopeTitle, type GraphState, type RunbookGraph, type Scope, type Transition } from './graph.ts';
import { capitalize, code, inline, link, seconds } from './markdown-text.ts';
import { describeResource, type ResourceNames } from './resources.ts';
import { ruleInWords } from './rules.ts';

export interface PageContext {
  graph: RunbookGraph;
  names: ResourceNames;
  /** Heading anchor by state name. */
  anchors: ReadonlyMap<string, string>;
}

type Retrier = NonNullable<Extract<AslState, { Type: 'Task' }>['Retry']>[number];

/** Optional fields read by name: the engine's types leave some out (HeartbeatSeconds) or split them by union. */
const field = (state: AslState, key: string): unknown =>
  (state as object as Readonly<Record<string, unknown>>)[key];
const numberField = (state: AslState, key: string): number | undefined => {
  const value = field(state, key);
  return typeof value === 'number' ? value : undefined;
};
const stringField = (state: AslState, key: string): string | undefined => {
  const value = field(state, key);
  return typeof value === 'string' ? value : undefined;
};

const bullet = (label: string, text: string): string => `- **${label}:** ${text}`;
const goTo = (ctx: PageContext, name: string): string => link(name, ctx.anchors.get(name) as string);

const scopeName = (ctx: PageContext, scope: Scope): string =>
  `${scopeTitle(scope)} of ${goTo(ctx, scope.container as string)}`;

/** A seconds value or the path it is read from. */
function duration(state: AslState, key: string, what: string): string | undefined {
  const value = numberField(state, key);
  if (value !== undefined) return seconds(value);
  const path = stringField(state, `${key}Path`);
  return path === undefined ? undefined : `the ${what} in ${code(path)}`;
}

function retry(r: Retrier): string {
  const attempts = r.MaxAttempts ?? 3;
  const errors = r.ErrorEquals.map(code).join(', ');
  if (attempts === 0) return `${errors}: not retried`;
  const parts = [
    `up to ${attempts} ${attempts === 1 ? 'retry' : 'retries'}`,
    `first after ${seconds(r.IntervalSeconds ?? 1)}`,
    `backoff ×${r.BackoffRate ?? 2}`,
    ...(r.MaxDelaySeconds !== undefined ? [`at most ${seconds(r.MaxDelaySeconds)} apart`] : []),
    ...(r.JitterStrategy === 'FULL' ? ['full jitter'] : []),
  ];
  return `${errors}: ${parts.join(', ')}`;
}

function catchLine(ctx: PageContext, t: Extract<Transition, { kind: 'catch' }>): string {
  const where =
    t.resultPath === null
      ? 'the error dropped'
      : t.resultPath === undefined || t.resultPath === '$'
        ? 'the error as its input'
        : `the error in ${code(t.resultPath)}`;
  return `${t.errors.map(code).join(', ')} → ${goTo(ctx, t.to)}, ${where}`;
}

function ending(entry: GraphState): string {
  const fails = entry.state.Type === 'Fail';
  if (entry.scope.kind === 'machine') return fails ? 'the run fails here' : 'the run ends here';
  const what = entry.scope.kind === 'branch' ? 'the branch' : "the item's iteration";
  return fails ? `${what} fails here, and so does its state` : `${what} ends here`;
}

/** The bullets about what the state does, by type. */
function workLines(ctx: PageContext, entry: GraphState): string[] {
  const { state } = entry;
  const lines: string[] = [];
  if (state.Type === 'Task') lines.push(bullet('Resource', describeResource(state, ctx.names)));
  const timeout = duration(state, 'TimeoutSeconds', 'timeout');
  if (timeout) lines.push(bullet('Timeout', timeout));
  const heartbeat = duration(state, 'HeartbeatSeconds', 'heartbeat');
  if (heartbeat) lines.push(bullet('Heartbeat', heartbeat));
  if (state.Type === 'Wait') {
    const until = stringField(state, 'Timestamp') ?? stringField(state, 'TimestampPath');
    const wait = duration(state, 'Seconds', 'seconds');
    if (wait) lines.push(bullet('Waits', wait));
    else if (until)
      lines.push(bullet('Waits until', `${state.TimestampPath ? 'the time in ' : ''}${code(until)}`));
  }
  if (state.Type === 'Map') {
    const items = stringField(state, 'ItemsPath') ?? '$';
    const limit = numberField(state, 'MaxConcurrency');
    const concurrency = limit ? `, up to ${limit} at a time` : ', all at once';
    lines.push(bullet('Items', `${code(items)}${concurrency}`));
  }
  for (const t of ctx.graph.transitions) {
    if (t.kind !== 'enter' || t.from !== entry.name) continue;
    lines.push(bullet(capitalize(scopeTitle(t.scope)), `starts at ${goTo(ctx, t.to)}`));
  }
  if (state.Type === 'Fail') {
    const error = state.Error ?? state.ErrorPath;
    const cause = state.Cause ?? state.CausePath;
    if (error) lines.push(bullet('Error', `${state.ErrorPath ? 'from ' : ''}${code(error)}`));
    if (cause) lines.push(bullet('Cause', state.CausePath ? `from ${code(cause)}` : inline(cause)));
  }
  return lines;
}

/** The bullets about where the state goes: Choice rules, Retry, Catch, then Next or the end. */
function flowLines(ctx: PageContext, entry: GraphState): string[] {
  const out = ctx.graph.transitions.filter((t) => t.from === entry.name);
  const lines: string[] = [];
  if (entry.state.Type === 'Choice') {
    lines.push('- **Choices** (the first rule that matches wins):');
    for (const t of out) {
      if (t.kind === 'choice') lines.push(`  - if ${ruleInWords(t.rule)} → ${goTo(ctx, t.to)}`);
      if (t.kind === 'default') lines.push(`  - otherwise → ${goTo(ctx, t.to)}`);
    }
    if (!out.some((t) => t.kind === 'default'))
      lines.push(`  - otherwise the state fails with ${code('States.NoChoiceMatched')}`);
  }
  const retriers = 'Retry' in entry.state ? (entry.state.Retry ?? []) : [];
  if (retriers.length > 0) lines.push('- **Retry:**', ...retriers.map((r) => `  - ${retry(r)}`));
  const catches = out.filter((t) => t.kind === 'catch');
  if (catches.length > 0) lines.push('- **Catch:**', ...catches.map((t) => `  - ${catchLine(ctx, t)}`));
  for (const t of out) {
    if (t.kind === 'next') lines.push(bullet('Next', goTo(ctx, t.to)));
    if (t.kind === 'end') lines.push(bullet('End', ending(entry)));
  }
  return lines;
}

/** The state's section: heading, Comment, then its bullets. */
export function stateSection(ctx: PageContext, entry: GraphState): string[] {
  const about = [
    bullet('Type', entry.state.Type),
    ...(entry.scope.container ? [bullet('In', scopeName(ctx, entry.scope))] : []),
    ...(entry.reachable ? [] : [bullet('Unreachable', 'no transition leads here')]),
  ];
  return [
    `### ${inline(entry.name)}`,
    '',
    inline(entry.state.Comment as string),
    '',
    [...about, ...workLines(ctx, entry), ...flowLines(ctx, entry)].join('\n'),
  ];
}
