/**
 * The Home builder with every section full: it stays within Slack's view limits (≤ 100 blocks, section text),
 * keeps alerts' buttons, and escapes every value from the data (a queue or subject named `<!channel>`).
 */
import { describe, it, expect } from 'vitest';
import { homeView } from '../src/slack/home.js';
import { validateBlocks } from '../src/blocks/kit.js';
import type { AlertView } from '../src/alerts/view.js';
import type { DueResult } from '../commands/due.js';

const NOW = new Date('2026-11-20T15:00:00Z');

function alert(i: number): AlertView {
  return {
    key: `a|${i}|q${i}|1`, ruleId: i, ruleName: null, ruleSummary: 'x', metric: 'sl', metricLabel: 'SL (interval)', scope: `q${i}`, scopeLabel: i === 0 ? '<!channel> & co' : `Queue ${i}`,
    status: 'firing', severity: 'high', comparator: '<', value: 60, valueText: '60.0 %', threshold: 75, thresholdText: '75.0 %', peak: 55, peakText: '55.0 %',
    firedAt: NOW.getTime() - 90 * 60_000, resolvedAt: null, asOf: NOW.getTime(), tz: 'UTC', reopens: 0, detail: [], driver: null, whatIf: { text: '+2 agents', command: 'whatif q0' },
    whyCommand: null, ackedBy: null, ackedAt: null, snoozedBy: null, snoozedUntil: null, mutedUntil: null,
  };
}

describe('homeView', () => {
  it('fits 20 alerts, 150 queues, tickets and KPIs in 100 blocks, escaped, with each shown alert’s buttons', () => {
    const queues = Array.from({ length: 150 }, (_, i) => ({
      queue: `q${i}`, displayName: `Q ${i}`, target: { pct: 80, seconds: 20 }, status: 'on_target' as const,
      total: { offered: 10, handled: 10, abandoned: 0, sl: 0.9, abandonRate: 0, ahtSeconds: 300, acwSeconds: 30, avgAgents: 3, agentHours: 1, intervalsBelowTarget: 0 },
      days: [], trend14: [], sparkline: '', belowTarget: [],
    }));
    const due: DueResult = {
      queue: null, withinMinutes: null, asOf: '2026-11-20T15:00:00Z', businessHours: {}, matched: 1, openWithoutDue: 0, risk: { model: false, note: 'no model' },
      byQueue: [{ queue: '<b>billing</b>', open: 3, overdue: 2, dueSoon: 0 }],
      tickets: [{ ticketId: 'T-1', queue: 'billing', subject: 's', priority: 'high', status: 'open', createdAt: '', dueAt: '', minutesLeft: 90, businessMinutesLeft: null, overdue: false, risk: null }],
    };
    const view = homeView({
      sla: { range: { from: '2026-11-20', to: '2026-11-20', label: 'today' }, note: null, queues },
      now: NOW,
      buttons: [{ text: 'SLA today', line: 'sla' }],
      alerts: Array.from({ length: 20 }, (_, i) => ({ view: alert(i), ackedBy: i === 1 ? 'U2' : null, snoozedUntil: null })),
      due,
      risky: { tickets: [{ ticketId: 'T-9', queue: 'billing', score: 0.91, subject: '<!here> refund' }], note: null },
      kpis: { day: '2026-11-19', rows: [{ segment: 'all', tickets: 120, csatMean: 4.2, csatResponses: 30, fcrPct: 71.5, firstResponseP90Minutes: 44, resolutionP90Hours: 20, slaCompliancePct: 91, backlog: 14, change: {} as never, smallSample: {} as never }] },
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(validateBlocks(view.blocks, 'view')).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('20 alerts firing');
    expect(text).toContain('…and 15 more');
    expect(text).not.toMatch(/<!channel>|<!here>|<b>/);
    expect(text).toContain('&lt;!channel&gt; &amp; co');
    const ids = view.blocks.flatMap((b) => ((b as { elements?: { action_id?: string }[] }).elements ?? []).map((e) => e.action_id));
    expect(ids.filter((id) => id === 'alert_why')).toHaveLength(5);
    expect(ids.filter((id) => id === 'alert_ack')).toHaveLength(4); // the acknowledged one has no Acknowledge
    expect(text).toContain('Tickets overdue: 2');
    expect(text).toContain('*91 %*');
    expect(text).toContain('Yesterday (2026-11-19)');
  });
});
