import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../cli/render/report/escape.ts';
import type { Figure, ScenarioCharts, TradeOff } from '../../cli/render/report/figures.ts';
import { renderReport, type ReportSection } from '../../cli/render/report/page.ts';
import { figureScales, LAYOUT, markerGapSeconds, renderFigure } from '../../cli/render/report/svg.ts';
import { stepMarkers } from '../../cli/render/report/markers.ts';
import type { RunSummary } from '../../simulations/outcome.ts';
import type { DayCost } from '../../simulations/cost.ts';
import { tableCostModel } from '../../simulations/cost-table.ts';

const RUN: RunSummary = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:hot-shard:local-0001',
  status: 'SUCCEEDED',
  outcome: 'healed',
  startedAtSeconds: 540,
  stoppedAtSeconds: 740,
  states: [
    { name: 'Check the request', type: 'Task', atSeconds: 540 },
    { name: 'Is the plan <safe>?', type: 'Choice', atSeconds: 540 },
    { name: 'Give the table time to update', type: 'Wait', atSeconds: 560 },
    { name: 'Report "healed" & done', type: 'Pass', atSeconds: 740 },
  ],
};

const OVERLAY: Figure = {
  title: 'Throttled requests per minute',
  unit: 'requests',
  integer: true,
  panels: [
    {
      steps: true,
      series: [
        { label: 'selfheal', color: '#1c64d8', values: [0, 400, 0] },
        { label: 'none', color: '#6b7280', values: [0, 400, 900] },
        { label: 'demand', color: '#9aa3ad', dashed: true, values: [100, 100, 100] },
        { label: 'never', color: '#000000', values: [null, null, null] },
      ],
    },
  ],
};

const SMALL_MULTIPLES: Figure = {
  title: 'Failed requests per minute, per cell',
  unit: 'requests',
  integer: true,
  panels: [
    { title: 'selfheal', steps: true, series: [{ label: 'cell 1', color: '#0b7285', values: [5, 10] }] },
    { title: 'none', steps: false, series: [{ label: 'cell 1', color: '#0b7285', values: [5, 1200] }] },
  ],
};

function charts(figures: Figure[], runs: RunSummary[] = [RUN]): ScenarioCharts {
  return { durationSeconds: 45 * 60, figures, runs };
}

function section(overrides: Partial<ReportSection> = {}): ReportSection {
  return {
    scenario: 'hot-shard',
    description: 'a provisioned table meets a write surge',
    settings: 'seed 1',
    outcome: 'healed',
    charts: charts([OVERLAY]),
    summary: { scenario: 'hot-shard', seed: 1, healed: true, throttledRequests: 101_684, baselines: {} },
    ...overrides,
  };
}

const timelineOf = (c: ScenarioCharts) => ({
  durationSeconds: c.durationSeconds,
  markers: stepMarkers(c.runs, markerGapSeconds(c.durationSeconds)),
  spans: [],
});

