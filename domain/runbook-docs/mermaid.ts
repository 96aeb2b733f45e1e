/**
 * The runbook as a Mermaid `flowchart TD`: a node per state, shaped by its type; solid edges for
 * Next, Choice rules (labelled with the rule) and Default; dashed edges for Catch (labelled with
 * the errors); End, Succeed and Fail into an end node per scope; each Parallel branch and Map item
 * processor a subgraph entered from its state.
 */
import type { AslState } from '../../engine/asl.ts';
import { scopeTitle, type RunbookGraph, type Scope, type Transition } from './graph.ts';
import { oneLine } from './markdown-text.ts';
import { ruleSymbols } from './rules.ts';

// Mermaid's entity codes: inside a quoted label these are the only safe way to write the characters
// its grammar gives meaning to (quotes end the label, brackets and parentheses shape nodes, `#` and
// `;` start entities, `|` ends an edge label, `<>&` are HTML).
const ENTITIES: Readonly<Record<string, string>> = {
  '"': '#quot;',
  '#': '#35;',
  '&': '#amp;',
  '<': '#lt;',
  '>': '#gt;',
  '[': '#91;',
  ']': '#93;',
  '(': '#40;',
  ')': '#41;',
  '{': '#123;',
  '}': '#125;',
  '|': '#124;',
  ';': '#59;',
  '`': '#96;',
};

/** A label as Mermaid text, quotes included. */
export const mermaidLabel = (text: string): string =>
  `"${oneLine(text).replace(/["#&<>[\](){}|;`]/g, (c) => ENTITIES[c] as string)}"`;

const SHAPES: Readonly<Record<AslState['Type'], readonly [string, string]>> = {
  Task: ['[', ']'],
  Pass: ['(', ')'],
  Choice: ['{', '}'],
  Wait: ['{{', '}}'],
  Parallel: ['[[', ']]'],
  Map: ['[[', ']]'],
  Succeed: ['([', '])'],
  Fail: ['([', '])'],
};

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '') || 'state';

/**
 * Node ids from the state names (`s_check_the_request`), so a diagram's diff follows the change
 * to the runbook. The prefix keeps them clear of Mermaid's keywords (`end`, `graph`) and of the
 * `o`/`x` that would turn `-->` into another arrow.
 */
export function nodeIds(graph: RunbookGraph): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const { name } of graph.states) {
    const base = `s_${slug(name)}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(name, id);
  }
  return ids;
}

class Diagram {
  readonly lines: string[] = ['flowchart TD'];
  private readonly graph: RunbookGraph;
  private readonly ids: Map<string, string>;

  constructor(graph: RunbookGraph) {
    this.graph = graph;
    this.ids = nodeIds(graph);
  }

  id = (name: string): string => this.ids.get(name) as string;

  /** `x_end` for the machine, `x_<state>_<branch>` for a nested scope; subgraphs are `g_...`. */
  scopeId(scope: Scope, prefix: 'x' | 'g'): string {
    if (!scope.container) return `${prefix}_end`;
    return `${prefix}_${this.id(scope.container).slice(2)}_${scope.branch ?? 'items'}`;
  }

  declare(scope: Scope, indent: string): void {
    for (const { name, state } of this.graph.states.filter((s) => s.scope.key === scope.key)) {
      const [open, close] = SHAPES[state.Type];
      this.lines.push(`${indent}${this.id(name)}${open}${mermaidLabel(name)}${close}`);
      for (const inner of this.graph.scopes.filter((s) => s.container === name)) {
        const title = `${name}: ${scopeTitle(inner)}`;
        this.lines.push(`${indent}subgraph ${this.scopeId(inner, 'g')}[${mermaidLabel(title)}]`);
        this.declare(inner, `${indent}  `);
        this.lines.push(`${indent}end`);
      }
    }
    if (this.graph.transitions.some((t) => t.kind === 'end' && t.scope.key === scope.key)) {
      const label = scope.kind === 'machine' ? 'End' : scope.kind === 'branch' ? 'Branch done' : 'Item done';
      this.lines.push(`${indent}${this.scopeId(scope, 'x')}((${mermaidLabel(label)}))`);
    }
  }

  edge(t: Transition): string {
    const from = this.id(t.from);
    switch (t.kind) {
      case 'next':
        return `${from} --> ${this.id(t.to)}`;
      case 'default':
        return `${from} -->|${mermaidLabel('otherwise')}| ${this.id(t.to)}`;
      case 'choice':
        return `${from} -->|${mermaidLabel(ruleSymbols(t.rule))}| ${this.id(t.to)}`;
      case 'catch':
        return `${from} -.->|${mermaidLabel(t.errors.join(', '))}| ${this.id(t.to)}`;
      case 'enter':
        return `${from} -->|${mermaidLabel(scopeTitle(t.scope))}| ${this.id(t.to)}`;
      case 'end':
        return `${from} --> ${this.scopeId(t.scope, 'x')}`;
    }
  }
}

/** The flowchart's text, without the Markdown fence. */
export function renderMermaid(graph: RunbookGraph): string {
  const diagram = new Diagram(graph);
  const machine = graph.scopes.find((s) => !s.container) as Scope;
  diagram.lines.push(`  x_start((${mermaidLabel('Start')}))`);
  diagram.declare(machine, '  ');
  diagram.lines.push(`  x_start --> ${diagram.id(graph.startAt)}`);
  diagram.lines.push(...graph.transitions.map((t) => `  ${diagram.edge(t)}`));
  const failures = graph.states.filter((s) => s.state.Type === 'Fail').map((s) => diagram.id(s.name));
  if (failures.length > 0) {
    diagram.lines.push(
      '  classDef failure stroke:#c62828,stroke-width:2px',
      `  class ${failures.join(',')} failure`,
    );
  }
  return diagram.lines.join('\n');
}
