import { describe, it, expect } from 'vitest';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { trainRiskModel, scoreTickets, groupEvents } from '../src/engines/risk/pipeline.js';
import { parseRiskModel, loadRiskModel } from '../src/engines/risk/model.js';
import { explainContributions, formatReason, formatDuration } from '../src/engines/risk/explain.js';
import { simulateBreachReduction, type SimTicket } from '../src/engines/risk/simulate.js';
import { featurize, rewindTicket } from '../src/engines/risk/features.js';
import { predictMarginRow } from '../src/engines/risk/gbdt.js';
import { averagePrecision } from '../src/engines/risk/metrics.js';
import { createRng } from '../src/engines/shared/rng.js';

const data = generateSyntheticTickets({ tickets: 3000, days: 60, seed: 11 });
const fast = { nRounds: 60, learningRate: 0.15 };
const trained = trainRiskModel(data, { label: 'escalated', seed: 5, gbdt: fast, bootstrap: 200, shapRows: 200 });

describe('risk pipeline', () => {
  it('splits by time and reports the test slice', () => {
    const { split, metrics, data: range } = trained.card;
    expect(split.train.tickets + split.validation.tickets + split.test.tickets).toBe(range.eligible);
    expect(split.train.rows + split.validation.rows + split.test.rows).toBe(range.rows);
    expect(split.train.to! <= split.validation.from!).toBe(true);
    expect(split.validation.to! <= split.test.from!).toBe(true);
    expect(split.test.tickets).toBe(Math.round(range.eligible * 0.2));
    // Rows at every default cut-off, metrics per cut-off on the tickets still open there.
    expect(trained.card.cutoffHours).toEqual([0, 1, 2, 4, 8, 24]);
    expect(metrics.byCutoff.map((m) => m.cutoffHours)).toEqual([0, 1, 2, 4, 8, 24]);
    expect(metrics.byCutoff.reduce((a, m) => a + m.rows, 0)).toBe(split.test.rows);
    for (let k = 1; k < metrics.byCutoff.length; k++) expect(metrics.byCutoff[k].rows).toBeLessThanOrEqual(metrics.byCutoff[k - 1].rows);
    // Each ticket weighs 1 in all, however many rows it has.
    const { w, ticket } = trained.matrix;
    const perTicket = new Map<number, number>();
    ticket.forEach((i, r) => perTicket.set(i, (perTicket.get(i) ?? 0) + w[r]));
    for (const v of perTicket.values()) expect(v).toBeCloseTo(1, 12);
    expect(perTicket.size).toBe(range.eligible);
    // The synthetic labels are learnable: well above the base rate, and not above the Bayes-optimal score.
    const bayes = trained.test.ticketIds.map((id) => data.bayes.get(id)!);
    const apBayes = averagePrecision(bayes, trained.test.labels);
    expect(metrics.test.prAuc).toBeGreaterThan(split.test.positiveRate + 0.2);
    expect(metrics.test.prAuc).toBeLessThan(apBayes + 0.05);
    expect(metrics.calibration.length).toBe(10);
    expect(trained.card.topFeatures.length).toBeGreaterThan(3);
    expect(trained.card.notes.join(' ')).toMatch(/uncalibrated log-odds/);
  });

  it('says which way each top feature pushes, as the generator wrote it', () => {
    // synthetic.ts: risk rises with transfers, priority and customer tier, falls with the agent's level;
    // queue, channel and category are categories (their effect depends on the level).
    const expected: Record<string, string> = {
      transfers: 'higher raises risk',
      priority: 'higher raises risk',
      customer_tier: 'higher raises risk',
      agent_level: 'higher lowers risk',
      queue: 'by level',
      channel: 'by level',
      category: 'by level',
    };
    const seen = trained.card.topFeatures.filter((f) => f.feature in expected);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const f of seen) expect([f.feature, f.direction]).toEqual([f.feature, expected[f.feature]]);
  });

  it('is deterministic for a seed', () => {
    const again = trainRiskModel(data, { label: 'escalated', seed: 5, gbdt: fast, bootstrap: 200, shapRows: 200 });
    expect(JSON.stringify(again.model)).toBe(JSON.stringify(trained.model));
  });

  it('round-trips through JSON and scores a ticket as in training', () => {
    const model = parseRiskModel(JSON.stringify(trained.model));
    const loaded = loadRiskModel(model);
    const byId = new Map(data.tickets.map((t) => [t.ticket_id, t]));
    const events = groupEvents(data.events);
    for (const k of [0, 7, 42]) {
      const id = trained.test.ticketIds[k];
      const t = byId.get(id)!;
      const cutoff = Date.parse(t.created_at) + trained.test.cutoffHours[k] * 3_600_000;
      const evs = events.get(id) ?? [];
      const [s] = scoreTickets(loaded, [rewindTicket(t, evs, cutoff)], evs, cutoff, { agents: data.agents, reasons: 3 });
      expect(Math.abs(s.margin - trained.test.margins[k])).toBeLessThan(1e-12);
      expect(s.probability).toBeCloseTo(trained.test.probabilities[k], 12);
      expect(s.reasons!.length).toBe(3);
      expect(s.outsideSupport).toBe(false);
      // Local accuracy of the contributions behind the reasons.
      const x = featurize(model.schema, rewindTicket(t, evs, cutoff), evs, cutoff, { agents: new Map(data.agents.map((a) => [a.agent_id, a])) });
      const phi = loaded.shap.contributions(x);
      expect(Math.abs(phi.reduce((a, b) => a + b, loaded.shap.base) - predictMarginRow(loaded.booster, x))).toBeLessThan(1e-9);
    }
    expect(() => parseRiskModel({ ...trained.model, format: 'other' })).toThrow();
    expect(() => parseRiskModel({ ...trained.model, version: 1 })).toThrow(/retrain/);
  });

  it('flags scores of tickets older than the last training cut-off as outside the training support', () => {
    const loaded = loadRiskModel(trained.model);
    const t = data.tickets[0];
    const at = (h: number) => scoreTickets(loaded, [t], [], Date.parse(t.created_at) + h * 3_600_000)[0];
    expect(at(0).outsideSupport).toBe(false);
    expect(at(24).outsideSupport).toBe(false);
    expect(at(30).outsideSupport).toBe(true);
    expect(at(30).ageHours).toBe(30);
    expect(at(-2).outsideSupport).toBe(true); // created after "now"
    // A model trained at one cut-off only supports that age.
    const one = trainRiskModel(data, { label: 'escalated', seed: 5, gbdt: fast, bootstrap: 20, shapRows: 20, cutoffHours: [2] });
    expect(one.model.support).toEqual({ minHours: 2, maxHours: 2 });
    const l1 = loadRiskModel(one.model);
    expect(scoreTickets(l1, [t], [], Date.parse(t.created_at) + 8 * 3_600_000)[0].outsideSupport).toBe(true);
  });

  it('scores a batch as it scores each ticket alone, whatever the order of events and tickets', () => {
    const loaded = loadRiskModel(trained.model);
    const now = Date.parse(data.tickets[data.tickets.length - 1].created_at);
    const tickets = data.tickets.slice(0, 300);
    const byTicket = groupEvents(data.events);
    // Reference: featurize() one ticket at a time with only its own events (the training path: no grouping,
    // no batching), and a plain walk of the trees.
    const agents = new Map(data.agents.map((a) => [a.agent_id, a]));
    const marginAlone = (t: (typeof tickets)[number]) => predictMarginRow(loaded.booster, featurize(loaded.model.schema, t, byTicket.get(t.ticket_id) ?? [], now, { agents }));
    const alone = new Map(tickets.map((t) => [t.ticket_id, marginAlone(t)]));
    const grouped = tickets.flatMap((t) => byTicket.get(t.ticket_id) ?? []);
    const rng = createRng(3);
    const shuffled = [...grouped].sort(() => rng.next() - 0.5);
    const eventless = { ...tickets[5], ticket_id: 'T-no-events' };
    const late = grouped.find((e) => e.type === 'comment' && e.author_type === 'customer' && Date.parse(e.at) <= now)!;
    const cases: [string, typeof tickets, typeof grouped][] = [
      ['grouped in ticket order', tickets, grouped],
      ['shuffled events', tickets, shuffled],
      // Grouped but for one customer comment, moved to the end.
      ['one event out of place', tickets, [...grouped.filter((e) => e !== late), late]],
      ['reversed tickets', [...tickets].reverse(), grouped],
      ['other tickets\' events mixed in', tickets.slice(0, 100), grouped],
      ['a repeated ticket and one without events', [...tickets.slice(0, 50), eventless, tickets[3]], tickets.slice(0, 50).flatMap((t) => byTicket.get(t.ticket_id) ?? [])],
    ];
    alone.set('T-no-events', marginAlone(eventless));
    for (const [name, ts, evs] of cases) {
      const got = scoreTickets(loaded, ts, evs, now, { agents: data.agents });
      expect(got.map((s) => s.ticket_id), name).toEqual(ts.map((t) => t.ticket_id));
      got.forEach((s, k) => expect(Math.abs(s.margin - alone.get(ts[k].ticket_id)!), `${name}: ${s.ticket_id}`).toBeLessThan(1e-12));
    }
  });

  it('scores tickets with categories never seen in training', () => {
    const loaded = loadRiskModel(trained.model);
    const t = { ...data.tickets[0], ticket_id: 'T-new', queue: 'brand-new-queue', channel: 'fax', category: 'unheard-of', customer_tier: 'platinum' };
    const [s] = scoreTickets(loaded, [t], [], Date.parse(t.created_at) + 3_600_000, { reasons: 5 });
    expect(s.probability).toBeGreaterThanOrEqual(0);
    expect(s.probability).toBeLessThanOrEqual(1);
    expect(Number.isFinite(s.margin)).toBe(true);
  });

  it('trains on the sla_breached label too', () => {
    const r = trainRiskModel(data, { label: 'sla_breached', seed: 5, gbdt: fast, bootstrap: 100, shapRows: 100 });
    expect(r.model.label).toBe('sla_breached');
    expect(r.card.metrics.test.rocAuc).toBeGreaterThan(0.55);
  });
});

