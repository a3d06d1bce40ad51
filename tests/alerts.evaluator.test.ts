import { describe, it, expect, afterEach } from 'vitest';
import type { Db } from '../src/warehouse/db.js';
import { evaluate } from '../src/alerts/evaluator.js';
import { staticEngines, type Engines } from '../src/alerts/engines.js';
import { insertRule, allIntents, getState, setSnooze, setMute, listRules } from '../src/alerts/store.js';
import { finishRule, parseRuleTokens, type Rule } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { configSchema } from '../src/config.js';
import { WarehouseView } from '../src/alerts/data.js';
import { projectDay, arrivalsZ, textbookBasis } from '../src/alerts/providers.js';
import { recoveringWhatIf } from '../src/alerts/explain.js';
import { erlangC } from '../src/engines/queueing/erlang.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

const config = configSchema.parse({});
const engines = staticEngines();
const textbook = textbookBasis(erlangC);
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
});

async function wh(rows: IntervalSpec[], policies = [{ queue: 'billing', tz: 'UTC', target: 80 }]) {
  const { db } = await warehouseWith(rows, policies);
  dbs.push(db);
  return db;
}

function rule(db: Db, text: string, createdBy: string | null = null): Rule {
  const pctx = buildParseContext(db, config, new Date('2026-11-20T00:00:00Z'));
  const patch = parseRuleTokens(tokenize(text), pctx, { mode: 'full' });
  return insertRule(db, finishRule(patch, patch.tz ?? 'UTC'), text, createdBy, 0);
}

const run = (db: Db, iso: string, e: Engines = engines) => evaluate(db, { now: new Date(iso), engines: e, defaultTz: 'UTC' });
const day = (date: string, specs: [number, number][], o: Partial<IntervalSpec> = {}, from = '08:00'): IntervalSpec[] =>
  specs.map(([offered, awt], k) => ({ start: slot(`${date}T${from}:00Z`, k), queue: 'billing', offered, awt, ...o }));

describe('metric values (hand-derived)', () => {
  it('sl and sl_day: ratios of sums over the local day so far', async () => {
    const db = await wh(day('2026-11-20', [[100, 90], [100, 60], [100, 70]]));
    rule(db, 'sl < 75 queue=billing');
    rule(db, 'sl_day < 75 queue=billing');
    const r = run(db, '2026-11-20T09:31:00Z');
    expect(r.results.find((x) => x.ruleId === 1)).toMatchObject({ value: 70 });
    expect(r.results.find((x) => x.ruleId === 2)!.value).toBeCloseTo((100 * 220) / 300, 10);
  });

  it('arrivals_z: median and MAD of the same slot on the last four same weekdays', () => {
    // refs 100, 110, 90, 120 → median 105, |dev| 5, 5, 15, 15 → MAD 10 → scale max(14.826, √105, 1) = 14.826
    expect(arrivalsZ(160, null, { offered: 105, offeredMad: 10, n: 4 })).toBeCloseTo(55 / 14.826, 10);
    // A forecast replaces the median; the scale is still the larger of 1.4826·MAD and √expected.
    expect(arrivalsZ(160, 150, { offered: 105, offeredMad: 10, n: 4 })).toBeCloseTo(10 / 14.826, 10);
    expect(arrivalsZ(0, 4, undefined)).toBeCloseTo(-2, 10); // √4 floor
    expect(arrivalsZ(10, null, { offered: 5, offeredMad: 0, n: 1 })).toBeNull(); // one reference day is no baseline
  });

  it('arrivals_z end to end from the warehouse', async () => {
    const refs = [['2026-10-23', 100], ['2026-10-30', 110], ['2026-11-06', 90], ['2026-11-13', 120]] as const;
    const rows = refs.flatMap(([d, n]) => day(d, [[n, Math.round(n * 0.9)]], {}, '09:00'));
    rows.push(...day('2026-11-20', [[160, 150]], {}, '09:00'));
    const db = await wh(rows);
    rule(db, 'arrivals_z > 3 queue=billing');
    const r = run(db, '2026-11-20T09:31:00Z');
    expect(r.results[0].value).toBeCloseTo(55 / (1.4826 * 10), 6);
    expect(r.results[0].phase).toBe('firing');
  });

  it('asa: Erlang C mean wait, checked against the textbook sum formula', async () => {
    const db = await wh(day('2026-11-20', [[200, 150]], { aht: 240, acw: 30, agents: 30 }, '09:00'));
    rule(db, 'asa > 10 queue=billing');
    const r = run(db, '2026-11-20T09:31:00Z');
    // Reference: A = 200·240/1800; Pw = (Aᴺ/N!·N/(N−A)) / (Σ_{k<N} Aᵏ/k! + Aᴺ/N!·N/(N−A)); ASA = Pw·AHT/(N−A).
    const A = (200 * 240) / 1800;
    const N = 30;
    let term = 1;
    let sum = 0;
    for (let k = 0; k < N; k++) {
      sum += term;
      term *= A / (k + 1);
    }
    const tail = term * (N / (N - A));
    const asa = ((tail / (sum + tail)) * 240) / (N - A);
    expect(r.results[0].value).toBeCloseTo(asa, 8);
  });
});

