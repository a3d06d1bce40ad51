/**
 * The "tickets due within N minutes" alert (metric tickets_due): counted per queue, fired through the app's
 * alert runtime against a stateful fake Slack, message lists the tickets most urgent first (escaped), and the
 * snapshot uploaded into the alert's thread holds the same tickets by time left. Expected sets are written by
 * hand from the rows below.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { staticEngines } from '../src/alerts/engines.js';
import { insertRule } from '../src/alerts/store.js';
import { finishRule, parseRuleTokens, ruleText, describeRule } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { createAlertRuntime } from '../src/slack/alerts/index.js';
import { pngText, CHART_DATA_KEY } from '../src/charts/index.js';
import type { Db } from '../src/warehouse/db.js';
import { startFakeSlackAlerts, type FakeSlackAlerts } from './helpers/fakeSlackAlerts.js';
import { warehouseWith, slot } from './helpers/alertsWarehouse.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
let fake: FakeSlackAlerts | undefined;
let db: Db | undefined;

afterEach(async () => {
  await fake?.close();
  db?.close();
});

const HEAD = 'ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at';
const row = (id: string, queue: string, due: string, status = 'open', subject = 'Help') => `${id},2026-11-19T10:00:00Z,,,${status},normal,email,${queue},C-1,,"${subject}",b,,,0,0,0,${due}`;

describe('tickets_due alert', () => {
  it('reads and round-trips the rule text', async () => {
    const w = await warehouseWith([{ start: slot('2026-11-20T08:00:00Z', 0), queue: 'billing', offered: 10, awt: 9 }], [{ queue: 'billing' }]);
    db = w.db;
    const spec = finishRule(parseRuleTokens(tokenize('tickets_due within=30m queue=billing channel=#support-ops'), buildParseContext(db, loadConfig({}), new Date(NOW)), { mode: 'full' }), 'UTC');
    expect(spec).toMatchObject({ metric: 'tickets_due', comparator: '>', threshold: { kind: 'value', value: 0 }, withinMinutes: 30 });
    const again = finishRule(parseRuleTokens(tokenize(ruleText(spec)), buildParseContext(db, loadConfig({}), new Date(NOW)), { mode: 'full' }), 'UTC');
    expect(again).toEqual(spec);
    expect(describeRule(spec)).toContain('due within 30m');
    expect(() => parseRuleTokens(tokenize('sl < 70 within=30m'), buildParseContext(db!, loadConfig({}), new Date(NOW)), { mode: 'full' })).not.toThrow();
    expect(() => finishRule(parseRuleTokens(tokenize('sl < 70 within=30m channel=#x'), buildParseContext(db!, loadConfig({}), new Date(NOW)), { mode: 'full' }), 'UTC')).toThrow(/within= only applies to tickets_due/);
  });

  it('fires once per queue with its tickets most urgent first, and uploads them as the snapshot', async () => {
    const w = await warehouseWith(
      [{ start: slot('2026-11-20T08:00:00Z', 0), queue: 'billing', offered: 10, awt: 9 }, { start: slot('2026-11-20T08:00:00Z', 0), queue: 'support', offered: 10, awt: 9 }],
      [{ queue: 'billing' }, { queue: 'support' }],
    );
    db = w.db;
    writeFileSync(
      join(w.dir, 'tickets.csv'),
      [
        HEAD,
        row('T-1', 'billing', '2026-11-20T12:20:00Z'), // due in 20 min: in
        row('T-2', 'billing', '2026-11-20T11:00:00Z', 'open', '<!channel> refund'), // overdue 1 h: in, first
        row('T-3', 'billing', '2026-11-20T13:00:00Z'), // due in 60 min: out of a 30-minute window
        row('T-4', 'billing', '2026-11-20T11:30:00Z', 'solved'), // solved: out
        row('T-5', 'support', '2026-11-20T12:29:00Z', 'pending'), // in
        row('T-6', 'support', ''), // no due time: out
      ].join('\n') + '\n',
    );
    expect((await ingestFiles(db, [join(w.dir, 'tickets.csv')])).ok).toBe(true);
    const clock = { now: NOW };
    fake = await startFakeSlackAlerts({ clock: () => clock.now });
    const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
    const pctx = buildParseContext(db, config, new Date(NOW));
    insertRule(db, finishRule(parseRuleTokens(tokenize('tickets_due within=30m channel=#support-ops'), pctx, { mode: 'full' }), 'UTC'), 'tickets_due', null, NOW);
    const deps = { db, config, registry: buildRegistry(), now: () => new Date(clock.now), logger: pino({ level: 'silent' }) };
    const rt = await createAlertRuntime(deps, { engines: staticEngines(), clock: () => clock.now, sleep: async (ms) => void (clock.now += ms) });
    const t = await rt.tick(new Date(NOW));
    const fired = t.evaluation.effects.filter((e) => e.kind === 'fire').map((e) => [e.scope, e.value]).sort();
    expect(fired).toEqual([['billing', 2], ['support', 1]]);
    const msgs = fake.messages('C0OPS').filter((m) => !m.thread_ts);
    expect(msgs).toHaveLength(2);
    const billing = JSON.stringify(msgs.find((m) => JSON.stringify(m.blocks).includes('T-2'))!.blocks);
    expect(billing.indexOf('T-2')).toBeLessThan(billing.indexOf('T-1'));
    expect(billing).not.toContain('T-3');
    expect(billing).not.toContain('<!channel>');
    expect(fake.completed).toHaveLength(2);
    const metas = fake.uploads.map((u) => JSON.parse(pngText(u.bytes.subarray(u.bytes.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47]))))[CHART_DATA_KEY]) as { queue: string; tickets: { ticketId: string; minutesLeft: number }[] });
    const b = metas.find((m) => m.queue === 'billing')!;
    expect(b.tickets).toEqual([{ ticketId: 'T-2', minutesLeft: -60 }, { ticketId: 'T-1', minutesLeft: 20 }]);
  });

  it('counts the window in business hours where configured: Friday 16:50, due Monday 09:10 is 20 business minutes away', async () => {
    const fri = Date.parse('2026-11-20T16:50:00Z');
    for (const [hours, expected] of [['09:00-17:00 mon-fri', 1], [undefined, 0]] as const) {
      const w = await warehouseWith([{ start: slot('2026-11-20T08:00:00Z', 0), queue: 'billing', offered: 10, awt: 9 }], [{ queue: 'billing', tz: 'UTC' }]);
      writeFileSync(join(w.dir, 'tickets.csv'), [HEAD, row('T-9', 'billing', '2026-11-23T09:10:00Z')].join('\n') + '\n');
      expect((await ingestFiles(w.db, [join(w.dir, 'tickets.csv')])).ok).toBe(true);
      const config = loadConfig({ LOG_LEVEL: 'silent', ...(hours ? { RADAR_BUSINESS_HOURS: hours } : {}) });
      insertRule(w.db, finishRule(parseRuleTokens(tokenize('tickets_due within=30m queue=billing'), buildParseContext(w.db, config, new Date(fri)), { mode: 'full' }), 'UTC'), 'tickets_due', null, fri);
      const rt = await createAlertRuntime({ db: w.db, config, registry: buildRegistry(), now: () => new Date(fri), logger: pino({ level: 'silent' }) }, { engines: staticEngines(), clock: () => fri, sleep: async () => {} });
      const t = await rt.tick(new Date(fri));
      expect(t.evaluation.results[0]).toMatchObject({ value: expected });
      w.db.close();
    }
  });
});