describe('explainContributions', () => {
  it('groups hashed tokens and one-hot blocks and phrases features with their values', () => {
    const names = ['age_hours', 'transfers', 'sentiment', 'customer_tier', 'queue=billing', 'queue=tech', 'queue=other', 'tok_00', 'tok_01', 'responded', 'first_response_wait_hours'];
    const x = [2, 3, -0.78, 2, 0, 1, 0, 2, 1, 0, 2];
    const c = [0.01, 0.9, 0.5, 0.3, 0.05, 0.1, 0.0, 0.2, -0.05, 0, -0.2];
    const r = explainContributions(names, x, c);
    const byKey = new Map(r.map((q) => [q.key, q]));
    expect(byKey.get('transfers')!.text).toBe('3 transfers in 2 h');
    expect(byKey.get('sentiment')!.text).toBe('negative wording (−0.78)');
    expect(byKey.get('customer_tier')!.text).toBe('enterprise tier');
    expect(byKey.get('queue')!.text).toBe('queue tech');
    expect(byKey.get('queue')!.contribution).toBeCloseTo(0.15, 12);
    expect(byKey.get('wording')!.contribution).toBeCloseTo(0.15, 12);
    expect(byKey.get('first_response_wait_hours')!.text).toBe('waiting 2 h without a response');
    expect(byKey.get('first_response_wait_hours')!.arrow).toBe('↓');
    expect(byKey.has('responded')).toBe(false); // zero contribution: no reason
    expect(r.map((q) => q.key).slice(0, 3)).toEqual(['transfers', 'sentiment', 'customer_tier']);
    expect(formatReason(r[0])).toBe('3 transfers in 2 h ↑ (+0.90)');
    expect(explainContributions(names, x, c, { top: 2, onlyRaising: true }).map((q) => q.key)).toEqual(['transfers', 'sentiment']);
    expect(formatDuration(0.5)).toBe('30 min');
    expect(formatDuration(72)).toBe('3 d');
  });
});

