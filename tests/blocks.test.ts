/**
 * Block Kit builders against Slack's limits: the kit itself, budget() splitting, and every message/view we
 * build (sla, help, Home, what-if modal) at its extremes — long names, 200 rows — plus escaping and snapshots.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  esc,
  clip,
  header,
  section,
  fields,
  context,
  actions,
  codeSections,
  budget,
  fitView,
  validateBlocks,
  fallbackText,
  blockChars,
  LIMITS,
  type Block,
} from '../src/blocks/kit.js';
import { sla, type SlaResult, type SlaQueueResult } from '../commands/sla.js';
import { makeHelp } from '../commands/help.js';
import type { AnyCommand } from '../src/registry.js';
import { homeView } from '../src/slack/home.js';
import { whatifModal } from '../src/slack/whatif.js';
import { renderExecution } from '../src/slack/answer.js';
import type { Execution } from '../src/execute.js';

const NASTY = '<!channel> & <@U1> <https://evil.test|click> ';

function queue(i: number, name: string, sl: number | null): SlaQueueResult {
  const totals = { offered: 1000 + i, handled: 950, abandoned: 50, sl, abandonRate: 0.05, ahtSeconds: 300, acwSeconds: 45, avgAgents: 12.5, agentHours: 100, intervalsBelowTarget: 3 };
  return {
    queue: `q${i}`,
    displayName: name,
    target: { pct: 80, seconds: 20 },
    status: sl === null ? 'no_data' : sl < 0.8 ? 'below_target' : sl < 0.83 ? 'at_risk' : 'on_target',
    total: totals,
    days: [{ date: '2026-11-20', ...totals }],
    trend14: Array.from({ length: 14 }, (_, d) => ({ date: `2026-11-${String(7 + d).padStart(2, '0')}`, sl: sl === null ? null : Math.min(1, sl + d / 100) })),
    sparkline: '▁▂▃▄▅▆▇█▇▆▅▄▃▂',
    belowTarget: Array.from({ length: 48 }, (_, k) => ({ date: '2026-11-20', intervalStart: '2026-11-20T00:00:00Z', localTime: `${String(Math.floor(k / 2)).padStart(2, '0')}:${k % 2 ? '30' : '00'}`, sl: 0.5, offered: 10 })),
  };
}

function slaResult(n: number, name: (i: number) => string): SlaResult {
  return { range: { from: '2026-11-20', to: '2026-11-20', label: 'yesterday' }, note: null, queues: Array.from({ length: n }, (_, i) => queue(i, name(i), i % 7 === 6 ? null : 0.6 + (i % 5) / 10)) };
}

/** Every mrkdwn/plain text in blocks, for escaping checks. */
function texts(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

describe('kit', () => {
  it('escapes exactly &, < and >', () => {
    expect(esc('<!channel> & <@U1> "q" \'x\' *b*')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; "q" \'x\' *b*');
    expect(esc(null)).toBe('');
    expect(esc(42)).toBe('42');
  });

  it('clips to the limit without splitting an emoji or an entity', () => {
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdefg', 6)).toBe('abcde…');
    const emoji = 'ab😀cd';
    expect(clip(emoji, 4)).toBe('ab…');
    expect(clip(esc('abc & def'), 8)).toBe('abc …');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (s, max) => {
        const c = clip(esc(s), max);
        expect(c.length).toBeLessThanOrEqual(Math.max(max, 1));
        expect(c).not.toMatch(/[\uD800-\uDBFF]…$/);
        expect(c).not.toMatch(/&(a|am|amp|l|lt|g|gt)…$/);
      }),
    );
  });

  it('builders clip to Slack’s limits', () => {
    const long = 'x'.repeat(10_000);
    for (const b of [header(long), section(long), fields(Array(15).fill(long)), context(...Array(15).fill(long)), actions([{ text: long, actionId: 'a', value: long }])]) {
      expect(validateBlocks([b]).filter((p) => !p.includes('characters >'))).toEqual([]);
    }
    expect(codeSections(Array.from({ length: 400 }, (_, i) => `row ${i} ${'y'.repeat(60)}`).join('\n')).every((b) => validateBlocks([b]).length === 0)).toBe(true);
  });

  it('validateBlocks catches what Slack would reject', () => {
    const raw: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
      { type: 'section', fields: Array(11).fill({ type: 'mrkdwn', text: 'f' }) },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a', value: 'v'.repeat(2001) }] },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
    ];
    const problems = validateBlocks(raw);
    expect(problems.join('\n')).toMatch(/header 151 > 150/);
    expect(problems.join('\n')).toMatch(/text 3001 > 3000/);
    expect(problems.join('\n')).toMatch(/11 fields > 10/);
    expect(problems.join('\n')).toMatch(/button text length 76/);
    expect(problems.join('\n')).toMatch(/value 2001 > 2000/);
    expect(problems.join('\n')).toMatch(/empty text/);
    expect(validateBlocks(Array(51).fill(divider()))).toEqual(['51 blocks > 50']);
    expect(validateBlocks(Array(100).fill(divider()), 'view')).toEqual([]);
  });

  it('fallbackText takes header, sections, fields and context, and is never empty', () => {
    expect(fallbackText([header('H'), section('S'), fields(['F1', 'F2']), context('C'), divider()])).toBe('H\nS\nF1\nF2\nC');
    expect(fallbackText([divider()])).toBe('SLA Radar');
    expect(fallbackText([section('```code```')])).toBe('code');
  });
});