describe('projection of the day', () => {
  const baselineDays = ['2026-10-23', '2026-10-30', '2026-11-06', '2026-11-13'];
  const full = (d: string) => day(d, Array.from({ length: 8 }, () => [100, 85] as [number, number]), { agents: 20, aht: 300, acw: 60 });

  it('a day with no slots left projects exactly its realised SL', async () => {
    const today: [number, number][] = Array.from({ length: 8 }, (_, k) => [100, 60 + k] as [number, number]);
    const db = await wh([...baselineDays.flatMap(full), ...day('2026-11-20', today, { agents: 20 })]);
    const src = new WarehouseView(db, 'UTC').rowsOf('billing')!;
    const p = projectDay(src.rowsOn('2026-11-20'), src.baseline('2026-11-20'), textbook);
    const realised = today.reduce((s, [, a]) => s + a, 0) / 800;
    expect(p.remaining).toHaveLength(0);
    expect(p.sl).toBeCloseTo(realised, 12);
  });

  it('more agents never lower the projection, and the suggested what-if is the smallest that recovers it', async () => {
    const today: [number, number][] = [[130, 70], [130, 65], [130, 72]];
    const db = await wh([...baselineDays.flatMap(full), ...day('2026-11-20', today, { agents: 18 })]);
    const src = new WarehouseView(db, 'UTC').rowsOf('billing')!;
    const rows = src.rowsOn('2026-11-20');
    const base = src.baseline('2026-11-20');
    const p0 = projectDay(rows, base, textbook);
    expect(p0.staffingRatio).toBeCloseTo(18 / 20, 12);
    expect(p0.volumeRatio).toBeCloseTo(390 / 300, 12);
    expect(p0.remaining.map((s) => s.localMinute)).toEqual([570, 600, 630, 660, 690]);
    let prev = p0.sl!;
    for (const n of [1, 2, 3, 5, 8, 13]) {
      const p = projectDay(rows, base, textbook, { agents: n, fromMinute: 570, toMinute: 720 });
      expect(p.sl!).toBeGreaterThanOrEqual(prev - 1e-12);
      prev = p.sl!;
    }
    const w = recoveringWhatIf(src, Date.parse('2026-11-20T09:31:00Z'), 70, engines)!;
    expect(w.agents).toBeGreaterThan(0);
    const at = (n: number) => 100 * projectDay(rows, base, textbook, { agents: n, fromMinute: w.fromMinute, toMinute: w.toMinute }).sl!;
    expect(at(w.agents)).toBeGreaterThanOrEqual(70);
    expect(at(w.agents - 1)).toBeLessThan(70);
    expect([w.fromMinute, w.toMinute]).toEqual([570, 690]); // the next two hours
    expect(w.command).toBe(`whatif billing today +${w.agents} agents 09:30-11:30`);
  });
});

