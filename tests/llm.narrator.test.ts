import { describe, expect, test } from 'vitest';
import { narrateSla, narrateTickets, narrateWhatif, narrateStaffing, narrateWhy, narrateRisk, narrate, narrationText } from '../src/llm/narrator.js';
import { ungroundedNumbers, guardExplanation } from '../src/llm/guard.js';
import type { WhyResult } from '../commands/why.js';
import { whyFacts } from '../src/llm/facts.js';
import type { RiskScoreResult, RiskTicketResult, ScoredRow } from '../commands/risk.js';
import type { SlaResult, SlaQueueResult } from '../commands/sla.js';
import type { TicketsResult } from '../commands/tickets.js';
import type { WhatifCommandResult } from '../commands/whatif.js';
import type { StaffingCommandResult } from '../commands/staffing.js';

function q(queue: string, sl: number | null, target: number, extra: Partial<SlaQueueResult> = {}): SlaQueueResult {
  const status = sl === null ? 'no_data' : sl * 100 < target ? 'below_target' : sl * 100 < target + 3 ? 'at_risk' : 'on_target';
  return {
    queue, displayName: queue[0].toUpperCase() + queue.slice(1), target: { pct: target, seconds: 20 }, status,
    total: { offered: 1200, handled: 1100, abandoned: 60, sl, abandonRate: 0.05, ahtSeconds: 372, acwSeconds: 60, avgAgents: 21.5, agentHours: 200, intervalsBelowTarget: 3 },
    days: [], trend14: [], sparkline: '', belowTarget: [], ...extra,
  };
}

