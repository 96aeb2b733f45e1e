/**
 * A runbook as a graph the page is drawn from: every state (nested ones too) in reading order, and
 * every transition out of each. Reading order is the order a run first reaches the states, depth
 * first from StartAt (a Parallel's or Map's own states right after it), so the page reads like the
 * runbook runs; states nothing leads to come last, marked unreachable.
 */
import type { AslDefinition, AslState } from '../../engine/asl.ts';
import { BrokenRunbookError, MissingCommentError } from './errors.ts';

export type ChoiceState = Extract<AslState, { Type: 'Choice' }>;
export type ChoiceRule = ChoiceState['Choices'][number];
type Machine = Pick<AslDefinition, 'States' | 'StartAt'>;

/** The machine itself, one Parallel branch, or a Map's item processor. */
export interface Scope {
  /** Unique within the runbook: '' for the machine. */
  key: string;
  kind: 'machine' | 'branch' | 'items';
  /** The Parallel or Map state this scope belongs to. */
  container?: string;
  /** 1-based branch number of a Parallel. */
  branch?: number;
  startAt: string;
}

/** "branch 2" or "each item": how the page and the diagram name a nested scope. */
export const scopeTitle = (scope: Scope): string => (scope.branch ? `branch ${scope.branch}` : 'each item');

export interface GraphState {
  name: string;
  state: AslState;
  scope: Scope;
  reachable: boolean;
}

export type Transition =
  | { kind: 'next' | 'default'; from: string; to: string }
  | { kind: 'choice'; from: string; to: string; rule: ChoiceRule }
  | { kind: 'catch'; from: string; to: string; errors: readonly string[]; resultPath?: string | null }
  /** From a Parallel or Map state into one of its scopes. */
  | { kind: 'enter'; from: string; to: string; scope: Scope }
  /** The state ends its scope: End, Succeed or Fail. */
  | { kind: 'end'; from: string; scope: Scope };

export interface RunbookGraph {
  runbook: string;
  comment: string;
  startAt: string;
  timeoutSeconds?: number;
  states: readonly GraphState[];
  transitions: readonly Transition[];
  scopes: readonly Scope[];
}

const nextOf = (state: AslState): string | undefined =>
  'Next' in state && typeof state.Next === 'string' ? state.Next : undefined;

const endsScope = (state: AslState): boolean =>
  state.Type === 'Succeed' || state.Type === 'Fail' || ('End' in state && state.End === true);

function nestedScopes(name: string, state: AslState): Array<{ scope: Scope; machine: Machine }> {
  if (state.Type === 'Parallel') {
    return state.Branches.map((machine, i) => ({
      scope: {
        key: `${name}/${i + 1}`,
        kind: 'branch',
        container: name,
        branch: i + 1,
        startAt: machine.StartAt,
      },
      machine,
    }));
  }
  const items = state.Type === 'Map' ? (state.ItemProcessor ?? state.Iterator) : undefined;
  return items
    ? [
        {
          scope: { key: `${name}/items`, kind: 'items', container: name, startAt: items.StartAt },
          machine: items,
        },
      ]
    : [];
}

/** Transitions out of one state, in the order the page lists them (the happy path before Catch). */
function transitionsOf(name: string, state: AslState, scope: Scope): Transition[] {
  const out: Transition[] = nestedScopes(name, state).map(({ scope: inner }) => ({
    kind: 'enter',
    from: name,
    to: inner.startAt,
    scope: inner,
  }));
  if (state.Type === 'Choice') {
    for (const rule of state.Choices) out.push({ kind: 'choice', from: name, to: rule.Next, rule });
    if (state.Default !== undefined) out.push({ kind: 'default', from: name, to: state.Default });
  }
  const next = nextOf(state);
  if (next !== undefined) out.push({ kind: 'next', from: name, to: next });
  for (const c of 'Catch' in state ? (state.Catch ?? []) : []) {
    out.push({ kind: 'catch', from: name, to: c.Next, errors: c.ErrorEquals, resultPath: c.ResultPath });
  }
  if (endsScope(state)) out.push({ kind: 'end', from: name, scope });
  return out;
}

interface Located {
  state: AslState;
  scope: Scope;
  machine: Machine;
}

/** Every state by name with the scope it is in; names must be unique across the whole runbook. */
function locate(
  definition: AslDefinition,
  problems: string[],
): { located: Map<string, Located>; scopes: Scope[] } {
  const located = new Map<string, Located>();
  const scopes: Scope[] = [];
  const walk = (machine: Machine, scope: Scope): void => {
    scopes.push(scope);
    if (!(machine.StartAt in machine.States)) problems.push(`StartAt "${machine.StartAt}" is not a state`);
    for (const [name, state] of Object.entries(machine.States)) {
      if (located.has(name)) problems.push(`the state name "${name}" is used twice`);
      located.set(name, { state, scope, machine });
      for (const nested of nestedScopes(name, state)) walk(nested.machine, nested.scope);
    }
  };
  walk(definition, { key: '', kind: 'machine', startAt: definition.StartAt });
  return { located, scopes };
}

/** Depth first from StartAt along every transition, then from each state not yet reached. */
function readingOrder(startAt: string, located: ReadonlyMap<string, Located>): GraphState[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const entry = located.get(name);
    if (!entry || seen.has(name)) return;
    seen.add(name);
    order.push(name);
    for (const t of transitionsOf(name, entry.state, entry.scope)) if (t.kind !== 'end') visit(t.to);
  };
  visit(startAt);
  const reachable = new Set(seen);
  for (const name of located.keys()) visit(name);
  return order.map((name) => {
    const { state, scope } = located.get(name) as Located;
    return { name, state, scope, reachable: reachable.has(name) };
  });
}

function danglingTransitions(
  transitions: readonly Transition[],
  located: ReadonlyMap<string, Located>,
): string[] {
  return transitions.flatMap((t) =>
    // An entry's target is the nested StartAt, checked while locating.
    t.kind === 'end' || t.kind === 'enter' || t.to in (located.get(t.from) as Located).machine.States
      ? []
      : [`"${t.from}" goes to "${t.to}", which is not a state of its machine`],
  );
}

/** The runbook's graph; a broken definition or a state with no Comment throws, naming them all. */
export function buildGraph(runbook: string, definition: AslDefinition): RunbookGraph {
  const problems: string[] = [];
  const { located, scopes } = locate(definition, problems);
  const states = readingOrder(definition.StartAt, located);
  const transitions = states.flatMap((s) => transitionsOf(s.name, s.state, s.scope));
  problems.push(...danglingTransitions(transitions, located));
  if (problems.length > 0) throw new BrokenRunbookError(runbook, problems);

  const uncommented = states.filter((s) => !s.state.Comment?.trim()).map((s) => s.name);
  if (!definition.Comment?.trim()) uncommented.unshift('(the state machine itself)');
  if (uncommented.length > 0) throw new MissingCommentError(runbook, uncommented);

  return {
    runbook,
    comment: definition.Comment as string,
    startAt: definition.StartAt,
    ...(definition.TimeoutSeconds !== undefined && { timeoutSeconds: definition.TimeoutSeconds }),
    states,
    transitions,
    scopes,
  };
}
