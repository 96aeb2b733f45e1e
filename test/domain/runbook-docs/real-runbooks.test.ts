/**
 * Every runbook in statemachines/ renders, and its diagram is sound: a node per state, an edge for
 * every transition the ASL has, each edge between declared nodes, and a page prettier leaves as is.
 */
import { describe, expect, it } from 'vitest';
import { format, resolveConfig } from 'prettier';
import { allStates, loadDefinitionFile, type AslState } from '../../../engine/asl.ts';
import { CATALOGUE } from '../../../runbooks/catalogue.ts';
import { renderRunbookDocs, RUNBOOK_DOCS_DIR } from '../../../cli/commands/runbook.ts';
import { mermaidBlock, parseFlowchart, type ParsedFlowchart } from './mermaid-syntax.ts';

const runbooks = CATALOGUE.runbooks;
const docs = await renderRunbookDocs();

/** Every transition the ASL has, as [from, to, Catch errors if it is a Catch]. */
function transitions(name: string, state: AslState): Array<[string, string, string | undefined]> {
  const out: Array<[string, string, string | undefined]> = [];
  if ('Next' in state && typeof state.Next === 'string') out.push([name, state.Next, undefined]);
  if (state.Type === 'Choice') {
    for (const rule of state.Choices) out.push([name, rule.Next, undefined]);
    if (state.Default) out.push([name, state.Default, undefined]);
  }
  for (const c of 'Catch' in state ? (state.Catch ?? []) : [])
    out.push([name, c.Next, c.ErrorEquals.join(', ')]);
  return out;
}

function idsByLabel(chart: ParsedFlowchart): Map<string, string> {
  return new Map([...chart.nodes].map(([id, label]) => [label, id]));
}

describe.each(runbooks)('the $name runbook page', ({ name, path }) => {
  const page = docs.get(`${name}.md`) as string;

  it('has a sound Mermaid flowchart with a node for every state', async () => {
    const chart = parseFlowchart(mermaidBlock(page));
    const ids = idsByLabel(chart);
    const states = allStates(await loadDefinitionFile(path));

    expect(states.filter((s) => !ids.has(s.name)).map((s) => s.name)).toEqual([]);
    expect(chart.nodes.size).toBe(ids.size);
  });

  it('draws every Next, Choice, Default and Catch as an edge, Catch dashed with its errors', async () => {
    const chart = parseFlowchart(mermaidBlock(page));
    const ids = idsByLabel(chart);
    const missing: string[] = [];
    for (const { name: from, state } of allStates(await loadDefinitionFile(path))) {
      for (const [source, target, errors] of transitions(from, state)) {
        const found = chart.edges.some(
          (e) =>
            e.from === ids.get(source) &&
            e.to === ids.get(target) &&
            e.dashed === (errors !== undefined) &&
            (errors === undefined || e.label === errors),
        );
        if (!found) missing.push(`${source} -> ${target}${errors ? ` (Catch ${errors})` : ''}`);
      }
    }

    expect(missing).toEqual([]);
  });

  it('ends every End, Succeed and Fail state in an end node', async () => {
    const chart = parseFlowchart(mermaidBlock(page));
    const ids = idsByLabel(chart);
    const ends = new Set(['End', 'Branch done', 'Item done']);
    const terminal = allStates(await loadDefinitionFile(path)).filter(
      ({ state }) =>
        state.Type === 'Succeed' || state.Type === 'Fail' || ('End' in state && state.End === true),
    );

    for (const { name: state } of terminal) {
      expect(
        chart.edges.some((e) => e.from === ids.get(state) && ends.has(chart.nodes.get(e.to) ?? '')),
        state,
      ).toBe(true);
    }
  });

  it('has a section for every state and names every substituted resource', async () => {
    const states = allStates(await loadDefinitionFile(path));
    const sections = [...page.matchAll(/^### (.+)$/gm)].map((m) => (m[1] as string).replace(/\\(.)/g, '$1'));

    expect(sections.sort()).toEqual(states.map((s) => s.name).sort());
    expect(page.match(/^- \*\*Resource:\*\* .*\$\{.*$/gm) ?? []).toEqual([]);
  });
});

describe('the generated files', () => {
  it.each([...docs.keys()])('%s is as prettier writes it', async (file) => {
    const content = docs.get(file) as string;
    const options = await resolveConfig(`${RUNBOOK_DOCS_DIR}${file}`);

    expect(await format(content, { ...options, parser: 'markdown' })).toBe(content);
  });
});
