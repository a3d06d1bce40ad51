import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { questionSetSchema, evaluateRouter, parseContextFor } from '../src/llm/routerEval.js';
import { routeRules, extractLevers, extractRange, findQueues } from '../src/llm/rules.js';
import { Registry, parseCommandLine, type AnyCommand } from '../src/registry.js';
import { buildRegistry } from '../commands/index.js';
import { whatif } from '../commands/whatif.js';
import { staffing } from '../commands/staffing.js';

const raw = JSON.parse(readFileSync('tests/fixtures/questions.json', 'utf8')) as { questions: { split?: string }[] };
const set = questionSetSchema.parse(raw);
const pctx = parseContextFor(set);

describe('offline router on the labelled question set', () => {
  const report = evaluateRouter(set, routeRules);

  test('covers enough questions, every intent, with threads', () => {
    expect(set.questions.length).toBeGreaterThanOrEqual(80);
    expect(new Set(set.questions.map((q) => q.command))).toEqual(new Set(['sla', 'why', 'drift', 'whatif', 'staffing', 'risk', 'tickets', 'kpi', 'export', 'help']));
    expect(set.questions.filter((q) => q.thread).length).toBeGreaterThanOrEqual(10);
  });

  test('intent and argument accuracy ≥ 95 %', () => {
    const wrong = report.rows.filter((r) => !r.argsOk).map((r) => `${r.q} → ${r.line}: ${r.diffs.join('; ')}`);
    expect(wrong, wrong.join('\n')).toEqual(expect.any(Array));
    expect(report.intentAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.argumentAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  test('held-out questions (written after tuning) ≥ 90 %', () => {
    const rows = report.rows.filter((_, i) => raw.questions[i].split === 'holdout');
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(rows.filter((r) => r.argsOk).length / rows.length).toBeGreaterThanOrEqual(0.9);
  });

  test('the scorer can fail: a router that always says sla scores low', () => {
    const bad = evaluateRouter(set, (q, p) => ({ ...routeRules(q, p, null), command: 'sla' }));
    expect(bad.intentAccuracy).toBeLessThan(0.3);
  });
});

describe('routed lines parse with the commands’ own grammars', () => {
  const reg = buildRegistry();
  const extra = new Registry([...(['whatif', 'staffing'].filter((n) => !reg.get(n)).length ? [whatif, staffing] : []) as AnyCommand[], ...reg.commands]);

  test('every routed line of an available command parses, with the routed queue, dates and levers', () => {
    let checked = 0;
    for (const q of set.questions) {
      if (q.thread) continue;
      const r = routeRules(q.q, pctx, null);
      const cmd = extra.get(r.command);
      if (!cmd) continue;
      const p = parseCommandLine(extra, r.line, pctx);
      expect(p.ok, `${q.q} → ${r.line}: ${p.ok ? '' : p.error.message}`).toBe(true);
      if (!p.ok) continue;
      checked++;
      const a = p.args as Record<string, unknown>;
      if ('queue' in a) expect(a.queue ?? null, r.line).toBe(r.slots.queue ?? null);
      if (r.command === 'sla' || r.command === 'tickets') {
        const range = a.range as { from: string; to: string } | null;
        expect(range ? { from: range.from, to: range.to } : null, r.line).toEqual(r.slots.range ? { from: r.slots.range.from, to: r.slots.range.to } : null);
      }
      if (r.command === 'whatif' || r.command === 'staffing') expect(a.date ?? null, r.line).toBe(r.slots.range?.from ?? null);
      if (r.command === 'whatif') {
        for (const [k, v] of Object.entries(r.slots.levers ?? {})) expect(a[k], `${r.line} ${k}`).toBe(v);
        expect(a.hours ?? null, r.line).toEqual(r.slots.levers?.agents ? r.slots.hours ?? null : null);
      }
      if (r.command === 'staffing' && r.slots.target) expect([a.targetPct, a.targetSeconds]).toEqual([r.slots.target.pct, r.slots.target.seconds]);
      if (r.command === 'staffing' && r.slots.shrinkagePct) expect(a.shrinkagePct).toBe(r.slots.shrinkagePct);
      if (r.command === 'tickets') {
        if (r.slots.similar) expect(a).toMatchObject({ mode: 'similar', ticketId: r.slots.ticketId });
        else expect(String(a.query).replace(/"/g, '')).toBe(r.slots.query);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(40);
  });
});

describe('pieces, against hand-derived values', () => {
  test('lever phrases', () => {
    const cases: [string, object, object | null][] = [
      ['add 2 agents from 9 to 12', { agents: 2 }, { fromMinute: 540, toMinute: 720 }],
      ['two fewer people 9am-1pm', { agents: -2 }, { fromMinute: 540, toMinute: 780 }],
      ['lose three agents between 10 and noon', { agents: -3 }, { fromMinute: 600, toMinute: 720 }],
      ['cut aht by 10%', { ahtPct: -10 }, null],
      ['aht +30s', { ahtSeconds: 30 }, null],
      ['reduce handle time by 1.5 minutes', { ahtSeconds: -90 }, null],
      ['10% lower acw', { acwPct: -10 }, null],
      ['wrap-up down 20 seconds', { acwSeconds: -20 }, null],
      ['volume up 25%', { volumePct: 25 }, null],
      ['15% fewer calls', { volumePct: -15 }, null],
      ['if volume doubles', { volumePct: 100 }, null],
      ['improve fcr by 4 points', { fcrPoints: 4 }, null],
      ['+1 agent aht -5% 13:00-15:30', { agents: 1, ahtPct: -5 }, { fromMinute: 780, toMinute: 930 }],
      ['add 3 agents 8 to 5', { agents: 3 }, { fromMinute: 480, toMinute: 1020 }],
    ];
    for (const [text, levers, hours] of cases) {
      const r = extractLevers(` ${text} `);
      expect(r.levers, text).toEqual(levers);
      expect(r.hours, text).toEqual(hours);
    }
    expect(extractLevers(' how many agents do we need ').levers).toEqual({});
    expect(extractLevers(' target 90/30 with 35% shrinkage ')).toMatchObject({ target: { pct: 90, seconds: 30 }, shrinkagePct: 35 });
  });

  test('date phrases on Friday 2026-11-20', () => {
    const today = '2026-11-20';
    const cases: [string, string, string][] = [
      ['yesterday', '2026-11-19', '2026-11-19'],
      ['the day before yesterday', '2026-11-18', '2026-11-18'],
      ['since monday', '2026-11-16', '2026-11-20'],
      ['in the past week', '2026-11-13', '2026-11-19'],
      ['last week', '2026-11-09', '2026-11-15'],
      ['over the last 2 weeks', '2026-11-06', '2026-11-19'],
      ['3 days ago', '2026-11-17', '2026-11-17'],
      ['on tuesday', '2026-11-17', '2026-11-17'],
      ['this morning', '2026-11-20', '2026-11-20'],
      ['last month', '2026-10-01', '2026-10-31'],
      ['from nov 2 to nov 6', '2026-11-02', '2026-11-06'],
      ['2026-11-01..2026-11-03', '2026-11-01', '2026-11-03'],
      ['over the weekend', '2026-11-14', '2026-11-15'],
    ];
    for (const [text, from, to] of cases) {
      const r = extractRange(` ${text} `, today);
      expect(r.range && { from: r.range.from, to: r.range.to }, text).toEqual({ from, to });
    }
    expect(extractRange(' how is billing ', today).range).toBeNull();
  });

  test('queues: case, spaces, dashes, typos; common words are not queues', () => {
    const qs = ['billing', 'tech_support', 'accounts', 'shipping'];
    expect(findQueues('how is tech support', qs).queues).toEqual(['tech_support']);
    expect(findQueues('TECH-SUPPORT and Billing', qs).queues).toEqual(['tech_support', 'billing']);
    expect(findQueues('biling acounts shippping', qs).queues).toEqual(['billing', 'accounts', 'shipping']);
    expect(findQueues('why did the sla drop today for all agents', qs).queues).toEqual([]);
  });

  test('a queue’s own time zone decides "yesterday" (London vs New York at 02:00 UTC)', () => {
    const early = { ...pctx, now: new Date('2026-11-20T02:00:00Z') };
    expect(routeRules('sla shipping yesterday', early, null).slots.range?.from).toBe('2026-11-19');
    expect(routeRules('sla billing yesterday', early, null).slots.range?.from).toBe('2026-11-18');
  });

  test('follow-ups inherit; a fresh question does not', () => {
    const first = routeRules('why did billing drop yesterday', pctx, null);
    const follow = routeRules('and tech support?', pctx, { command: first.command, slots: first.slots });
    expect(follow).toMatchObject({ command: 'why', followUp: true, slots: { queue: 'tech_support', range: { from: '2026-11-19' } } });
    const fresh = routeRules('how many agents do we need on accounts tomorrow', pctx, { command: first.command, slots: first.slots });
    expect(fresh).toMatchObject({ command: 'staffing', followUp: false, slots: { queue: 'accounts', range: { from: '2026-11-21' } } });
  });
});