describe('simulateBreachReduction', () => {
  const H = 3_600_000;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const mk = (id: string, resolvedH: number | null, dueH: number | null, flagged: boolean, label?: number): SimTicket => ({
    ticket_id: id,
    created_at: iso(t0),
    resolved_at: resolvedH === null ? null : iso(t0 + resolvedH * H),
    due_at: dueH === null ? null : iso(t0 + dueH * H),
    sla_breached: label ?? null,
    cutoffMs: t0 + 2 * H,
    flagged,
  });

  it('counts breaches avoided by shortening the remaining time of flagged tickets', () => {
    const tickets = [
      mk('a', 12, 10, true), // remaining 10 h → 7 h at 30 %: resolved at 9 h ≤ 10 h due: avoided
      mk('b', 22, 10, true), // remaining 20 h → 14 h: 16 h > 10 h: still breached
      mk('c', 12, 10, false), // breached, not flagged
      mk('d', 5, 10, true), // no breach either way
      mk('e', null, null, true, 1), // no times: label kept
    ];
    const r = simulateBreachReduction(tickets, { bootstrap: 500, seed: 3 });
    // e cannot be evaluated (no times): left out of every count.
    expect(r.breachesWithout).toBe(3);
    expect(r.breachesWith).toBe(2);
    expect(r.avoided).toBe(1);
    expect(r.reduction).toBeCloseTo(1 / 3, 12);
    expect(r.unevaluable).toBe(1);
    expect(r.tickets).toBe(4);
    expect(r.notes.join(' ')).toMatch(/Assumption/);
    expect(r.notes.join(' ')).toMatch(/1 of 5 tickets lack/);
    expect(r.ci95.avoided[0]).toBeLessThanOrEqual(1);
    expect(r.ci95.avoided[1]).toBeGreaterThanOrEqual(1);
    expect(r.assumption.speedup).toBe(0.3);
    // At 50 %, b's 20 h become 10 h: resolved at 12 h > 10 h, still breached; a is avoided.
    expect(r.sensitivity.find((s) => s.speedup === 0.5)!.avoided).toBe(1);
    const none = simulateBreachReduction(tickets, { intervention: { speedup: 0, description: '', rationale: '' }, bootstrap: 10 });
    expect(none.avoided).toBe(0);
    expect(simulateBreachReduction(tickets, { bootstrap: 200, seed: 3 })).toEqual(simulateBreachReduction(tickets, { bootstrap: 200, seed: 3 }));
  });

  it('says so when the data has no due times, instead of reporting 0 avoided', () => {
    const r = simulateBreachReduction([mk('a', 12, null, true, 1), mk('b', 3, null, false, 0)], { bootstrap: 20 });
    expect(r.tickets).toBe(0);
    expect(Number.isNaN(r.avoided)).toBe(true);
    expect(r.notes.join(' ')).toMatch(/no due times/);
  });
});