describe('escapeHtml', () => {
  it('escapes every character markup could read', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('figureScales', () => {
  it('shares one value axis across a figure’s panels: the largest value of any', () => {
    const { axis, y } = figureScales(SMALL_MULTIPLES, 120);
    expect(axis.max).toBe(1250);
    expect(y(0)).toBe(LAYOUT.plotBottom);
    expect(y(1250)).toBe(LAYOUT.top);
  });

  it('scales stacked shares by their sum', () => {
    const stacked: Figure = {
      ...SMALL_MULTIPLES,
      stacked: true,
      panels: [
        {
          steps: false,
          series: [
            { label: 'a', color: '#000000', values: [60, 30] },
            { label: 'b', color: '#000000', values: [40, null, 90] },
          ],
        },
      ],
    };
    expect(figureScales(stacked, 120).axis.max).toBe(100);
  });

  it('runs the time axis over the whole duration', () => {
    const { x } = figureScales(OVERLAY, 2700);
    expect(x(0)).toBe(LAYOUT.left);
    expect(x(2700)).toBe(LAYOUT.width - LAYOUT.right);
  });
});

describe('renderFigure', () => {
  const html = renderFigure(OVERLAY, timelineOf(charts([OVERLAY])));

  it('draws a path per series with values, the selfheal line last (on top), the reference first', () => {
    const labels = [...html.matchAll(/<path class="series[^"]*"[^>]*><title>([^<]*)<\/title>/g)].map(
      (m) => m[1],
    );
    expect(labels).toEqual(['demand', 'none', 'selfheal']);
  });

  it('draws lines that may coincide wider and lighter the lower they lie, so each colour shows', () => {
    const lines = [
      ...html.matchAll(/<path class="series([^"]*)"[^>]*stroke-width="([\d.]+)"><title>(\w+)/g),
    ].map((m) => [m[3], m[1]?.trim(), Number(m[2])]);
    expect(lines).toEqual([
      ['demand', 'reference', 1.5],
      ['none', 'under', 4],
      ['selfheal', '', 2],
    ]);
  });

  it('draws many lines (a fleet’s cells) alike and thin', () => {
    const cells: Figure = {
      ...OVERLAY,
      panels: [
        {
          steps: false,
          series: ['1', '2', '3', '4'].map((n) => ({ label: `cell ${n}`, color: '#000000', values: [1] })),
        },
      ],
    };
    const widths = [
      ...renderFigure(cells, timelineOf(charts([cells]))).matchAll(
        /class="series" [^>]*stroke-width="([\d.]+)"/g,
      ),
    ];
    expect(widths.map((m) => m[1])).toEqual(['1.6', '1.6', '1.6', '1.6']);
  });

  it('has a legend entry per series, the reference dashed', () => {
    expect(html.match(/<ul class="legend">.*?<\/ul>/s)?.[0].match(/<li>/g)).toHaveLength(4);
    expect(html).toMatch(/stroke-dasharray="5 3"\/><\/svg>demand/);
  });

  it('marks the run’s steps with tooltips, Choices left out, text escaped', () => {
    const titles = [...html.matchAll(/<g class="step"><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      '09:00\nTask: Check the request\nWait: Give the table time to update',
      '12:20\nPass: Report &quot;healed&quot; &amp; done',
    ]);
    expect(html).not.toContain('Is the plan');
    expect(html.match(/class="step-number"[^>]*>(\d+)</g)).toHaveLength(2);
  });

  it('draws the panels of a figure on the same axes, the steps only where asked', () => {
    const multiples = renderFigure(SMALL_MULTIPLES, timelineOf(charts([SMALL_MULTIPLES])));
    const panels = multiples.split('<div class="panel">').slice(1);
    expect(panels).toHaveLength(2);
    const ticks = (panel: string) => [...panel.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]);
    expect(ticks(panels[0] ?? '')).toEqual(ticks(panels[1] ?? ''));
    expect(ticks(panels[0] ?? '')).toContain('1.25k');
    expect(panels[0]).toContain('class="step"');
    expect(panels[1]).not.toContain('class="step"');
    expect(panels.map((p) => p.match(/viewBox="[^"]*"/)?.[0])).toEqual([
      `viewBox="0 0 ${LAYOUT.width} ${LAYOUT.height}"`,
      `viewBox="0 0 ${LAYOUT.width} ${LAYOUT.height}"`,
    ]);
  });
});

describe('renderReport', () => {
  it('is one self-contained page: no script, nothing to fetch, a policy that forbids fetching', () => {
    const html = renderReport([section()]);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import/i);
    const links = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links.every((link) => link?.startsWith('#'))).toBe(true);
  });

  it('escapes every text it is given', () => {
    const html = renderReport([
      section({
        scenario: 'hot-<shard>',
        description: '<script>alert("x")</script> & co',
        summary: { note: '<img src=x onerror=alert(1)>', baselines: { "<b>'none'</b>": { note: 1 } } },
      }),
    ]);
    expect(html).not.toMatch(/<script>|<img|<b>|<shard>/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;&#39;none&#39;&lt;/b&gt;');
  });

  it('has a section per scenario, and links to each when there are several', () => {
    const one = renderReport([section()]);
    expect(one).not.toContain('<nav>');
    const two = renderReport([section(), section({ scenario: 'sqs-backpressure', outcome: 'not-healed' })]);
    expect(two.match(/<section class="scenario"/g)).toHaveLength(2);
    expect(two).toContain('<a href="#scenario-sqs-backpressure">sqs-backpressure</a>');
    expect(two).toContain('id="scenario-sqs-backpressure"');
    expect(two).toContain('<span class="badge not-healed">not healed</span>');
  });

  it('lists the numbered steps and every state entered (Choices included) under the charts', () => {
    const html = renderReport([section()]);
    expect(html.match(/<ol class="markers">.*?<\/ol>/s)?.[0].match(/<li value="\d+">/g)).toHaveLength(2);
    expect(html).toContain('Every state entered (4)');
    expect(html).toContain('<td>Is the plan &lt;safe&gt;?</td>');
  });

  it('says so when selfheal started no runbook', () => {
    const html = renderReport([section({ charts: charts([OVERLAY], []) })]);
    expect(html).toContain('selfheal started no runbook in this incident.');
    expect(html).not.toContain('class="step"');
  });

  it('shows the outcome figures with the values --json prints', () => {
    const html = renderReport([
      section({
        summary: {
          healed: true,
          throttledRequests: 101_684,
          baselines: { none: { healed: false, throttledRequests: 1_281_286 } },
          throttledRatio: { none: 0.0794 },
        },
      }),
    ]);
    expect(html).toContain(
      '<tr data-key="throttledRequests"><th>throttle events (retries included) <code>throttledRequests</code></th>' +
        '<td data-variant="selfheal" data-value="101684">101,684</td>' +
        '<td data-variant="none" data-value="1281286">1,281,286</td></tr>',
    );
    expect(html).toContain('<td class="none">-</td><td data-variant="none" data-value="0.0794">0.0794</td>');
  });
});

