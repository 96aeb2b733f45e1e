/**
 * A runbook's page: title and purpose, the flowchart, then a section per state in the order a run
 * reaches them. Pure: the caller loads the definition and says where the page links to.
 */
import type { AslDefinition } from '../../engine/asl.ts';
import { buildGraph } from './graph.ts';
import { Anchors, code, inline, link, seconds } from './markdown-text.ts';
import { renderMermaid } from './mermaid.ts';
import type { ResourceNames } from './resources.ts';
import { stateSection, type PageContext } from './state-details.ts';

export interface RunbookSource {
  /** `hot-shard`, from `statemachines/hot-shard.asl.json`. */
  name: string;
  /** The definition's path from the repository root, as the page names it. */
  file: string;
  definition: AslDefinition;
}

export interface PageOptions {
  names: ResourceNames;
  /** The link to the definition, relative to where the page lives. */
  sourceHref: string;
  /** The command that regenerates the page, for its do-not-edit note. */
  regenerate: string;
}

/** The note that opens every generated page, hidden when rendered. */
export const generatedNote = (from: string, regenerate: string): string =>
  `<!-- Generated from ${from} by \`${regenerate}\`. Do not edit: change the source and regenerate. -->`;

export function renderRunbookMarkdown(source: RunbookSource, options: PageOptions): string {
  const graph = buildGraph(source.name, source.definition);
  const headings = new Anchors();
  const title = `Runbook: ${source.name}`;
  for (const heading of [title, 'Flow', 'States']) headings.take(heading);
  const anchors = new Map(graph.states.map((s) => [s.name, headings.take(s.name)]));
  const ctx: PageContext = { graph, names: options.names, anchors };
  const facts = [
    `- **Definition:** [${code(source.file)}](${options.sourceHref})`,
    `- **States:** ${graph.states.length}`,
    `- **Starts at:** ${link(graph.startAt, anchors.get(graph.startAt) as string)}`,
    ...(graph.timeoutSeconds !== undefined ? [`- **Timeout:** ${seconds(graph.timeoutSeconds)}`] : []),
  ];
  const blocks = [
    generatedNote(source.file, options.regenerate),
    `# ${inline(title)}`,
    inline(graph.comment),
    facts.join('\n'),
    '## Flow',
    'Solid arrows are transitions, labelled with the Choice rule that takes them; dashed arrows are ' +
      'Catch edges, labelled with the errors they catch. A Parallel branch or a Map iteration is a box ' +
      'of its own, entered from its state.',
    ['```mermaid', renderMermaid(graph), '```'].join('\n'),
    '## States',
    'In the order a run first reaches them, depth first from the start; states nothing leads to come last.',
    ...graph.states.map((entry) => stateSection(ctx, entry).join('\n')),
  ];
  return `${blocks.join('\n\n')}\n`;
}