describe('two-member ensemble', () => {
  it('is the mean of a subset-split booster on the native values and a threshold booster on the ordered statistics', async () => {
    const { fitRiskEnsemble } = await import('../src/engines/risk/pipeline.js');
    const { trainGbdt, predictMargins } = await import('../src/engines/risk/gbdt.js');
    const m = trained.matrix;
    expect(m.nativeColumns.length).toBeGreaterThan(0);
    const before = m.X.slice();
    const p = { ...trained.params, nRounds: 15, seed: 3 };
    const e = fitRiskEnsemble(m, p);
    // X (and the native values) are restored.
    let changed = 0;
    for (let k = 0; k < before.length; k++) if (!Object.is(before[k], m.X[k])) changed++;
    expect(changed).toBe(0);
    // Second method: build the native fit rows by hand and train both members directly.
    const { d, split } = m;
    const nFit = split.fit;
    const end = nFit + split.valid;
    const Xn = m.X.slice(0, nFit * d);
    for (let r = 0; r < nFit; r++) m.nativeColumns.forEach((c, j) => (Xn[r * d + c] = m.nativeFit[r * m.nativeColumns.length + j]));
    const valid = { X: m.X.subarray(nFit * d, end * d), y: m.y.subarray(nFit, end), w: m.w.subarray(nFit, end) };
    const a = trainGbdt(Xn, m.y.subarray(0, nFit), d, { ...p, categoricalFeatures: m.nativeColumns }, valid, m.w.subarray(0, nFit)).booster;
    const b = trainGbdt(m.X.slice(0, nFit * d), m.y.subarray(0, nFit), d, { ...p, categoricalFeatures: [], seed: 4 }, valid, m.w.subarray(0, nFit)).booster;
    const test = m.X.subarray(end * d);
    const ma = predictMargins(a, test);
    const mb = predictMargins(b, test);
    const me = predictMargins(e.booster, test);
    for (let k = 0; k < me.length; k += 97) expect(me[k]).toBeCloseTo((ma[k] + mb[k]) / 2, 9);
    expect(e.members.map((x) => x.trees)).toEqual([a.trees.length, b.trees.length]);
    // The native member really splits by subsets somewhere; the ordered one never does.
    expect(a.trees.some((t) => t.cat?.some((c) => c !== null))).toBe(true);
    expect(b.trees.every((t) => !t.cat)).toBe(true);
  });

  it('leaves text_evidence out when the training tickets have no words', () => {
    const mute = { ...data, tickets: data.tickets.map((t) => ({ ...t, subject: '', body: '' })), events: data.events.filter((e) => e.type !== 'comment') };
    const r = trainRiskModel(mute, { label: 'escalated', seed: 5, gbdt: { nRounds: 5 }, bootstrap: 20, shapRows: 20 });
    expect(r.matrix.names).not.toContain('text_evidence');
    expect(trained.matrix.names).toContain('text_evidence');
  });
});
