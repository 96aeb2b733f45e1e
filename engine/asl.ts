/**
 * Amazon States Language documents as the engine sees them: loading, `${...}` definition
 * substitutions (the same mechanism CloudFormation's DefinitionSubstitutions uses), and walking
 * every state, including those inside Parallel branches and Map item processors.
 */
import { readFile } from 'node:fs/promises';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { MissingSubstitutionError } from './errors.ts';

export type AslDefinition = StateMachineDefinition;
export type AslState = AslDefinition['States'][string];

export async function loadDefinitionFile(path: string): Promise<AslDefinition> {
  return JSON.parse(await readFile(path, 'utf8')) as AslDefinition;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** Names of every `${Name}` placeholder a definition uses. */
export function placeholdersOf(definition: AslDefinition): string[] {
  const names = new Set<string>();
  for (const match of JSON.stringify(definition).matchAll(PLACEHOLDER)) names.add(match[1] as string);
  return [...names].sort();
}

/** Fills every placeholder; a placeholder with no value is an error naming it. */
export function substitute(
  definition: AslDefinition,
  values: Readonly<Record<string, string>>,
  machineName: string,
): AslDefinition {
  const missing = placeholdersOf(definition).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new MissingSubstitutionError(machineName, missing);
  const text = JSON.stringify(definition).replace(PLACEHOLDER, (_, name: string) =>
    JSON.stringify(values[name]).slice(1, -1),
  );
  return JSON.parse(text) as AslDefinition;
}

export interface VisitedState {
  name: string;
  state: AslState;
  /** Names of the Parallel/Map states this one is nested in, outermost first. */
  path: string[];
}

type NestedMachine = Pick<AslDefinition, 'States' | 'StartAt'>;

function nestedMachines(state: AslState): NestedMachine[] {
  if (state.Type === 'Parallel') return state.Branches;
  if (state.Type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    return processor ? [processor] : [];
  }
  return [];
}

export function allStates(definition: NestedMachine, path: string[] = []): VisitedState[] {
  const visited: VisitedState[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    visited.push({ name, state, path });
    for (const machine of nestedMachines(state)) visited.push(...allStates(machine, [...path, name]));
  }
  return visited;
}

/** Looks a state up by name anywhere in the definition (state names are unique per machine). */
export function findState(definition: AslDefinition, name: string): AslState | undefined {
  return allStates(definition).find((visited) => visited.name === name)?.state;
}
