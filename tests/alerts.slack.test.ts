/**
 * The alert buttons and modals through a real Bolt app over HTTP on 127.0.0.1 (signed requests), its Web API
 * client pointed at the stateful fake Slack. The alert itself is fired by the real runtime first.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import { pino } from 'pino';
import type { Db } from '../src/warehouse/db.js';
import { configSchema } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { AlertRuntime } from '../src/alerts/runtime.js';
import { staticEngines } from '../src/alerts/engines.js';
import { getRule, getState, insertRule, listRules } from '../src/alerts/store.js';
import { finishRule, parseRuleTokens } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { registerAlertListeners } from '../src/slack/alerts/index.js';
import { webClientTransport, fanoutClient } from '../src/slack/alerts/transport.js';
import { renderIntent } from '../src/slack/alerts/messages.js';
import type { SlackDeps } from '../src/slack/deps.js';
import { startFakeSlackAlerts, signedPost, type FakeSlackAlerts } from './helpers/fakeSlackAlerts.js';
import { warehouseWith, slot } from './helpers/alertsWarehouse.js';

const SECRET = 'alerts-signing-secret';
const config = configSchema.parse({ RADAR_ADMINS: 'UADMIN', SLACK_SIGNING_SECRET: SECRET });
const clock = { now: Date.parse('2026-11-20T10:01:00Z') };

let db: Db;
let fake: FakeSlackAlerts;
let app: App;
let url: string;
let key: string;
let alertTs: string;

/** Lets pending I/O run until `cond` holds (no wall-clock sleeping). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const FORM = 'application/x-www-form-urlencoded';

function press(actionId: string, user: string, value = JSON.stringify({ r: 1, s: 'billing', k: key })) {
  return signedPost(url, form({
    type: 'block_actions', user: { id: user, username: user, name: user, team_id: 'T1' }, api_app_id: 'A1', token: 't', trigger_id: '1.2.3',
    team: { id: 'T1', domain: 'test' }, container: { type: 'message', message_ts: alertTs, channel_id: 'C0OPS', is_ephemeral: false },
    channel: { id: 'C0OPS', name: 'support-ops' }, message: { ts: alertTs, type: 'message', text: 'x' }, response_url: 'http://127.0.0.1:1/unused',
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
  }), FORM, SECRET);
}

beforeAll(async () => {
  const rows = [];
  for (let k = 0; k < 6; k++) rows.push({ start: slot('2026-11-20T08:00:00Z', k), queue: 'billing', offered: 100, awt: k < 2 ? 90 : 60 });
  ({ db } = await warehouseWith(rows, [{ queue: 'billing', tz: 'UTC', target: 80 }]));
  fake = await startFakeSlackAlerts({ clock: () => clock.now });
  const pctx = buildParseContext(db, config, new Date(clock.now));
  insertRule(db, finishRule(parseRuleTokens(tokenize('sl < 75 for 2 intervals queue=billing channel=#support-ops'), pctx, { mode: 'full' }), 'UTC'), 'x', 'UANA', 0);
  const rt = new AlertRuntime({
    db, config, engines: staticEngines(), clock: () => clock.now, sleep: async (ms) => void (clock.now += ms),
    poster: { transport: webClientTransport(fanoutClient(fake.token, fake.apiUrl)), render: (p) => renderIntent(p, clock.now) },
  });
  await rt.tick();
  alertTs = fake.messages('C0OPS')[0].ts;
  key = 'a|1|billing|1';

  const deps: SlackDeps = { db, config, registry: buildRegistry(), now: () => new Date(clock.now), logger: pino({ level: 'silent' }) };
  app = new App({
    token: fake.token, botId: 'BBOT', botUserId: 'UBOT',
    receiver: new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events' }),
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  registerAlertListeners(app, deps, { scheduler: false });
  const server = (await app.start({ port: 0, host: '127.0.0.1' } as never)) as unknown as Server;
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});

afterAll(async () => {
  await app.stop();
  await fake.close();
  db.close();
});

describe('alert buttons', () => {
  it('the fired message is there to press', () => {
    expect(fake.messages('C0OPS')).toHaveLength(1);
    expect(getState(db, 1, 'billing')).toMatchObject({ phase: 'firing', messageTs: alertTs });
  });

  it('Acknowledge records who and shows it on the message; the button goes away', async () => {
    const n = fake.callsTo('chat.update').length;
    expect((await press('alert_ack', 'UBOB')).status).toBe(200);
    await until(() => fake.callsTo('chat.update').length > n, 'chat.update');
    const u = fake.callsTo('chat.update').at(-1)!.args;
    expect(u).toMatchObject({ channel: 'C0OPS', ts: alertTs });
    const blocks = JSON.stringify(u.blocks);
    expect(blocks).toContain('Acknowledged by <@UBOB>');
    expect(blocks).not.toContain('"alert_ack"');
    expect(getState(db, 1, 'billing')).toMatchObject({ ackedBy: 'UBOB', ackedAt: clock.now });
  });

  it('Snooze 1 h sets the expiry and shows who snoozed it', async () => {
    const n = fake.callsTo('chat.update').length;
    await press('alert_snooze_1h', 'UCAT');
    await until(() => fake.callsTo('chat.update').length > n, 'chat.update');
    expect(getState(db, 1, 'billing')).toMatchObject({ snoozedUntil: clock.now + 3_600_000, snoozedBy: 'UCAT' });
    expect(JSON.stringify(fake.callsTo('chat.update').at(-1)!.args.blocks)).toMatch(/Snoozed until <!date\^\d+\^[^|]+\|2026-11-20 11:01 UTC> by <@UCAT>/);
  });

  it('Snooze… opens a modal; a bad duration is refused in the modal; a good one snoozes', async () => {
    const n = fake.callsTo('views.open').length;
    await press('alert_snooze_custom', 'UCAT');
    await until(() => fake.callsTo('views.open').length > n, 'views.open');
    const view = fake.callsTo('views.open').at(-1)!.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('radar_alert_snooze');
    const submit = (value: string) =>
      signedPost(url, form({
        type: 'view_submission', team: { id: 'T1', domain: 'test' }, user: { id: 'UCAT', username: 'c', name: 'c', team_id: 'T1' }, api_app_id: 'A1', token: 't', trigger_id: '1.2.3',
        view: { id: 'V1', type: 'modal', callback_id: 'radar_alert_snooze', private_metadata: view.private_metadata, state: { values: { duration: { value: { type: 'plain_text_input', value } } } }, hash: 'h', team_id: 'T1', app_id: 'A1', bot_id: 'BBOT', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }), FORM, SECRET);
    const bad = await submit('a while');
    expect(JSON.parse(bad.body)).toMatchObject({ response_action: 'errors', errors: { duration: expect.stringMatching(/Write a duration/) } });
    const good = await submit('90m');
    expect(good.status).toBe(200);
    await until(() => getState(db, 1, 'billing')?.snoozedUntil === clock.now + 90 * 60_000, 'snooze saved');
  });

  it('Mute rule by someone else is politely refused; by an admin it mutes', async () => {
    const n = fake.ephemerals.length;
    await press('alert_mute', 'UBOB');
    await until(() => fake.ephemerals.length > n, 'ephemeral');
    expect(fake.ephemerals.at(-1)).toMatchObject({ channel: 'C0OPS', user: 'UBOB' });
    expect(String(fake.ephemerals.at(-1)!.text)).toMatch(/^Sorry — only its creator \(<@UANA>\) or a Radar admin can mute rule #1\. You can snooze this alert instead\./);
    expect(getRule(db, 1)?.mutedUntil).toBeNull();
    await press('alert_mute', 'UADMIN');
    await until(() => fake.ephemerals.length > n + 1, 'ephemeral');
    expect(String(fake.ephemerals.at(-1)!.text)).toMatch(/^Rule #1 muted: its state is still tracked/);
    expect(getRule(db, 1)?.mutedBy).toBe('UADMIN');
    expect(JSON.stringify(fake.callsTo('chat.update').at(-1)!.args.blocks)).toContain('Rule muted');
  });

  it('Why? answers privately with the attribution', async () => {
    const n = fake.ephemerals.length;
    await press('alert_why', 'UBOB');
    await until(() => fake.ephemerals.length > n, 'ephemeral');
    const e = fake.ephemerals.at(-1)!;
    expect(e.user).toBe('UBOB');
    expect(String(e.text)).toMatch(/^Why: /);
    // This warehouse has only today: without a `why` command the answer says there is no history to compare with.
    if (!buildRegistry().get('why')) expect(JSON.stringify(e.blocks)).toContain("Not enough history on billing to attribute today's change.");
  });
});

describe('the new-rule modal', () => {
  it('`/radar alerts add` with no text opens the modal; submitting it stores the rule for its author', async () => {
    const slash = new URLSearchParams({
      token: 't', team_id: 'T1', team_domain: 'test', channel_id: 'C0OPS', channel_name: 'support-ops', user_id: 'UDAN', user_name: 'dan',
      command: '/radar', text: 'alerts add', api_app_id: 'A1', response_url: 'http://127.0.0.1:1/unused', trigger_id: '9.9.9',
    }).toString();
    const n = fake.callsTo('views.open').length;
    expect((await signedPost(url, slash, FORM, SECRET)).status).toBe(200);
    await until(() => fake.callsTo('views.open').length > n, 'views.open');
    const opened = fake.callsTo('views.open').at(-1)!.args as { trigger_id: string; view: { callback_id: string; private_metadata: string; blocks: { block_id: string }[] } };
    expect(opened.trigger_id).toBe('9.9.9');
    expect(opened.view.callback_id).toBe('radar_alert_rule');
    expect(opened.view.blocks.map((b) => b.block_id)).toEqual(['metric', 'comparator', 'threshold', 'for', 'queues', 'channel', 'severity', 'quiet', 'tz', 'name']);

    const values = (threshold: string) => ({
      metric: { value: { type: 'static_select', selected_option: { value: 'projected_sl' } } },
      comparator: { value: { type: 'static_select', selected_option: { value: '<' } } },
      threshold: { value: { type: 'plain_text_input', value: threshold } },
      for: { value: { type: 'plain_text_input', value: '30m' } },
      queues: { value: { type: 'multi_static_select', selected_options: [{ value: 'billing' }] } },
      channel: { value: { type: 'conversations_select', selected_conversation: 'C0OPS' } },
      severity: { value: { type: 'static_select', selected_option: { value: 'high' } } },
      quiet: { value: { type: 'plain_text_input', value: '22:00-07:00' } },
      tz: { value: { type: 'plain_text_input', value: null } },
      name: { value: { type: 'plain_text_input', value: 'Billing pre-breach' } },
    });
    const submit = (threshold: string) =>
      signedPost(url, form({
        type: 'view_submission', team: { id: 'T1', domain: 'test' }, user: { id: 'UDAN', username: 'dan', name: 'dan', team_id: 'T1' }, api_app_id: 'A1', token: 't', trigger_id: '1.2.3',
        view: { id: 'V2', type: 'modal', callback_id: 'radar_alert_rule', private_metadata: opened.view.private_metadata, state: { values: values(threshold) }, hash: 'h', team_id: 'T1', app_id: 'A1', bot_id: 'BBOT', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }), FORM, SECRET);
    const bad = await submit('lots');
    expect(JSON.parse(bad.body)).toMatchObject({ response_action: 'errors', errors: { threshold: expect.stringMatching(/couldn't read the threshold "lots"/) } });
    expect(listRules(db)).toHaveLength(1);
    const good = await submit('target-5');
    expect(good.status).toBe(200);
    await until(() => fake.ephemerals.some((e) => /^Added alert rule #2/.test(String(e.text))), 'confirmation');
    expect(listRules(db)[1]).toMatchObject({
      createdBy: 'UDAN',
      spec: { metric: 'projected_sl', threshold: { kind: 'target', offset: -5 }, for: { n: 30, unit: 'minutes' }, scope: { kind: 'queues', queues: ['billing'] }, channel: 'C0OPS', severity: 'high', quiet: { from: 1320, to: 420 }, name: 'Billing pre-breach' },
    });
  });
});
