import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../../domain/runbook-docs/graph.ts';
import { mermaidLabel, renderMermaid } from '../../../domain/runbook-docs/mermaid.ts';
import type { AslDefinition } from '../../../engine/asl.ts';
import { parseFlowchart } from './mermaid-syntax.ts';
import { CHOICE_AND_CATCH, PARALLEL_AND_MAP } from './support.ts';

const diagram = (definition: AslDefinition): string => renderMermaid(buildGraph('example', definition));

describe('renderMermaid', () => {
  it('draws a Choice with rule labels and a Default, and Catch edges dashed with their errors', () => {
    const text = diagram(CHOICE_AND_CATCH);

    expect(text.split('\n')).toEqual([
      'flowchart TD',
      '  x_start(("Start"))',
      '  s_plan["Plan"]',
      '  s_decide{"Decide"}',
      '  s_wait_a_little{{"Wait a little"}}',
      '  s_done(["Done"])',
      '  s_rejected(["Rejected"])',
      '  s_failed(["Failed"])',
      '  x_end(("End"))',
      '  x_start --> s_plan',
      '  s_plan --> s_decide',
      '  s_plan -.->|"InvalidRequestError"| s_rejected',
      '  s_plan -.->|"States.ALL"| s_failed',
      '  s_decide -->|"$.decision.action == #quot;raise#quot;"| s_wait_a_little',
      '  s_decide -->|"$.round #lt; $.maxRounds and #40;$.retry is present or not #40;$.dryRun == true#41;#41;"| s_plan',
      '  s_decide -->|"otherwise"| s_done',
      '  s_wait_a_little --> s_done',
      '  s_done --> x_end',
      '  s_rejected --> x_end',
      '  s_failed --> x_end',
      '  classDef failure stroke:#c62828,stroke-width:2px',
      '  class s_rejected,s_failed failure',
    ]);
    expect(() => parseFlowchart(text)).not.toThrow();
  });

  it('draws Parallel branches and a Map iteration as subgraphs entered from their state, each with its own end', () => {
    const text = diagram(PARALLEL_AND_MAP);

    expect(text).toContain(
      [
        '  s_both[["Both"]]',
        '  subgraph g_both_1["Both: branch 1"]',
        '    s_left("Left")',
        '    x_both_1(("Branch done"))',
        '  end',
        '  subgraph g_both_2["Both: branch 2"]',
        '    s_right{{"Right"}}',
        '    s_right_again(["Right again"])',
        '    x_both_2(("Branch done"))',
        '  end',
        '  s_each[["Each"]]',
        '  subgraph g_each_items["Each: each item"]',
        '    s_start_a_shard["Start a shard"]',
        '    x_each_items(("Item done"))',
        '  end',
        '  s_orphan("Orphan")',
      ].join('\n'),
    );
    expect(text).toContain(
      '  s_both -->|"branch 1"| s_left\n  s_both -->|"branch 2"| s_right\n  s_both --> s_each\n',
    );
    expect(text).toContain('  s_both -.->|"States.ALL"| s_each\n');
    expect(text).toContain('  s_each -->|"each item"| s_start_a_shard\n');
    expect(text).toContain('  s_right_again --> x_both_2\n');
    const parsed = parseFlowchart(text);
    expect([...parsed.subgraphs.values()]).toEqual(['Both: branch 1', 'Both: branch 2', 'Each: each item']);
  });

  it('escapes every character Mermaid reads as syntax, and keeps ids valid and clear of keywords', () => {
    const names = ['Say "hi" #1; now', '<b>[a] (b) {c}</b> | `x` & y', 'end', 'graph', 'o-ring', 'x', '!!!'];
    const states: AslDefinition['States'] = {};
    names.forEach((name, i) => {
      const next = names[i + 1];
      states[name] = next
        ? { Type: 'Pass', Comment: 'c', Next: next }
        : { Type: 'Pass', Comment: 'c', End: true };
    });
    const text = diagram({ Comment: 'Tricky names.', StartAt: names[0] as string, States: states });

    expect(text).toContain('  s_say_hi_1_now("Say #quot;hi#quot; #35;1#59; now")');
    expect(text).toContain(
      '  s_b_a_b_c_b_x_y("#lt;b#gt;#91;a#93; #40;b#41; #123;c#125;#lt;/b#gt; #124; #96;x#96; #amp; y")',
    );
    expect(text).toContain(
      '  s_end("end")\n  s_graph("graph")\n  s_o_ring("o-ring")\n  s_x("x")\n  s_state("!!!")',
    );
    const parsed = parseFlowchart(text);
    expect([...parsed.nodes.values()]).toEqual(['Start', ...names, 'End']);
  });

  it('gives states whose names slug alike distinct ids', () => {
    const text = diagram({
      Comment: 'Alike.',
      StartAt: 'A b',
      States: {
        'A b': { Type: 'Pass', Comment: 'c', Next: 'a-b' },
        'a-b': { Type: 'Pass', Comment: 'c', End: true },
      },
    });

    expect(text).toContain('  s_a_b("A b")\n  s_a_b_2("a-b")');
    expect(parseFlowchart(text).edges).toContainEqual({ from: 's_a_b', to: 's_a_b_2', dashed: false });
  });

  it('writes a label on one line, quoted', () => {
    expect(mermaidLabel('two\nlines;  here')).toBe('"two lines#59; here"');
  });
});

describe('parseFlowchart (the test-side check itself)', () => {
  it.each([
    ['flowchart TD\n  a["A"]\n  a --> b', '"b" is not a declared node'],
    ['flowchart TD\n  a["say "hi""]', 'not a node, edge'],
    ['flowchart TD\n  a["(x)"]', 'unescaped syntax character'],
    ['flowchart TD\n  end["E"]', '"end" is a keyword'],
    ['flowchart TD\n  subgraph g["G"]\n  a["A"]', 'never closed'],
    ['flowchart TD\n  a["A"]\n  a["B"]', 'declared twice'],
    ['graph LR\n  a["A"]', 'must open with'],
  ])('rejects %j', (text, why) => {
    expect(() => parseFlowchart(text)).toThrow(why);
  });
});
