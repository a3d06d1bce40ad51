import { describe, expect, test } from 'vitest';
import { narrateSla, narrateTickets, narrateWhatif, narrateStaffing, narrate, narrationText } from '../src/llm/narrator.js';
import { ungroundedNumbers } from '../src/llm/guard.js';
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
});