function divider(): Block {
  return { type: 'divider' };
}

describe('budget', () => {
  it('leaves a message that fits alone', () => {
    const blocks = [header('x'), section('y')];
    expect(budget(blocks)).toEqual({ blocks, overflow: [] });
  });

  it('splits 200 sections into valid messages, in order, with a note on the first', () => {
    const blocks = Array.from({ length: 200 }, (_, i) => section(`row ${i}`));
    const b = budget(blocks);
    expect(b.overflow.length).toBeGreaterThan(0);
    for (const page of [b.blocks, ...b.overflow]) expect(validateBlocks(page)).toEqual([]);
    expect(JSON.stringify(b.blocks.at(-1))).toContain(`continued in the thread (${b.overflow.length} more`);
    expect([...b.blocks.slice(0, -1), ...b.overflow.flat()]).toEqual(blocks);
  });

  it('splits on characters too: twelve 2,900-character sections never exceed ~10k per message', () => {
    const blocks = Array.from({ length: 12 }, (_, i) => section(`${i}`.padEnd(2900, '.')));
    const b = budget(blocks);
    for (const page of [b.blocks, ...b.overflow]) {
      expect(page.reduce((s, x) => s + blockChars(x), 0)).toBeLessThanOrEqual(LIMITS.messageChars);
      expect(validateBlocks(page)).toEqual([]);
    }
    expect(b.overflow.length).toBe(3);
  });

  it('never ends a page with a header: it moves with what it introduces', () => {
    const blocks = [...Array.from({ length: 48 }, (_, i) => section(`a${i}`)), header('Part two'), section('b0')];
    const b = budget(blocks);
    expect(b.blocks.filter((x) => x.type === 'header')).toHaveLength(0);
    expect(b.overflow[0][0].type).toBe('header');
  });

  it('property: any sequence of valid blocks → every page valid, nothing lost or reordered', () => {
    const blockArb = fc.oneof(
      fc.string({ maxLength: 3000 }).map((s) => section(s || '.')),
      fc.string({ maxLength: 150 }).map((s) => header(s || 'h')),
      fc.constant(divider()),
      fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 10 }).map((xs) => context(...xs.map((x) => x || '.'))),
    );
    fc.assert(
      fc.property(fc.array(blockArb, { maxLength: 180 }), (blocks) => {
        const b = budget(blocks);
        const pages = [b.blocks, ...b.overflow];
        for (const page of pages) expect(validateBlocks(page)).toEqual([]);
        const body = b.overflow.length ? b.blocks.slice(0, -1) : b.blocks;
        expect([...body, ...b.overflow.flat()]).toEqual(blocks);
      }),
      { numRuns: 60 },
    );
  });

  it('fitView cuts a view to 100 blocks with a note', () => {
    const v = fitView(Array.from({ length: 150 }, (_, i) => section(`${i}`)), 'more…');
    expect(v).toHaveLength(100);
    expect(validateBlocks(v, 'view')).toEqual([]);
    expect(JSON.stringify(v.at(-1))).toContain('more…');
  });
});

