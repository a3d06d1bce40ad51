import { describe, it, expect, afterEach } from 'vitest';
import { validateBlocks, blockChars, type Block } from '../src/blocks/kit.js';
import { alertBlocks, digestBlocks, replyText, renderIntent, slackTime } from '../src/slack/alerts/messages.js';
import type { AlertView, DigestView } from '../src/alerts/view.js';
import type { Db } from '../src/warehouse/db.js';
import { queueDueDigests, buildDigest, digestDue } from '../src/alerts/digest.js';
import { upsertDigest, allIntents, listDigests, logEvent, insertRule } from '../src/alerts/store.js';
import { staticEngines } from '../src/alerts/engines.js';
import { finishRule, parseRuleTokens } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { configSchema } from '../src/config.js';
import { warehouseWith, slot } from './helpers/alertsWarehouse.js';

const view = (o: Partial<AlertView> = {}): AlertView => ({
  key: 'a|1|billing|1', ruleId: 1, ruleName: null, ruleSummary: 'SL (interval) < 75 % for 2 intervals · billing · <#C0OPS> · high (UTC)', metric: 'sl', metricLabel: 'SL (interval)',
  scope: 'billing', scopeLabel: 'Billing', status: 'firing', severity: 'high', comparator: '<', value: 67.7, valueText: '67.7 %', threshold: 75, thresholdText: '75.0 %',
  peak: 61, peakText: '61.0 %', firedAt: Date.parse('2026-11-20T09:00:00Z'), resolvedAt: null, asOf: Date.parse('2026-11-20T10:00:00Z'), tz: 'Europe/London', reopens: 0,
  detail: [], driver: 'Arrivals +18 % contributed −6.2 pts', whatIf: { text: '+2 agents 14:00–16:00 → projected SL 82.0 %', command: 'whatif billing today +2 agents 14:00-16:00' },
  whyCommand: 'why billing today', ackedBy: null, ackedAt: null, snoozedBy: null, snoozedUntil: null, mutedUntil: null, ...o,
});

const text = (blocks: Block[]) => JSON.stringify(blocks);

describe('alert message', () => {
  it('says what fired, the number vs threshold, since when, the driver and the what-if, with every button', () => {
    const b = alertBlocks(view());
    expect(validateBlocks(b)).toEqual([]);
    const t = text(b);
    expect(t).toContain('🔴 [HIGH] Billing: SL (interval) below 75.0 %');
    expect(t).toContain('is *67.7 %* — threshold &lt; 75.0 %');
    expect(t).toContain('since <!date^1795165200^{date_short_pretty} {time}|2026-11-20 09:00 Europe/London> (1h 00m) · worst 61.0 %');
    expect(t).toContain('*Likely driver:* Arrivals +18 % contributed −6.2 pts');
    expect(t).toContain('*What would recover it:* +2 agents 14:00–16:00 → projected SL 82.0 %');
    expect(t).toContain('<#C0OPS>'); // the channel mention survives escaping
    const buttons = b.filter((x) => x.type === 'actions').flatMap((x) => (x.elements as { text: { text: string } }[]).map((e) => e.text.text));
    expect(buttons).toEqual(['Acknowledge', 'Why?', 'Run what-if', 'Snooze 1 h', 'Snooze 4 h', 'Snooze until tomorrow', 'Snooze…', 'Mute rule']);
  });

  it('shows who acknowledged and snoozed; a resolved alert has no buttons and says how long it lasted', () => {
    const acked = text(alertBlocks(view({ ackedBy: 'UANA', ackedAt: Date.parse('2026-11-20T10:05:00Z'), snoozedBy: 'UBOB', snoozedUntil: Date.parse('2026-11-20T11:05:00Z') })));
    expect(acked).toContain('Acknowledged by <@UANA>');
    expect(acked).toMatch(/Snoozed until <!date\^\d+\^[^|]+\|2026-11-20 11:05 Europe\/London> by <@UBOB>/);
    expect(acked).not.toContain('"alert_ack"');
    const resolved = alertBlocks(view({ status: 'resolved', value: 85, valueText: '85.0 %', resolvedAt: Date.parse('2026-11-20T10:30:00Z') }));
    expect(resolved.some((x) => x.type === 'actions')).toBe(false);
    expect(text(resolved)).toContain('✅ Resolved — Billing: SL (interval) back to 85.0 %');
    expect(text(resolved)).toContain('Lasted 1h 30m');
  });

  it('escapes data so it cannot ping or link, and stays within limits with huge inputs', () => {
    const evil = '<!channel> & <https://x.example|click>';
    const b = alertBlocks(view({ scopeLabel: evil, ruleName: evil, detail: Array.from({ length: 40 }, () => evil.repeat(20)), driver: evil.repeat(200), whatIf: { text: evil.repeat(200), command: 'x' } }));
    expect(validateBlocks(b)).toEqual([]);
    // mrkdwn is where <!channel> would ping; the header is plain_text, which Slack never parses for mentions.
    const mrkdwn = JSON.stringify(b.filter((x) => x.type !== 'header'));
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://');
    expect(mrkdwn).toContain('&lt;!channel&gt; &amp;');
    expect(replyText(view({ event: 'reopened', scopeLabel: evil }))).not.toContain('<!channel>');
  });

  it('thread replies say what happened', () => {
    expect(replyText(view({ event: 'resolved', status: 'resolved', valueText: '85.0 %', resolvedAt: Date.parse('2026-11-20T10:30:00Z') }))).toBe(
      ':white_check_mark: Resolved: SL (interval) back to *85.0 %* (threshold &lt; 75.0 %). Lasted 1h 30m; worst 61.0 %.',
    );
    expect(replyText(view({ event: 'severity', severity: 'critical', previousSeverity: 'high' }))).toMatch(/^:arrow_up_small: Severity high → \*critical\*/);
    expect(replyText(view({ event: 'repeat', asOf: Date.parse('2026-11-20T11:00:00Z') }))).toMatch(/^:alarm_clock: Still firing after 2h 00m/);
    expect(renderIntent({ render: 'alert_reply', view: view({ event: 'reopened' }) })).toEqual({ text: replyText(view({ event: 'reopened' })) });
  });

  it('slackTime renders in the reader’s zone with a fallback in the rule’s', () => {
    expect(slackTime(Date.parse('2026-07-01T12:00:00Z'), 'Europe/London', true)).toBe('<!date^1782907200^{date_short_pretty} {time}|2026-07-01 13:00 Europe/London>');
  });
});