describe('evaluator hygiene', () => {
  const breach = (date = '2026-11-20') => day(date, [[100, 90], [100, 60], [100, 62], [100, 64], [100, 90], [100, 91]]);

  it('re-running a tick writes nothing new; each intent key is recorded once', async () => {
    const db = await wh(breach());
    rule(db, 'sl < 75 queue=billing channel=#ops');
    run(db, '2026-11-20T09:01:00Z');
    run(db, '2026-11-20T09:01:00Z');
    run(db, '2026-11-20T09:05:00Z');
    expect(allIntents(db).map((i) => i.key)).toEqual(['a|1|billing|1']);
  });

  it('quiet hours in the rule’s time zone defer the post until they end; the state moves on meanwhile', async () => {
    const db = await wh(breach());
    // Quiet 03:00–05:15 New York = 08:00–10:15 UTC in November (UTC−5).
    rule(db, 'sl < 75 queue=billing channel=#ops quiet=03:00-05:15 tz=America/New_York');
    let r = run(db, '2026-11-20T09:01:00Z');
    expect(r.results[0].phase).toBe('firing');
    expect(allIntents(db)).toHaveLength(0);
    r = run(db, '2026-11-20T10:16:00Z');
    expect(allIntents(db).map((i) => i.key)).toEqual(['a|1|billing|1']);
    expect(getState(db, 1, 'billing')?.shown).toBe('firing');
  });

  it('snooze holds the post until it expires; mute holds it until unmuted', async () => {
    const db = await wh(breach());
    rule(db, 'sl < 75 queue=billing channel=#ops');
    rule(db, 'sl < 70 queue=billing channel=#ops');
    // First tick: no breach yet for either (08:00 interval is fine). Snooze rule 1's scope, mute rule 2.
    run(db, '2026-11-20T08:31:00Z');
    setSnooze(db, 1, 'billing', Date.parse('2026-11-20T09:45:00Z'), 'U1', 0);
    setMute(db, 2, 253_402_300_799_000, 'U1', 0);
    run(db, '2026-11-20T09:31:00Z');
    expect(allIntents(db)).toHaveLength(0);
    run(db, '2026-11-20T09:46:00Z');
    expect(allIntents(db).map((i) => i.key)).toEqual(['a|1|billing|1']);
    setMute(db, 2, null, null, 0);
    run(db, '2026-11-20T10:01:00Z');
    expect(allIntents(db).map((i) => i.key)).toEqual(['a|1|billing|1', 'a|2|billing|1']);
  });

  it('outside business hours breaches are ignored', async () => {
    const db = await wh(breach());
    rule(db, 'sl < 75 queue=billing hours=08:00-08:30');
    const r = run(db, '2026-11-20T10:01:00Z');
    expect(r.results[0].phase).toBe('ok');
  });

  it('minimum duration counts watched windows only: 17:30 breach, a night out of hours, 08:00 breach fires at 09:30 since 08:00', async () => {
    // Breached every half-hour from 17:30 to 09:30 (SL 60 %); the rule watches 08:00–18:00 and needs 90 minutes.
    const rows = [...day('2026-11-19', Array(13).fill([100, 60]), {}, '17:30'), ...day('2026-11-20', Array(4).fill([100, 60]), {}, '08:00')];
    const db = await wh(rows);
    rule(db, 'sl < 75 queue=billing hours=08:00-18:00 for 90m channel=#ops');
    // The scheduler's ticks through the night, one a minute after each half-hour.
    for (let t = Date.parse('2026-11-19T18:01:00Z'); t <= Date.parse('2026-11-20T09:01:00Z'); t += 1_800_000) run(db, new Date(t).toISOString());
    expect(allIntents(db)).toEqual([]);
    expect(getState(db, 1, 'billing')!.breachSince).toBe(Date.parse('2026-11-20T08:00:00Z'));
    run(db, '2026-11-20T09:31:00Z');
    const posts = allIntents(db).filter((i) => i.kind === 'post');
    expect(posts).toHaveLength(1);
    expect((posts[0].payload as { view: { firedAt: number } }).view.firedAt).toBe(Date.parse('2026-11-20T08:00:00Z'));
  });

  it('a long outage catches up at most six hours of data', async () => {
    const db = await wh([...breach('2026-11-19'), ...breach('2026-11-20')]);
    rule(db, 'sl < 75 queue=billing channel=#ops');
    run(db, '2026-11-19T07:00:00Z');
    const r = run(db, '2026-11-20T10:01:00Z');
    // Yesterday's episode is older than the catch-up window: only today's intervals (04:01 onwards) are read.
    expect(r.observations).toBe(4);
    expect(allIntents(db).map((i) => i.key)).toEqual(['a|1|billing|1']);
  });
});