describe('the sla answer at its limits', () => {
  const longName = (i: number) => `${NASTY}${'Very Long Queue Name '.repeat(30)}#${i}`;

  it('200 queues with 600+ character hostile names: every message valid and escaped', () => {
    const blocks = sla.blocks!(slaResult(200, longName), { public: false });
    const b = budget(blocks);
    expect(b.overflow.length).toBeGreaterThanOrEqual(4);
    for (const page of [b.blocks, ...b.overflow]) expect(validateBlocks(page)).toEqual([]);
    for (const t of texts(blocks)) {
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<@U1>');
      expect(t).not.toContain('<https://evil');
    }
  });

  it('usage and internal errors are escaped when rendered for Slack', () => {
    const e: Execution = { ok: false, kind: 'internal', ref: 'abcd1234', cause: null, message: 'oops <!channel>' };
    expect(JSON.stringify(renderExecution(e))).toContain('oops &lt;!channel&gt;');
  });

  it('snapshot: a two-queue answer', () => {
    expect(sla.blocks!(slaResult(2, (i) => (i ? 'Tech Support' : 'Billing & Co')), { public: false })).toMatchSnapshot();
  });

  it('snapshot: help (over a fixed command list, so new commands do not churn it)', async () => {
    const help = makeHelp(() => [sla as AnyCommand]);
    const result = await help.run({} as never, help.args.parse({}));
    const blocks = help.blocks!(result, {});
    expect(validateBlocks(blocks)).toEqual([]);
    expect(blocks).toMatchSnapshot();
  });
});

describe('App Home', () => {
  const now = new Date('2026-11-21T15:00:00Z');
  const buttons = [
    { text: 'SLA today', line: 'sla' },
    { text: 'Help', line: 'help' },
  ];

  it('200 queues with long names: ≤ 100 blocks, valid, escaped, worst first kept', () => {
    const r = slaResult(200, (i) => `${NASTY}${'x'.repeat(3000)}${i}`);
    const v = homeView({ sla: r, now, buttons });
    expect(v.type).toBe('home');
    expect(v.blocks.length).toBeLessThanOrEqual(100);
    expect(validateBlocks(v.blocks, 'view')).toEqual([]);
    expect(JSON.stringify(v.blocks)).toContain('more queues');
    for (const t of texts(v.blocks)) expect(t).not.toContain('<!channel>');
    expect(JSON.stringify(v.blocks)).toContain('"action_id":"run_command"');
  });

  it('an empty warehouse and a failed summary still give a valid view', () => {
    const empty = homeView({ sla: { range: { from: '2026-11-21', to: '2026-11-21', label: 'today' }, note: null, queues: [] }, now, buttons });
    expect(validateBlocks(empty.blocks, 'view')).toEqual([]);
    expect(JSON.stringify(empty.blocks)).toContain('No queues in the warehouse yet');
    const failed = homeView({ sla: null, problem: 'db <locked>', now, buttons: [] });
    expect(validateBlocks(failed.blocks, 'view')).toEqual([]);
    expect(JSON.stringify(failed.blocks)).toContain('db &lt;locked&gt;');
  });

  it('snapshot', () => {
    expect(homeView({ sla: slaResult(3, (i) => ['Billing', 'Tech Support', 'Sales'][i]), now, buttons })).toMatchSnapshot();
  });
});

describe('what-if modal', () => {
  it('stays within modal limits with 300 queues and long names', () => {
    const queues = Array.from({ length: 300 }, (_, i) => ({ queue: `q${i}`, displayName: 'N'.repeat(500) }));
    const m = whatifModal({ queues, queue: 'q1', date: '2026-11-21', meta: { channel: 'C1', user: 'U1' } });
    expect(m.title.text.length).toBeLessThanOrEqual(24);
    expect(m.blocks.length).toBeLessThanOrEqual(100);
    expect((m.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
    // More than 100 options is not allowed in a static_select: it becomes a text input.
    expect(JSON.stringify(m.blocks[0])).toContain('plain_text_input');
  });

  it('options are clipped to 75 characters', () => {
    const m = whatifModal({ queues: [{ queue: 'billing', displayName: 'B'.repeat(200) }], queue: 'billing', date: '2026-11-21', meta: {} });
    const el = (m.blocks[0] as unknown as { element: { options: { text: { text: string } }[] } }).element;
    expect(el.options[0].text.text.length).toBeLessThanOrEqual(75);
  });

  it('snapshot', () => {
    expect(whatifModal({ queues: [{ queue: 'billing', displayName: 'Billing' }, { queue: 'support', displayName: 'Tech Support' }], queue: 'billing', date: '2026-11-21', meta: { channel: 'C1', user: 'U1' } })).toMatchSnapshot();
  });
});