describe('digest message', () => {
  it('one message within Block Kit limits however much there is to say', () => {
    const v: DigestView = {
      channel: '#ops', date: '2026-11-19', tz: 'Europe/London',
      queues: Array.from({ length: 200 }, (_, i) => ({ queue: `q${i}`, displayName: `Queue <${i}> with a long display name`, sl: (i % 100) / 100, targetPct: 80, offered: 1000 + i, abandonRate: 0.05, intervalsBelowTarget: i % 7 })),
      drift: Array.from({ length: 60 }, (_, i) => ({ queue: `q${i}`, text: 'arrivals ↑ 20 % since 2026-11-10 '.repeat(5) })),
      risk: Array.from({ length: 5 }, (_, i) => ({ ticketId: `T-${i}`, queue: 'q1', score: 0.9, subject: 'Refund please '.repeat(20) })),
      riskNote: null,
      alerts: Array.from({ length: 20 }, (_, i) => ({ ruleId: i, scope: `q${i}`, label: `SL (interval) #${i}`, firedAt: Date.parse('2026-11-19T09:00:00Z'), resolvedAt: null, peakText: '61.0 %' })),
      alertsFired: 120,
    };
    const b = digestBlocks(v);
    expect(validateBlocks(b)).toEqual([]);
    expect(b.length).toBeLessThanOrEqual(50);
    expect(b.reduce((s, x) => s + blockChars(x), 0)).toBeLessThanOrEqual(10_000);
    const t = text(b);
    expect(t).toContain('Daily digest — 2026-11-19');
    expect(t).toContain('160 of 200 queues below target'); // i % 100 < 80, twice
    expect(t).toMatch(/…and \d+ more queues/);
    expect(t).toContain('…and 50 more events');
  });
});

describe('digest schedule and content', () => {
  const dbs: Db[] = [];
  afterEach(() => {
    for (const d of dbs.splice(0)) d.close();
  });

  it('is due once per local day after its time, and says yesterday’s SLA and the alerts that fired', async () => {
    const rows = [0, 1, 2, 3].map((k) => ({ start: slot('2026-11-19T09:00:00Z', k), queue: 'billing', offered: 100, awt: [90, 60, 70, 80][k] }));
    const { db } = await warehouseWith(rows, [{ queue: 'billing', tz: 'Europe/London', target: 80 }]);
    dbs.push(db);
    const config = configSchema.parse({});
    const pctx = buildParseContext(db, config, new Date('2026-11-20T00:00:00Z'));
    insertRule(db, finishRule(parseRuleTokens(tokenize('sl < 75 queue=billing'), pctx, { mode: 'full' }), 'UTC'), 'x', null, 0);
    logEvent(db, { ruleId: 1, scope: 'billing', kind: 'fired', at: Date.parse('2026-11-19T10:00:00Z'), value: 60, actor: null, detail: null });
    upsertDigest(db, { channel: '#ops', localTime: '08:30', timeZone: 'Europe/London', createdBy: null }, 0);
    const o = { engines: staticEngines(), defaultTz: 'UTC' };
    expect(queueDueDigests(db, new Date('2026-11-20T08:29:00Z'), o)).toEqual([]);
    expect(queueDueDigests(db, new Date('2026-11-20T08:31:00Z'), o)).toEqual([{ channel: '#ops', date: '2026-11-20' }]);
    expect(queueDueDigests(db, new Date('2026-11-20T15:00:00Z'), o)).toEqual([]);
    expect(allIntents(db).map((i) => i.key)).toEqual(['d|#ops|2026-11-20']);
    expect(listDigests(db)[0].lastSentDate).toBe('2026-11-20');
    expect(digestDue(listDigests(db)[0], Date.parse('2026-11-21T08:30:00Z'))).toBe('2026-11-21');

    const v = buildDigest(db, '#ops', '2026-11-19', 'Europe/London', new Date('2026-11-20T08:31:00Z'), o);
    expect(v.queues).toEqual([{ queue: 'billing', displayName: 'Billing', sl: 300 / 400, targetPct: 80, offered: 400, abandonRate: 0, intervalsBelowTarget: 2 }]);
    expect(v.alertsFired).toBe(1);
    expect(v.alerts[0]).toMatchObject({ ruleId: 1, scope: 'billing', label: 'SL (interval) #1', peakText: '60.0 %', resolvedAt: null });
    expect(v.riskNote).toMatch(/risk model/);
  });
});
