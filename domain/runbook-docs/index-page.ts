/**
 * The runbooks at a glance: `selfheal runbook list` and `docs/runbooks/README.md` both show each
 * runbook's name, how many states it has, and the first sentence of what it is for.
 */
import { buildGraph } from './graph.ts';
import { generatedNote, type RunbookSource } from './markdown.ts';
import { inline } from './markdown-text.ts';

export interface RunbookSummary {
  name: string;
  file: string;
  /** Every state, those inside Parallel branches and Map iterations included. */
  states: number;
  /** The top-level Comment's first sentence. */
  purpose: string;
}

export const firstSentence = (text: string): string =>
  /^(.+?[.!?])(?=\s|$)/s.exec(text.trim())?.[1] ?? text.trim();

export function summarise(source: RunbookSource): RunbookSummary {
  const graph = buildGraph(source.name, source.definition);
  return {
    name: source.name,
    file: source.file,
    states: graph.states.length,
    purpose: firstSentence(graph.comment),
  };
}

/** The index page; each runbook's page is `<name>.md` beside it. */
export function renderIndex(summaries: readonly RunbookSummary[], regenerate: string): string {
  const items = summaries.map(
    (s) => `- [${inline(s.name)}](${s.name}.md) (${s.states} states): ${inline(s.purpose)}`,
  );
  const blocks = [
    generatedNote('statemachines/', regenerate),
    '# Runbooks',
    'Each runbook is a Step Functions state machine in `statemachines/`, deployed to AWS and run by the ' +
      'local engine alike. These pages are generated from the definitions: the flow as a diagram, then ' +
      'every state with what it calls, how it retries, what it catches and where it goes next.',
    items.join('\n'),
  ];
  return `${blocks.join('\n\n')}\n`;
}