describe('engine-backed metrics are pluggable', () => {
  it('a metric whose engine is missing is reported unavailable, others still run', async () => {
    const db = await wh(day('2026-11-20', [[100, 60]]));
    rule(db, 'projected_sl < target queue=billing');
    rule(db, 'drift queue=billing');
    rule(db, 'sl < 75 queue=billing');
    const r = run(db, '2026-11-20T08:31:00Z', {});
    expect(r.unavailable.map((u) => u.metric)).toEqual(['projected_sl', 'drift']);
    expect(r.results.map((x) => x.ruleId)).toEqual([3]);
  });

  it('drift: an open event fires, and its closing resolves', async () => {
    const db = await wh(day('2026-11-20', [[100, 60], [100, 60]]));
    rule(db, 'drift queue=billing channel=#ops driver=talk');
    let open = true;
    const stub: Engines = {
      detectDrift: () => ({
        events: [
          { queue: 'billing', driver: 'talk', direction: 'up', detectedAt: '2026-11-20T08:00:00Z', onsetEstimate: '2026-11-19T09:00:00Z', magnitude: 0.18, status: open ? 'open' : 'closed' },
          { queue: 'billing', driver: 'arrivals', direction: 'up', detectedAt: '2026-11-20T08:00:00Z', onsetEstimate: '2026-11-19T09:00:00Z', magnitude: 0.3, status: 'open' },
        ],
      }),
    };
    // detectDrift needs history before the monitored week; add one old row so it is called.
    db.exec(`INSERT INTO interval_inputs (queue, interval_start, interval_seconds, local_date, local_minute, local_dow, offered, handled, abandoned, answered_within_target, aht_seconds, acw_seconds, agents_staffed, sl_target_pct, sl_target_seconds)
             VALUES ('billing', '2026-11-01T08:00:00Z', 1800, '2026-11-01', 480, 0, 10, 10, 0, 9, 300, 60, 5, 80, 20)`);
    let r = run(db, '2026-11-20T09:01:00Z', stub);
    expect(r.results[0]).toMatchObject({ phase: 'firing', value: 1 });
    const view = JSON.parse(getState(db, 1, 'billing')!.view!);
    expect(view.detail).toEqual(['talk ↑ 18 % since 2026-11-19 09:00 UTC']);
    open = false;
    r = run(db, '2026-11-20T09:16:00Z', stub);
    expect(r.results[0].phase).toBe('resolved');
    expect(r.effects.map((e) => e.kind)).toEqual(['resolve']);
  });

  it('risk rules say why they cannot run when there is no trained model, instead of seeing zero tickets', async () => {
    const db = await wh(day('2026-11-20', [[100, 90]]));
    rule(db, 'risk_count > 3 queue=billing');
    const r = run(db, '2026-11-20T09:01:00Z', { scoreOpenTickets: () => { throw new Error('no active escalated risk model: train one with `radar risk train --label escalated`'); } });
    expect(r.unavailable).toEqual([{ ruleId: 1, metric: 'risk_count', reason: 'risk scores unavailable: no active escalated risk model: train one with `radar risk train --label escalated`' }]);
    expect(r.results).toEqual([]);
  });

  it('risk_ticket: one alert per ticket above the threshold, resolved when the ticket leaves the open set', async () => {
    const db = await wh(day('2026-11-20', [[100, 90]]));
    rule(db, 'risk_ticket > 80 queue=billing channel=#ops');
    rule(db, 'risk_count >= 2 queue=billing risk=0.5');
    let scores = [
      { ticketId: 'T-1', queue: 'billing', score: 0.91, subject: 'Refund <@U123> now' },
      { ticketId: 'T-2', queue: 'billing', score: 0.55 },
      { ticketId: 'T-3', queue: 'other', score: 0.99 },
    ];
    const stub: Engines = { scoreOpenTickets: () => scores };
    let r = run(db, '2026-11-20T09:01:00Z', stub);
    expect(r.results.filter((x) => x.ruleId === 1).map((x) => [x.scope, x.phase, x.value])).toEqual([['ticket:T-1', 'firing', 91]]);
    expect(r.results.find((x) => x.ruleId === 2)).toMatchObject({ scope: 'billing', value: 2, phase: 'firing' });
    scores = [{ ticketId: 'T-2', queue: 'billing', score: 0.55 }];
    r = run(db, '2026-11-20T09:16:00Z', stub);
    expect(r.results.filter((x) => x.ruleId === 1).map((x) => [x.scope, x.phase])).toEqual([['ticket:T-1', 'resolved']]);
    expect(allIntents(db).map((i) => i.key)).toEqual(['a|1|ticket:T-1|1', 'a|1|ticket:T-1|1|resolve0|u', 'a|1|ticket:T-1|1|resolve0|r']);
    expect(listRules(db)).toHaveLength(2);
  });
});
