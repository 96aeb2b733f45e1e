import { describe, expect, it } from 'vitest';
import { renderRunbookMarkdown } from '../../../domain/runbook-docs/markdown.ts';
import { BrokenRunbookError, MissingCommentError } from '../../../domain/runbook-docs/errors.ts';
import { firstSentence, renderIndex, summarise } from '../../../domain/runbook-docs/index-page.ts';
import type { AslDefinition } from '../../../engine/asl.ts';
import { CHOICE_AND_CATCH, OPTIONS, PARALLEL_AND_MAP, source } from './support.ts';

/** The lines of one state's section, heading to the next heading. */
function section(markdown: string, name: string): string {
  const start = markdown.indexOf(`\n### ${name}\n`);
  if (start < 0) throw new Error(`no section ${name}`);
  const end = markdown.indexOf('\n### ', start + 1);
  return markdown.slice(start + 1, end < 0 ? undefined : end);
}

const headings = (markdown: string): string[] =>
  [...markdown.matchAll(/^### (.+)$/gm)].map((m) => m[1] as string);

describe('renderRunbookMarkdown', () => {
  const page = renderRunbookMarkdown(source(CHOICE_AND_CATCH), OPTIONS);

  it('opens with the do-not-edit note, the title, the Comment and the facts', () => {
    expect(page.split('\n\n').slice(0, 4)).toEqual([
      '<!-- Generated from statemachines/example.asl.json by `npm run docs:runbooks`. Do not edit: change the source and regenerate. -->',
      '# Runbook: example',
      'Raise capacity when the plan says so. Otherwise report.',
      [
        '- **Definition:** [`statemachines/example.asl.json`](../../statemachines/example.asl.json)',
        '- **States:** 6',
        '- **Starts at:** [Plan](#plan)',
      ].join('\n'),
    ]);
    expect(page).toContain('\n```mermaid\nflowchart TD\n');
  });

  it('lists the states depth first from StartAt: Next before Catch, Choice rules in order', () => {
    expect(headings(page)).toEqual(['Plan', 'Decide', 'Wait a little', 'Done', 'Rejected', 'Failed']);
  });

  it('describes a Task: resource by name, timeout, Retry, Catch and Next', () => {
    expect(section(page, 'Plan')).toBe(
      [
        '### Plan',
        '',
        'Plan the change.',
        '',
        '- **Type:** Task',
        '- **Resource:** Lambda: plan-capacity',
        '- **Timeout:** 120 s (2 min)',
        '- **Retry:**',
        '  - `Lambda.ServiceException`, `Lambda.TooManyRequestsException`: up to 4 retries, first after 2 s, backoff ×1.5, at most 30 s apart, full jitter',
        '- **Catch:**',
        '  - `InvalidRequestError` → [Rejected](#rejected), the error in `$.failure`',
        '  - `States.ALL` → [Failed](#failed), the error as its input',
        '- **Next:** [Decide](#decide)',
        '',
      ].join('\n'),
    );
  });

  it('says a Choice rule in words, compound rules in parentheses, and the Default', () => {
    expect(section(page, 'Decide')).toContain(
      [
        '- **Choices** (the first rule that matches wins):',
        '  - if `$.decision.action` equals `"raise"` → [Wait a little](#wait-a-little)',
        '  - if `$.round` is less than `$.maxRounds` and (`$.retry` is present or not (`$.dryRun` is true)) → [Plan](#plan)',
        '  - otherwise → [Done](#done)',
      ].join('\n'),
    );
  });

  it('describes a Wait from a path, a Fail with its error and cause, and the end of the run', () => {
    expect(section(page, 'Wait a little')).toContain('- **Waits:** the seconds in `$.settleSeconds`');
    expect(section(page, 'Rejected')).toContain(
      '- **Error:** `InvalidRequestError`\n- **Cause:** from `$.failure.Cause`\n- **End:** the run fails here',
    );
    expect(section(page, 'Failed')).toContain('- **Error:** from `$.Error`');
    expect(section(page, 'Done')).toContain('- **End:** the run ends here');
  });

  it('puts a Parallel branch and a Map item after their state, and unreachable states last', () => {
    const fanOut = renderRunbookMarkdown(source(PARALLEL_AND_MAP), OPTIONS);

    expect(headings(fanOut)).toEqual([
      'Both',
      'Left',
      'Right',
      'Right again',
      'Each',
      'Start a shard',
      'Orphan',
    ]);
    expect(fanOut).toContain('- **Timeout:** 3600 s (1 h)');
    expect(section(fanOut, 'Both')).toContain(
      '- **Branch 1:** starts at [Left](#left)\n- **Branch 2:** starts at [Right](#right)',
    );
    expect(section(fanOut, 'Both')).toContain('`States.ALL` → [Each](#each), the error dropped');
    expect(section(fanOut, 'Right')).toContain(
      '- **In:** branch 2 of [Both](#both)\n- **Waits:** 90 s (1.5 min)',
    );
    expect(section(fanOut, 'Right again')).toContain(
      '- **End:** the branch fails here, and so does its state',
    );
    expect(section(fanOut, 'Each')).toContain(
      '- **Items:** `$.items`, up to 2 at a time\n- **Each item:** starts at [Start a shard](#start-a-shard)',
    );
    expect(section(fanOut, 'Start a shard')).toContain(
      '- **Resource:** Step Functions StartExecution: [key-reshuffle](key-reshuffle.md) (waits for it to finish)',
    );
    expect(section(fanOut, 'Start a shard')).toContain("- **End:** the item's iteration ends here");
    expect(section(fanOut, 'Orphan')).toContain('- **Unreachable:** no transition leads here');
  });

  it('escapes Markdown in names and Comments but keeps their code spans, and links by GitHub anchors', () => {
    const tricky: AslDefinition = {
      Comment: '# Not a heading: <b>bold</b> *stars* and `code <kept>`',
      StartAt: 'Is x [0] ready?',
      States: {
        'Is x [0] ready?': { Type: 'Pass', Comment: '- not a list | pipe_under', Next: 'is x 0 ready' },
        'is x 0 ready': { Type: 'Pass', Comment: '1. not a list either', End: true },
      },
    };
    const md = renderRunbookMarkdown(source(tricky), OPTIONS);

    expect(md).toContain('\n\\# Not a heading: \\<b\\>bold\\</b\\> \\*stars\\* and `code <kept>`\n');
    expect(md).toContain('\n### Is x \\[0\\] ready?\n\n\\- not a list \\| pipe\\_under\n');
    expect(md).toContain('\n1\\. not a list either\n');
    // Both headings slug to "is-x-0-ready": GitHub numbers the second.
    expect(md).toContain('- **Starts at:** [Is x \\[0\\] ready?](#is-x-0-ready)');
    expect(md).toContain('- **Next:** [is x 0 ready](#is-x-0-ready-1)');
  });
});

describe('render failures', () => {
  it('names every state with no Comment, and the machine itself', () => {
    const definition = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed', Comment: '  ' } },
    } as AslDefinition;

    const render = () => renderRunbookMarkdown(source(definition, 'bare'), OPTIONS);

    expect(render).toThrow(MissingCommentError);
    expect(render).toThrow(
      'bare: every state needs a Comment, and these have none: "(the state machine itself)"; "A"; "B"',
    );
  });

  it('refuses a transition to a missing state, and a Next out of a Map into the machine', () => {
    const definition: AslDefinition = {
      Comment: 'Broken.',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Comment: 'a', Next: 'Nowhere' },
        M: {
          Type: 'Map',
          Comment: 'm',
          ItemProcessor: { StartAt: 'In', States: { In: { Type: 'Pass', Comment: 'in', Next: 'A' } } },
          End: true,
        },
      },
    };

    expect(() => renderRunbookMarkdown(source(definition, 'broken'), OPTIONS)).toThrow(BrokenRunbookError);
    expect(() => renderRunbookMarkdown(source(definition, 'broken'), OPTIONS)).toThrow(
      'broken: the definition is broken: "A" goes to "Nowhere", which is not a state of its machine; "In" goes to "A", which is not a state of its machine',
    );
  });
});

describe('the index', () => {
  it('links each runbook with its state count and the first sentence of its Comment', () => {
    const summaries = [
      summarise(source(CHOICE_AND_CATCH, 'hot-shard')),
      summarise(source(PARALLEL_AND_MAP, 'fan-out')),
    ];

    expect(summaries.map((s) => [s.name, s.states, s.purpose])).toEqual([
      ['hot-shard', 6, 'Raise capacity when the plan says so.'],
      ['fan-out', 7, 'Fan out.'],
    ]);
    expect(renderIndex(summaries, 'npm run docs:runbooks')).toContain(
      '- [hot-shard](hot-shard.md) (6 states): Raise capacity when the plan says so.\n- [fan-out](fan-out.md) (7 states): Fan out.\n',
    );
  });

  it.each([
    [
      'Key reshuffle: a key (1,000 WCU / 3,000 RCU) is spread. Then more.',
      'Key reshuffle: a key (1,000 WCU / 3,000 RCU) is spread.',
    ],
    ['No full stop', 'No full stop'],
    ['Why? Because.', 'Why?'],
  ])('takes the first sentence of %j', (text, sentence) => {
    expect(firstSentence(text)).toBe(sentence);
  });
});
