/**
 * A structural check of the flowcharts the renderer writes, with no browser and no network: every
 * line is one Mermaid understands (a node, an edge, a subgraph, a class), ids are valid and not
 * keywords, labels carry no character Mermaid would read as syntax, subgraphs close, and every edge
 * and class joins nodes that are declared. It accepts the subset of Mermaid the renderer uses.
 */
export interface ParsedEdge {
  from: string;
  to: string;
  label?: string;
  dashed: boolean;
}

export interface ParsedFlowchart {
  /** Declared nodes: id -> label, entities decoded. */
  nodes: Map<string, string>;
  edges: ParsedEdge[];
  subgraphs: Map<string, string>;
}

export class MermaidSyntaxError extends Error {
  constructor(line: number, text: string, why: string) {
    super(`line ${line} ${JSON.stringify(text)}: ${why}`);
    this.name = 'MermaidSyntaxError';
  }
}

const KEYWORDS = new Set([
  'end',
  'graph',
  'flowchart',
  'subgraph',
  'style',
  'class',
  'classdef',
  'click',
  'linkstyle',
  'direction',
  'default',
  'call',
  'href',
]);
const ID = '[A-Za-z_][A-Za-z0-9_]*';
// A quoted label: no raw quote, and `#` only as an entity (`#quot;`, `#35;`).
const LABEL = '"((?:[^"#]|#[a-z]+;|#[0-9]+;)*)"';
const SHAPES = [
  '\\(\\[',
  '\\]\\)',
  '\\[\\[',
  '\\]\\]',
  '\\(\\(',
  '\\)\\)',
  '\\{\\{',
  '\\}\\}',
  '\\[',
  '\\]',
  '\\(',
  '\\)',
  '\\{',
  '\\}',
];
const SHAPE_PAIRS = Array.from(
  { length: SHAPES.length / 2 },
  (_, i) => `${SHAPES[2 * i]}${LABEL}${SHAPES[2 * i + 1]}`,
);
const NODE = new RegExp(`^(${ID})(?:${SHAPE_PAIRS.join('|')})$`);
const EDGE = new RegExp(`^(${ID}) (-->|-\\.->)(?:\\|${LABEL}\\|)? (${ID})$`);
const SUBGRAPH = new RegExp(`^subgraph (${ID})\\[${LABEL}\\]$`);
const CLASS_DEF = /^classDef ([A-Za-z_][A-Za-z0-9_-]*) [a-z-]+:[^\s;]+(,[a-z-]+:[^\s;]+)*$/;
const CLASS = new RegExp(`^class (${ID}(?:,${ID})*) ([A-Za-z_][A-Za-z0-9_-]*)$`);
// Characters Mermaid's grammar reads as syntax even inside a label, or that HTML would.
const RAW_IN_LABEL = /[[\](){}|;<>`]/;

const ENTITIES: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>' };
const decode = (label: string): string =>
  label.replace(/#([a-z]+|[0-9]+);/g, (_, e: string) =>
    /^\d+$/.test(e) ? String.fromCodePoint(Number(e)) : (ENTITIES[e] ?? `#${e};`),
  );

export function parseFlowchart(text: string): ParsedFlowchart {
  const lines = text.split('\n');
  if (lines[0] !== 'flowchart TD')
    throw new MermaidSyntaxError(1, lines[0] ?? '', 'must open with "flowchart TD"');
  const nodes = new Map<string, string>();
  const subgraphs = new Map<string, string>();
  const edges: ParsedEdge[] = [];
  const classed: Array<[number, string, string[]]> = [];
  let depth = 0;
  const label = (n: number, line: string, raw: string | undefined): string => {
    if (raw === undefined) return '';
    if (RAW_IN_LABEL.test(raw.replace(/#([a-z]+|[0-9]+);/g, '')))
      throw new MermaidSyntaxError(n, line, `unescaped syntax character in label ${raw}`);
    return decode(raw);
  };
  const fresh = (n: number, line: string, id: string): void => {
    if (KEYWORDS.has(id.toLowerCase())) throw new MermaidSyntaxError(n, line, `"${id}" is a keyword`);
    if (nodes.has(id) || subgraphs.has(id))
      throw new MermaidSyntaxError(n, line, `"${id}" is declared twice`);
  };
  lines.slice(1).forEach((raw, i) => {
    const n = i + 2;
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if (line === 'end') {
      if (--depth < 0) throw new MermaidSyntaxError(n, raw, '"end" with no open subgraph');
    } else if ((m = SUBGRAPH.exec(line))) {
      fresh(n, raw, m[1] as string);
      subgraphs.set(m[1] as string, label(n, raw, m[2]));
      depth++;
    } else if ((m = EDGE.exec(line))) {
      const edgeLabel = m[3] === undefined ? undefined : label(n, raw, m[3]);
      edges.push({
        from: m[1] as string,
        to: m[4] as string,
        dashed: m[2] === '-.->',
        ...(edgeLabel !== undefined && { label: edgeLabel }),
      });
    } else if ((m = NODE.exec(line))) {
      const id = m[1] as string;
      fresh(n, raw, id);
      nodes.set(
        id,
        label(
          n,
          raw,
          m.slice(2).find((g) => g !== undefined),
        ),
      );
    } else if ((m = CLASS.exec(line))) {
      classed.push([n, raw, (m[1] as string).split(',')]);
    } else if (!CLASS_DEF.test(line)) {
      throw new MermaidSyntaxError(n, raw, 'not a node, edge, subgraph, end or class line');
    }
  });
  if (depth !== 0) throw new MermaidSyntaxError(lines.length, '', `${depth} subgraph(s) never closed`);
  for (const [i, e] of edges.entries()) {
    for (const id of [e.from, e.to]) {
      if (!nodes.has(id)) throw new MermaidSyntaxError(0, `edge ${i + 1}`, `"${id}" is not a declared node`);
    }
  }
  for (const [n, raw, ids] of classed) {
    const unknown = ids.find((id) => !nodes.has(id));
    if (unknown) throw new MermaidSyntaxError(n, raw, `class names undeclared node "${unknown}"`);
  }
  return { nodes, edges, subgraphs };
}

/** The fenced mermaid block of a page. */
export function mermaidBlock(markdown: string): string {
  const match = /^```mermaid\n([\s\S]*?)\n```$/m.exec(markdown);
  if (!match) throw new Error('no mermaid block in the page');
  return match[1] as string;
}