describe('narrator', () => {
  test('sla: verdict first, the supporting numbers, then what to do next', () => {
    const r: SlaResult = {
      range: { from: '2026-11-19', to: '2026-11-19', label: 'yesterday' },
      note: null,
      queues: [
        q('billing', 0.7, 80, { belowTarget: [{ date: '2026-11-19', intervalStart: '2026-11-19T14:00:00Z', localTime: '09:00', sl: 0.41, offered: 80 }, { date: '2026-11-19', intervalStart: '2026-11-19T14:30:00Z', localTime: '09:30', sl: 0.55, offered: 70 }] }),
        q('accounts', 0.91, 90),
        q('shipping', 0.95, 80),
      ],
    };
    const n = narrateSla(r);
    expect(n.summary).toBe('1 of 3 queues were below SL target yesterday (2026-11-19): Billing 70.0 % vs 80 %.');
    expect(n.points[0]).toBe('Billing: SL 70.0 % (−10.0 pts vs target); 1,200 offered, abandon 5.0 %, AHT 6m 12s, 21.5 agents on average. 2 intervals below target on 2026-11-19, worst 09:00 at 41 %.');
    expect(n.points.at(-1)).toBe('Next: `why billing 2026-11-19` for the drivers, or `whatif billing` to test staffing.');
    const one = narrateSla({ ...r, queues: [q('accounts', 0.91, 90)] });
    expect(one.summary).toBe('Accounts met its SL target yesterday (2026-11-19): 91.0 % answered within 20 s against 90 % (+1.0 pts).');
    const ok = narrateSla({ ...r, queues: [q('accounts', 0.91, 90), q('shipping', 0.95, 80)] });
    expect(ok.summary).toBe('All 2 queues met their SL targets yesterday (2026-11-19), Accounts within 3 points of missing.');
  });

  test('the narrator states no number that is not in its facts (it passes its own guard)', () => {
    const r: SlaResult = { range: { from: '2026-11-19', to: '2026-11-19', label: 'yesterday' }, note: null, queues: [q('billing', 0.7, 80)] };
    const text = narrationText(narrateSla(r));
    // Derived "−10.0 pts" is the only figure not in the result itself.
    expect(ungroundedNumbers(text, { r, derived: [-10] })).toEqual([]);
  });

  test('tickets: count, best match, recurring tag, open share, citations', () => {
    const hit = (id: string, cat: string | null, status = 'open', queue = 'billing') => ({ ticketId: id, score: 1, subject: `S ${id}`, queue, createdAt: `2026-11-1${id.slice(-1)}T10:00:00Z`, priority: 'normal', status, category: cat, snippet: '', matchedIn: ['subject' as const], ranks: { bm25: 1, vector: null }, similarity: null });
    const r: TicketsResult = {
      mode: 'search', query: 'portal', ticket: null, filters: { queue: null, range: null, priority: [], status: [] }, ranking: 'bm25', matched: 23, note: null, index: null,
      hits: [hit('T-1', 'invoice_portal_error'), hit('T-2', 'invoice_portal_error', 'solved'), hit('T-3', null, 'solved', 'accounts')],
    };
    const n = narrateTickets(r);
    expect(n.summary).toBe('23 tickets matching “portal”; the best match is T-1 “S T-1”.');
    expect(n.points).toEqual(['2 of the top 3 are tagged invoice portal error.', 'Across queues: billing 2, accounts 1.', 'Created between 2026-11-11 and 2026-11-13.', '1 of them still open or pending.']);
    expect(n.citations).toEqual(['T-1', 'T-2', 'T-3']);
    expect(narrateTickets({ ...r, hits: [], matched: 0 }).summary).toBe('No tickets matching “portal”.');
  });

  test('whatif and staffing read their result shapes', () => {
    const day = (sl: number, asa: number, occ: number) => ({ offered: 900, serviceLevel: sl, modelServiceLevel: sl, asaSeconds: asa, abandonRate: 0.03, occupancy: occ, loadErlangHours: 80, capacityAgentHours: 100, riskIndex: 0.2, intervalsBelowTarget: 2 });
    const w = {
      queue: 'billing', displayName: 'Billing', date: '2026-11-21', basis: 'forecast', basisNote: 'forecast for 2026-11-21', target: { pct: 80, seconds: 20 },
      leverText: ['+2 agents 09:00–12:00'], line: 'whatif billing 2026-11-21 +2 agents 9-12', patienceNote: '',
      result: {
        baseline: day(0.74, 41, 0.88), scenario: day(0.81, 22, 0.84), delta: { slPts: 7, asaSeconds: -19, abandonPts: -1, occupancyPts: -4, riskIndex: -0.1 },
        atRisk: [{ localMinute: 600, intervalStart: '2026-11-21T15:00:00Z', predictedSl: 0.62, agentGap: 2 }], leverRanking: [{ lever: '+1 agent all day', slPts: 1.5 }],
      },
    } as unknown as WhatifCommandResult;
    const n = narrateWhatif(w);
    expect(n.summary).toBe('With +2 agents 09:00–12:00, Billing on 2026-11-21 is predicted at SL 81.0 % against 80 % (baseline 74.0 %, +7.0 pts).');
    expect(n.points).toEqual([
      'Average speed of answer 41 s → 22 s; occupancy 88.0 % → 84.0 %.',
      '1 interval still below target; the worst is 10:00 at 62 %, short 2 agents.',
      'The next best single step is +1 agent all day (+1.5 pts).',
      'Basis: forecast for 2026-11-21.',
    ]);
    const s = {
      queue: 'billing', displayName: 'Billing', date: '2026-11-21', basis: 'forecast', basisNote: 'forecast', target: { pct: 80, seconds: 20, source: 'policy' }, shrinkagePct: 30, maxOccupancyPct: null,
      plan: { rows: [], intervalsShort: 4, totals: { rawAgentHours: 180, scheduledAgentHours: 257.1, staffedAgentHours: 170, shortAgentHours: 12.5, surplusAgentHours: 2.5 }, shrinkage: 0.3, maxOccupancy: 1 },
      ahtSeconds: 360, offered: 900, peak: { rawAgents: 24, localTime: '10:30' },
    } as unknown as StaffingCommandResult;
    expect(narrateStaffing(s).summary).toBe('Billing on 2026-11-21 needs 180.0 agent-hours on the phones for 80 % in 20 s (257.1 scheduled with 30 % shrinkage) against 170.0 staffed.');
    expect(narrateStaffing(s).points[0]).toBe('4 intervals short, 12.5 agent-hours missing in total.');
  });

  test('drift: events in words with their units; a quiet range says so', () => {
    const ev = (driver: string, magnitude: number, observed: number, expected: number, status: 'open' | 'closed') => ({ queue: 'billing', driver, direction: magnitude > 0 ? 'up' : 'down', magnitude, status, observed, expected, onsetLocal: 'Wed 2026-11-11 08:00', detectedLocal: 'Wed 2026-11-11 10:30' });
    const r = { queue: 'billing', range: { from: '2026-11-14', to: '2026-11-20', label: 'last 7 days' }, queues: [{ queue: 'billing', displayName: 'Billing', status: 'drifting' }], events: [ev('talk', 0.2, 324, 270, 'open'), ev('arrivals', -0.12, 44, 50, 'closed')] };
    const n = narrate('drift', r, () => '');
    expect(n.summary).toBe('2 drift events on Billing last 7 days, 1 still open; the latest: Billing: talk time up 20 % (5m 24s against a usual 4m 30s).');
    expect(n.points[1]).toBe('Billing: arrivals down 12 % (44.0 calls per interval against a usual 50.0 calls per interval), since Wed 2026-11-11 08:00, detected Wed 2026-11-11 10:30, back to normal.');
    expect(n.points.at(-1)).toBe('Next: `why billing 2026-11-20` to see what drove it and what customers wrote about.');
    expect(narrate('drift', { ...r, events: [] }, () => '').summary).toMatch(/^No drift on Billing last 7 days/);
  });

  test('commands without a template: the command text, trimmed', () => {
    const n = narrate('kpi', { anything: 1 }, () => 'Drift — billing\n\nAHT up 12 %\nalarm at 10:30');
    expect(n).toEqual({ summary: 'Drift — billing', points: ['AHT up 12 %', 'alarm at 10:30'], citations: [] });
  });

  describe('why', () => {
    const win = (sl: number, offeredPerDay: number, talkSeconds: number, acwSeconds: number, agents: number) => ({ sl, slModel: sl - 3, offeredPerDay, offeredTotal: offeredPerDay * 4, talkSeconds, acwSeconds, ahtSeconds: talkSeconds + acwSeconds, agents, abandonRate: 0.04, intervals: 96, days: 4 });
    const fact = (driver: 'arrivals' | 'talk' | 'acw' | 'agents', change: number, contribution: number) => ({ driver, change, contribution, text: '' });
    // Contributions −12.4 − 2.1 − 0.3 − 0.2 = −15.0 modelled; observed −13.3; residual +1.7.
    const base = {
      queue: 'billing', displayName: 'Billing', mode: 'day', date: '2026-11-18',
      beforeRange: { from: '2026-10-21', to: '2026-11-11' }, afterRange: { from: '2026-11-18', to: '2026-11-18' },
      observedDelta: -13.3, modelDelta: -15.0, residual: 1.7, model: 'erlang-a', meanPatienceSeconds: 600,
      contributions: { arrivals: -2.1, talk: -12.4, acw: -0.3, agents: -0.2 },
      driverChanges: { arrivals: 0.04, talk: 0.2, acw: -0.012, agents: 0 },
      before: win(84.5, 1000, 300, 60, 14), after: win(71.2, 1040, 360, 59, 14),
      headline: 'SL 71.2 % vs 84.5 % usual, −13.3 pts', sentences: [],
      facts: [fact('talk', 0.2, -12.4), fact('arrivals', 0.04, -2.1), fact('acw', -0.012, -0.3), fact('agents', 0, -0.2)],
      started: { driver: 'talk', direction: 'up', onsetEstimate: '2026-11-11T13:00:00Z', onsetLocal: 'Wed 2026-11-11 08:00', detectedAt: '2026-11-11T15:30:00Z', status: 'open', atLeast: false },
      sameDriverElsewhere: [{ queue: 'accounts', change: 0.053, contribution: -1.2 }],
      customersWroteAbout: [
        { term: 'invoice portal', zScore: 3.31, lift: 3.4, countAfter: 11, countBefore: 3, examples: [{ ticketId: 'T-900', subject: 'Cannot download invoice - error 502' }, { ticketId: 'T-896', subject: 'invoice page stuck loading' }] },
        { term: 'error 502', zScore: 3.1, lift: null, countAfter: 10, countBefore: 3, examples: [{ ticketId: 'T-900', subject: 'Cannot download invoice - error 502' }, { ticketId: 'T-850', subject: 'Portal says 502 again' }] },
      ],
      customersWindow: { label: 'since Wed 2026-11-11 08:00', baselineLabel: 'the 28 days before', from: '2026-11-11T13:00:00Z', to: '2026-11-19T05:00:00Z', baselineFrom: '2026-10-14T13:00:00Z', baselineTo: '2026-11-11T13:00:00Z', ticketsAfter: 85, ticketsBefore: 248 },
      note: null,
    } as unknown as WhyResult;

    test('headline, the drivers with their own changes, residual, onset, other queues, what customers wrote', () => {
      const n = narrateWhy(base);
      expect(n.summary).toBe('Billing on 2026-11-18: SL 71.2 % vs 84.5 % usual, −13.3 pts; the biggest driver is talk time (+20 %, −12.4 pts).');
      expect(n.points).toEqual([
        'Talk time +20 % (5m 00s → 6m 00s) contributed −12.4 pts; arrivals +4.0 % (1,000 → 1,040 calls a day) contributed −2.1 pts.',
        'The queue model (Erlang A) explains −15.0 pts of the −13.3 pts; residual +1.7 pts: the queue did better than the model predicts.',
        'Talk time rose from Wed 2026-11-11 08:00, still up.',
        'Talk time moved the same way on accounts (+5.3 %).',
        'Customers wrote more than usual about “invoice portal” (11 tickets vs 3 before) and “error 502” (10 vs 3) since Wed 2026-11-11 08:00, e.g. T-900 “Cannot download invoice - error 502”, T-896 “invoice page stuck loading”.',
        'Next: `tickets "invoice portal" billing` to read them, or `whatif billing` to test staffing.',
      ]);
      // Citations: the examples, each once, in term order.
      expect(n.citations).toEqual(['T-900', 'T-896', 'T-850']);
      expect(narrate('why', base, () => 'unused')).toEqual(n);
    });

    test('every number is a field of the result and every citation an example: the guard accepts it', () => {
      const n = narrateWhy(base);
      const ids = ['T-900', 'T-896', 'T-850'];
      expect(ungroundedNumbers(narrationText(n), base, ids)).toEqual([]);
      expect(guardExplanation(n, base, ids)).toEqual({ ok: true });
      // The guard is not vacuous here: drop an example from the retrieved set, or change the residual (+1.7 appears nowhere else), and it refuses.
      expect(guardExplanation(n, base, ['T-900', 'T-896']).ok).toBe(false);
      expect(guardExplanation(n, { ...base, residual: 9 }, ids).ok).toBe(false);
    });

    test('a calibrated model is named as such, with its handle-time factor, and the guard accepts the factor', () => {
      const r = { ...base, modelName: 'calibrated Erlang A (k = 1.48)', calibrated: true } as WhyResult;
      const n = narrateWhy(r);
      expect(n.points[1]).toBe('The queue model (calibrated Erlang A (k = 1.48)) explains −15.0 pts of the −13.3 pts; residual +1.7 pts: the queue did better than the model predicts.');
      expect(guardExplanation(n, r, ['T-900', 'T-896', 'T-850'])).toEqual({ ok: true });
      expect(whyFacts(r).facts.find((f) => f.name === 'model')?.text).toBe('calibrated Erlang A (k = 1.48)');
    });

    test('a worse-than-modelled queue, no onset, a local cause and nothing in the tickets', () => {
      const r = { ...base, residual: -4.2, observedDelta: -19.2, headline: 'SL 65.3 % vs 84.5 % usual, −19.2 pts', started: null, sameDriverElsewhere: [], customersWroteAbout: [], customersWindow: { ...base.customersWindow!, label: 'on 2026-11-18' } } as WhyResult;
      const n = narrateWhy(r);
      expect(n.points[1]).toBe('The queue model (Erlang A) explains −15.0 pts of the −19.2 pts; residual −4.2 pts: the queue did worse than the model predicts, so something outside the four drivers (routing, holds, breaks) also hurt.');
      expect(n.points.slice(2)).toEqual([
        'No other queue shows talk time moving the same way: the cause looks local to Billing.',
        'Nothing customers wrote about stands out on 2026-11-18 against the 28 days before.',
        'Next: `whatif billing` to test staffing.',
      ]);
      expect(n.citations).toEqual([]);
      // No tickets at all: the customers line is left out rather than claiming nothing stood out.
      expect(narrateWhy({ ...r, customersWindow: null }).points.some((p) => p.startsWith('Nothing customers'))).toBe(false);
    });

    test('ranges mode, and a change the four drivers barely explain', () => {
      const small = [fact('arrivals', 0.01, -0.3), fact('talk', 0, 0.1), fact('acw', 0, 0), fact('agents', 0, 0)];
      const r = {
        ...base, mode: 'ranges', date: null, beforeRange: { from: '2026-11-02', to: '2026-11-08' }, afterRange: { from: '2026-11-09', to: '2026-11-15' },
        observedDelta: -8.2, modelDelta: -0.2, residual: -8.0, headline: 'SL 76.3 % vs 84.5 % before, −8.2 pts', facts: small, started: null, sameDriverElsewhere: [],
      } as WhyResult;
      const n = narrateWhy(r);
      expect(n.summary).toBe('Billing 2026-11-09..2026-11-15 vs 2026-11-02..2026-11-08: SL 76.3 % vs 84.5 % before, −8.2 pts; arrivals, talk time, ACW and agents barely moved it (residual −8.0 pts).');
      // Only the largest driver is listed when the rest are below half a point.
      expect(n.points[0]).toBe('Arrivals +1.0 % (1,000 → 1,040 calls a day) contributed −0.3 pts.');
      expect(n.points.some((p) => p.includes('moved the same way') || p.includes('No other queue'))).toBe(false);
    });
  });

  describe('risk', () => {
    const reason = (text: string, contribution: number) => ({ key: text, text, contribution, arrow: contribution >= 0 ? '↑' : '↓' }) as const;
    const row = (ticketId: string, subject: string, probability: number, flagged: boolean, reasons: ReturnType<typeof reason>[]): ScoredRow => ({ ticketId, queue: 'billing', subject, priority: 'high', createdAt: '2026-11-20T10:00:00Z', ageHours: 5, probability, flagged, outsideSupport: false, reasons });
    const score: RiskScoreResult = {
      kind: 'score', label: 'escalated', modelVersion: 3, asOf: '2026-11-20T15:00:00Z', queue: 'billing', open: 42, flagged: 5, outsideSupport: 0, supportHours: 24, threshold: 0.35,
      tickets: [
        row('T-1', 'Refund still missing', 0.81, true, [reason('3 transfers in 2 h', 0.9), reason('angry wording', 0.5), reason('VIP customer', 0.3), reason('high priority', 0.1)]),
        row('T-2', 'Charged twice', 0.52, true, [reason('2 reopens', 0.4), reason('waiting 4 h for us', 0.2), reason('new customer', -0.1)]),
        row('T-3', 'Invoice address', 0.12, false, []),
        row('T-4', 'Other', 0.05, false, []),
      ],
    };

    test('score: how many open and flagged, then the top three with probability and three reasons', () => {
      const n = narrateRisk(score, () => 'unused');
      expect(n.summary).toBe('42 open tickets in billing, 5 flagged for escalation risk (35 % or more); the riskiest is T-1 “Refund still missing” at 81 %.');
      expect(n.points).toEqual([
        'T-1 “Refund still missing” (billing, high): 81 %, flagged — 3 transfers in 2 h ↑; angry wording ↑; VIP customer ↑.',
        'T-2 “Charged twice” (billing, high): 52 %, flagged — 2 reopens ↑; waiting 4 h for us ↑; new customer ↓.',
        'T-3 “Invoice address” (billing, high): 12 % — no single reason stands out.',
        'Next: `risk T-1` for the full breakdown.',
      ]);
      expect(n.citations).toEqual(['T-1', 'T-2', 'T-3']);
      expect(guardExplanation(n, score, score.tickets.map((t) => t.ticketId))).toEqual({ ok: true });
      expect(narrateRisk({ ...score, queue: null, tickets: [] }, () => '').summary).toBe('No open tickets to score for escalation risk.');
    });

    test('one ticket: its probability against the threshold and its reasons; other views fall back to their text', () => {
      const t: RiskTicketResult = {
        kind: 'ticket', label: 'sla_breached', ticket: { ticketId: 'T-7', queue: 'billing', subject: 'Login loop', status: 'open', priority: 'normal', createdAt: '2026-11-20T10:00:00Z' },
        asOf: '2026-11-20T15:00:00Z', note: null, probability: 0.28, flagged: false, outsideSupport: false, threshold: 0.4, base: -2, margin: -0.9,
        reasons: [reason('no agent reply for 3 h', 0.7), reason('weekend', 0.2), reason('short text', -0.3), reason('queue', 0.05)],
      };
      const n = narrate('risk', t, () => 'unused');
      expect(n.summary).toBe('T-7 “Login loop” has an SLA-breach risk of 28 %, below the flag threshold (threshold 40 %).');
      expect(n.points).toEqual(['Why: no agent reply for 3 h ↑; weekend ↑; short text ↓.']);
      expect(n.citations).toEqual(['T-7']);
      const m = narrate('risk', { kind: 'model' }, () => 'escalated model v3\nTest: PR-AUC 0.612');
      expect(m).toEqual({ summary: 'escalated model v3', points: ['Test: PR-AUC 0.612'], citations: [] });
    });
  });
});