const TRADE_OFF: TradeOff = {
  harm: 'throttled requests',
  harmKey: 'throttledRequests',
  points: [
    { variant: 'selfheal', color: '#1c64d8', costUsd: 16.33, harm: 197_380 },
    { variant: 'auto-scaling', color: '#e8590c', costUsd: 2.83, harm: 674_174 },
    { variant: 'on-demand', color: '#2f9e44', costUsd: 5.72, harm: 0 },
    { variant: '<none>', color: '#6b7280', costUsd: 2.5, harm: 1_281_286 },
  ],
};

function dayCost(usd: number, write: number, restOfDay: string): DayCost {
  return {
    usd,
    simulatedUsd: 0.5,
    simulatedMinutes: 45,
    items: [
      {
        item: 'DynamoDB provisioned write capacity',
        unit: 'WCU-hours',
        simulated: 700,
        restOfDay: 20_000,
        usdPerUnit: 0.00065,
        usd: write,
      },
      {
        item: 'Step Functions state transitions (Standard)',
        unit: 'transitions',
        simulated: 44,
        restOfDay: 0,
        usdPerUnit: 0.000025,
        usd: usd === 16.33 ? 0.0011 : 0,
      },
    ],
    restOfDay,
  };
}

describe('the cost section', () => {
  const html = renderReport([
    section({
      charts: { ...charts([OVERLAY]), tradeOffs: [TRADE_OFF] },
      summary: {
        healed: true,
        costUsd24h: 16.33,
        cost: dayCost(16.33, 15.39, 'write 1,293 WCU, scaled in to 987 at 49 min'),
        baselines: {
          none: { healed: false, costUsd24h: 2.5, cost: dayCost(2.5, 1.56, 'write 100 WCU all day') },
        },
        costModel: tableCostModel(),
      },
    }),
  ]);

  it('plots cost against harm: one point per variant, each labelled, in its colour', () => {
    const scatter = html.match(/<svg class="scatter".*?<\/svg>/s)?.[0] ?? '';
    const points = [
      ...scatter.matchAll(
        /<g class="point" data-variant="([^"]*)" data-cost-usd="([^"]*)" data-harm="([^"]*)">.*?fill="([^"]*)".*?<text class="point-label"[^>]*>([^<]*)<\/text><\/g>/gs,
      ),
    ].map((m) => [m[1], Number(m[2]), Number(m[3]), m[4], m[5]]);
    expect(points).toEqual([
      ['selfheal', 16.33, 197_380, '#1c64d8', 'selfheal'],
      ['auto-scaling', 2.83, 674_174, '#e8590c', 'auto-scaling'],
      ['on-demand', 5.72, 0, '#2f9e44', 'on-demand'],
      ['&lt;none&gt;', 2.5, 1_281_286, '#6b7280', '&lt;none&gt;'],
    ]);
    expect(scatter).toContain('aria-label="Cost over 24 hours against throttled requests"');
    expect(html).toContain('data-harm="throttledRequests"');
  });

  it('is not mistaken for a time chart', () => {
    expect(html.match(/<svg class="plot"/g)).toHaveLength(1);
  });

  it('lists each variant’s cost item by item, the totals, and each variant’s rest of the day', () => {
    const table = html.match(/<table class="cost-items">.*?<\/table>/s)?.[0] ?? '';
    expect([...table.matchAll(/<thead>.*?<\/thead>/gs)][0]?.[0]).toContain('<th>selfheal</th><th>none</th>');
    expect(table).toContain(
      '<th>DynamoDB provisioned write capacity</th><td data-variant="selfheal" data-usd="15.39"',
    );
    expect(table).toMatch(
      /<tr class="total"><th>total \(USD\)<\/th><td[^>]*>\$16\.33<\/td><td[^>]*>\$2\.50<\/td><\/tr>/,
    );
    expect(html).toContain('<li><strong>selfheal</strong>: write 1,293 WCU, scaled in to 987 at 49 min</li>');
    expect(html).toContain('<li><strong>none</strong>: write 100 WCU all day</li>');
  });

  it('states the prices with their sources, the assumptions and what is left out', () => {
    const model = html.match(/<details class="cost-model">.*?<\/details>/s)?.[0] ?? '';
    expect(model).toContain('us-east-1 list prices');
    expect(model).toContain(
      '<td>WCU-hour</td><td>USD 0.00065</td><td>Amazon DynamoDB pricing for provisioned capacity',
    );
    expect(model).toContain('<td>write request unit</td><td>USD 0.000000625</td>');
    expect(model).toContain('selfheal raises MinCapacity and schedules an Application Auto Scaling action');
    expect(model).toContain('<h4>Left out</h4>');
  });

  it('is left out of a summary without costs', () => {
    expect(renderReport([section()])).not.toContain('class="cost"');
  });
});
