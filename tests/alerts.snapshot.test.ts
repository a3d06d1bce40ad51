/**
 * A fired alert carries a snapshot: the Slack app's own alert runtime (createAlertRuntime: fan-out WebClient
 * transport, Block Kit renderer, snapshot uploader) against a stateful fake Slack on 127.0.0.1. The chart's
 * data (read back from the uploaded PNG) is checked against the interval rows written here.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { pino } from 'pino';
import { staticEngines } from '../src/alerts/engines.js';
import { insertRule } from '../src/alerts/store.js';
import { finishRule, parseRuleTokens } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createAlertRuntime } from '../src/slack/alerts/index.js';
import { pngText, CHART_DATA_KEY } from '../src/charts/index.js';
import type { Db } from '../src/warehouse/db.js';
import { startFakeSlackAlerts, type FakeSlackAlerts } from './helpers/fakeSlackAlerts.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

const TODAY = '2026-11-20';

/** The PNG inside an upload body (the client may wrap the bytes in multipart form data). */
function pngIn(body: Buffer): Buffer {
  const at = body.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(at).toBeGreaterThanOrEqual(0);
  return body.subarray(at);
}
let fake: FakeSlackAlerts | undefined;
let db: Db | undefined;

afterEach(async () => {
  await fake?.close();
  db?.close();
});

describe('alert snapshot', () => {
  it('uploads the queue’s day up to the firing time into the alert’s thread', async () => {
    // SL 90 %, 90 %, then 70 %, 68 %: the breach begins at 09:00 and `for 2 intervals` fires on 09:30's data.
    const sl: [number, number][] = [[100, 90], [100, 90], [100, 70], [100, 68]];
    const rows: IntervalSpec[] = sl.map(([offered, awt], k) => ({ start: slot(`${TODAY}T08:00:00Z`, k), queue: 'billing', offered, awt, handled: 95, abandoned: 5, agents: 20 }));
    const w = await warehouseWith(rows, [{ queue: 'billing', tz: 'UTC', target: 80 }]);
    db = w.db;
    const clock = { now: Date.parse(`${TODAY}T08:00:00Z`) };
    fake = await startFakeSlackAlerts({ clock: () => clock.now });
    const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
    const pctx = buildParseContext(db, config, new Date(clock.now));
    insertRule(db, finishRule(parseRuleTokens(tokenize('sl < 75 for 2 intervals queue=billing channel=#support-ops'), pctx, { mode: 'full' }), 'UTC'), 'sl < 75', null, clock.now);
    const deps = { db, config, registry: buildRegistry(), now: () => new Date(clock.now), logger: pino({ level: 'silent' }) };
    const rt = await createAlertRuntime(deps, { engines: staticEngines(), clock: () => clock.now, sleep: async (ms) => void (clock.now += ms) });

    clock.now = Date.parse(`${TODAY}T10:01:00Z`);
    const t = await rt.tick();
    expect(t.evaluation.effects.map((e) => e.kind)).toEqual(['fire']);
    const alert = fake.messages('C0OPS')[0];
    expect(alert).toBeDefined();
    expect(fake.completed).toHaveLength(1);
    expect(fake.completed[0]).toMatchObject({ channel: 'C0OPS', thread_ts: alert.ts });
    expect(fake.uploads).toHaveLength(1);
    const meta = JSON.parse(pngText(pngIn(fake.uploads[0].bytes))[CHART_DATA_KEY]) as { chart: string; queue: string; points: number; threshold: number; firedAt: string };
    expect(meta).toMatchObject({ chart: 'alert-snapshot', queue: 'billing', points: 4, threshold: 75, firedAt: '09:00' });
  });

  it('a failed upload leaves the alert posted and is not retried', async () => {
    const rows: IntervalSpec[] = [[100, 70], [100, 68]].map(([offered, awt], k) => ({ start: slot(`${TODAY}T08:00:00Z`, k), queue: 'billing', offered, awt, handled: 95, abandoned: 5, agents: 20 }));
    const w = await warehouseWith(rows, [{ queue: 'billing', tz: 'UTC', target: 80 }]);
    db = w.db;
    const clock = { now: Date.parse(`${TODAY}T08:00:00Z`) };
    fake = await startFakeSlackAlerts({ clock: () => clock.now });
    fake.fail('files.getUploadURLExternal', { status: 200, body: { ok: false, error: 'internal_error' } });
    const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
    const pctx = buildParseContext(db, config, new Date(clock.now));
    insertRule(db, finishRule(parseRuleTokens(tokenize('sl < 75 for 2 intervals queue=billing channel=#support-ops'), pctx, { mode: 'full' }), 'UTC'), 'sl < 75', null, clock.now);
    const deps = { db, config, registry: buildRegistry(), now: () => new Date(clock.now), logger: pino({ level: 'silent' }) };
    const rt = await createAlertRuntime(deps, { engines: staticEngines(), clock: () => clock.now, sleep: async (ms) => void (clock.now += ms) });
    clock.now = Date.parse(`${TODAY}T09:01:00Z`);
    await rt.tick();
    expect(fake.messages('C0OPS')).toHaveLength(1);
    expect(fake.completed).toHaveLength(0);
    clock.now = Date.parse(`${TODAY}T09:16:00Z`);
    await rt.tick();
    expect(fake.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });
});
