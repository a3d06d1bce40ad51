/**
 * End to end through the real @slack/web-api client against a stateful fake Slack on 127.0.0.1:
 * evaluator → intents → poster → Slack, with an injected clock (sleep advances it; nothing waits on the wall clock).
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { AlertRuntime } from '../src/alerts/runtime.js';
import { staticEngines } from '../src/alerts/engines.js';
import { insertRule, allIntents, getState, getRule } from '../src/alerts/store.js';
import { decodeSlackText } from '../src/slack/text.js';
import { finishRule, parseRuleTokens } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { configSchema } from '../src/config.js';
import { webClientTransport, fanoutClient } from '../src/slack/alerts/transport.js';
import { renderIntent } from '../src/slack/alerts/messages.js';
import type { SlackTransport } from '../src/alerts/poster.js';
import { startFakeSlackAlerts, type FakeSlackAlerts } from './helpers/fakeSlackAlerts.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

const config = configSchema.parse({});
const TODAY = '2026-11-20'; // a Friday
const HISTORY = ['2026-10-23', '2026-10-30', '2026-11-06', '2026-11-13'];

/** Four ordinary Fridays, then today: arrivals up 30 % from 09:00, SL 70 / 67.7 / 72.3 %, recovered at 10:30. */
function intervals(queues = ['billing']): IntervalSpec[] {
  const out: IntervalSpec[] = [];
  for (const q of queues) {
    for (const d of HISTORY) for (let k = 0; k < 20; k++) out.push({ start: slot(`${d}T08:00:00Z`, k), queue: q, offered: 100, awt: 90, handled: 95, abandoned: 5, agents: 20 });
    const today: [number, number][] = [[100, 90], [100, 90], [130, 91], [130, 88], [130, 94], [100, 85], [100, 88]];
    today.forEach(([offered, awt], k) => out.push({ start: slot(`${TODAY}T08:00:00Z`, k), queue: q, offered, awt, handled: offered - 5, abandoned: 5, agents: 20 }));
  }
  return out;
}

function addRule(db: Db, text: string, createdBy: string | null = null) {
  const pctx = buildParseContext(db, config, new Date(`${TODAY}T08:00:00Z`));
  return insertRule(db, finishRule(parseRuleTokens(tokenize(text), pctx, { mode: 'full' }), 'UTC'), text, createdBy, Date.parse(`${TODAY}T08:00:00Z`));
}

interface Harness {
  db: Db;
  path: string;
  fake: FakeSlackAlerts;
  clock: { now: number };
  sleeps: number[];
  runtime(o?: { transport?: SlackTransport | null; db?: Db }): AlertRuntime;
}

let h: Harness;

async function setup(queues = ['billing']): Promise<Harness> {
  const { db, path } = await warehouseWith(intervals(queues), queues.map((queue) => ({ queue, tz: 'UTC', target: 80 })));
  const clock = { now: Date.parse(`${TODAY}T08:00:00Z`) };
  const fake = await startFakeSlackAlerts({ clock: () => clock.now });
  const sleeps: number[] = [];
  const transport = webClientTransport(fanoutClient(fake.token, fake.apiUrl));
  return {
    db, path, fake, clock, sleeps,
    runtime: (o = {}) =>
      new AlertRuntime({
        db: o.db ?? db,
        config,
        engines: staticEngines(),
        poster: o.transport === null ? null : { transport: o.transport ?? transport, render: (p) => renderIntent(p, clock.now) },
        clock: () => clock.now,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.now += ms;
        },
      }),
  };
}

const at = (hhmm: string) => Date.parse(`${TODAY}T${hhmm}:00Z`);
const posts = (f: FakeSlackAlerts) => f.callsTo('chat.postMessage');
type Blk = { type: string; elements?: { action_id?: string }[]; text?: { text?: string } };

describe('alerts end to end with a fake Slack', () => {
  beforeEach(async () => {
    h = await setup();
  });
  afterEach(async () => {
    await h.fake.close();
    h.db.close();
  });

  it('fires once with buttons after the minimum duration, then a resolve edits the message and replies in its thread', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops severity=high');
    const rt = h.runtime();
    h.clock.now = at('09:31');
    let t = await rt.tick();
    expect(t.evaluation.results[0]).toMatchObject({ phase: 'pending', value: 70 });
    expect(posts(h.fake)).toHaveLength(0);

    h.clock.now = at('10:01');
    t = await rt.tick();
    expect(t.evaluation.effects.map((e) => e.kind)).toEqual(['fire']);
    expect(posts(h.fake)).toHaveLength(1);
    const post = posts(h.fake)[0].args as { channel: string; blocks: Blk[]; metadata: { event_type: string; event_payload: { key: string } }; text: string };
    expect(post.channel).toBe('C0OPS'); // #support-ops resolved through conversations.list
    expect(post.metadata).toEqual({ event_type: 'radar_alert', event_payload: { key: 'a|1|billing|1' } });
    const ids = post.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements!.map((e) => e.action_id));
    expect(ids).toEqual(['alert_ack', 'alert_why', 'alert_whatif', 'alert_snooze_1h', 'alert_snooze_4h', 'alert_snooze_tomorrow', 'alert_snooze_custom', 'alert_mute']);
    const body = JSON.stringify(post.blocks);
    expect(body).toContain('is *67.7 %*');
    expect(body).toMatch(/Likely driver:\* Arrivals \+\d+ % contributed −/); // the only driver that changed today
    expect(body).toMatch(/What would recover it:\* (\+\d+ agents? \d\d:\d\d–\d\d:\d\d → projected SL|Even \+30)/);
    const original = h.fake.messages('C0OPS')[0];
    expect(getState(h.db, 1, 'billing')).toMatchObject({ phase: 'firing', messageChannel: 'C0OPS', messageTs: original.ts });

    // Still breached, then ticks with no new data: nothing is posted.
    h.clock.now = at('10:31');
    await rt.tick();
    h.clock.now = at('10:45');
    await rt.tick();
    expect(posts(h.fake)).toHaveLength(1);
    expect(h.fake.callsTo('chat.update')).toHaveLength(0);

    h.clock.now = at('11:01');
    t = await rt.tick();
    expect(t.evaluation.effects.map((e) => e.kind)).toEqual(['resolve']);
    const updates = h.fake.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0].args).toMatchObject({ channel: 'C0OPS', ts: original.ts });
    expect(JSON.stringify(updates[0].args.blocks)).toContain('Resolved');
    expect(JSON.stringify(updates[0].args.blocks)).not.toContain('alert_ack'); // no buttons on a resolved alert
    const msgs = h.fake.messages('C0OPS');
    expect(msgs).toHaveLength(2);
    expect(msgs[1]).toMatchObject({ thread_ts: original.ts, reply_broadcast: false });
    expect(msgs[1].text).toMatch(/Resolved: SL \(interval\) back to \*85\.0 %\*.*Lasted 1h 30m/);
    expect(allIntents(h.db).every((i) => i.status === 'posted')).toBe(true);
  });

  it('survives a 429 with Retry-After and a 500: exactly one message, waits as told', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    const rt = h.runtime();
    h.clock.now = at('09:31');
    await rt.tick();
    h.fake.fail('chat.postMessage', { status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } });
    h.fake.fail('chat.postMessage', { status: 500, body: { ok: false, error: 'internal_error' } });
    h.clock.now = at('10:01');
    const t = await rt.tick();
    expect(t.drain).toMatchObject({ posted: 1, rateLimited: 1, retries: 1, failed: 0 });
    expect(h.sleeps).toContain(7000); // Retry-After honoured
    expect(h.sleeps).toContain(1000); // first backoff after the 500
    expect(posts(h.fake)).toHaveLength(3); // 429, 500, success
    expect(h.fake.callsTo('conversations.history')).toHaveLength(1); // the 500 was ambiguous: checked before re-posting
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
  });

  it('a 500 after Slack stored the message is reconciled from history, not re-posted', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    const rt = h.runtime();
    h.clock.now = at('09:31');
    await rt.tick();
    h.fake.fail('chat.postMessage', { status: 500, body: { ok: false }, storeFirst: true });
    h.clock.now = at('10:01');
    const t = await rt.tick();
    expect(t.drain).toMatchObject({ reconciled: 1, posted: 0 });
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(getState(h.db, 1, 'billing')?.messageTs).toBe(h.fake.messages('C0OPS')[0].ts);
  });

  it('a crash between "intent recorded" and "post" gives exactly one message after restart', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    // Process 1 evaluates and records the intent, then dies before posting.
    const p1 = h.runtime({ transport: null });
    h.clock.now = at('09:31');
    await p1.tick();
    h.clock.now = at('10:01');
    await p1.tick();
    expect(allIntents(h.db).map((i) => i.status)).toEqual(['pending']);
    h.db.close();

    // Process 2: a new connection to the same file reconciles on start, then posts once.
    const db2 = openWarehouse(h.path);
    h.db = db2;
    const p2 = h.runtime({ db: db2 });
    await p2.recover();
    await p2.recover();
    h.clock.now = at('10:05');
    await p2.tick();
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(allIntents(db2).map((i) => i.status)).toEqual(['posted']);
  });

  it('a crash after Slack stored the message (but before we noted it) does not duplicate it on restart', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    const real = webClientTransport(fanoutClient(h.fake.token, h.fake.apiUrl));
    // Process 1's post reaches Slack, and then the process hangs forever (killed before it records the ts).
    const dying: SlackTransport = { ...real, postMessage: async (a) => (await real.postMessage(a), new Promise<never>(() => {})) };
    const p1 = h.runtime({ transport: dying });
    h.clock.now = at('09:31');
    await p1.tick();
    h.clock.now = at('10:01');
    void p1.tick();
    for (let i = 0; i < 200 && h.fake.messages('C0OPS').length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(allIntents(h.db).map((i) => i.status)).toEqual(['sending']);

    const db2 = openWarehouse(h.path);
    const p2 = h.runtime({ db: db2 });
    const r = await p2.recover();
    expect(r).toMatchObject({ reconciled: 1, posted: 0 });
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(allIntents(db2)[0]).toMatchObject({ status: 'posted', ts: h.fake.messages('C0OPS')[0].ts });
    db2.close();
  });

  it('#name channel: a crash after Slack stored the message is reconciled by the pinned id even when the name cannot be looked up', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    const real = webClientTransport(fanoutClient(h.fake.token, h.fake.apiUrl));
    const dying: SlackTransport = { ...real, postMessage: async (a) => (await real.postMessage(a), new Promise<never>(() => {})) };
    const p1 = h.runtime({ transport: dying });
    h.clock.now = at('09:31');
    await p1.tick();
    h.clock.now = at('10:01');
    void p1.tick();
    for (let i = 0; i < 200 && h.fake.messages('C0OPS').length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(h.fake.messages('C0OPS')).toHaveLength(1);

    // Process 2 lacks the lookup (e.g. the scope was removed): it must neither post by name nor post twice.
    const db2 = openWarehouse(h.path);
    const noLookup: SlackTransport = { ...real, resolveChannel: async () => { throw new Error('missing_scope'); } };
    const p2 = h.runtime({ db: db2, transport: noLookup });
    const r = await p2.recover();
    expect(r).toMatchObject({ reconciled: 1, posted: 0 });
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('#'))).toHaveLength(0);
    db2.close();
  });

  it('a rule made in Slack stores the channel id Slack sent: a crash between intent and post posts once, with no name lookup at all', async () => {
    // `/radar alerts add …` with should_escape: Slack sends the channel the user picked as <#id|name>.
    const rule = addRule(h.db, decodeSlackText('sl &lt; 75 for 2 intervals queue=billing channel=<#C0OPS|support-ops>'));
    expect(rule.spec).toMatchObject({ channel: 'C0OPS', channelName: 'support-ops' });
    const p1 = h.runtime({ transport: null });
    h.clock.now = at('09:31');
    await p1.tick();
    h.clock.now = at('10:01');
    await p1.tick();
    expect(allIntents(h.db).map((i) => i.status)).toEqual(['pending']);
    h.db.close();

    const db2 = openWarehouse(h.path);
    h.db = db2;
    const real = webClientTransport(fanoutClient(h.fake.token, h.fake.apiUrl));
    const noLookup: SlackTransport = { ...real, resolveChannel: async () => { throw new Error('missing_scope'); } };
    const p2 = h.runtime({ db: db2, transport: noLookup });
    await p2.recover();
    h.clock.now = at('10:05');
    await p2.tick();
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(h.fake.calls.filter((c) => c.method === 'conversations.list')).toHaveLength(0);
    // The message names the channel as Slack shows it.
    expect(JSON.stringify(h.fake.messages('C0OPS')[0])).toContain('<#C0OPS|support-ops>');
  });

  it('a rule made on the CLI with #name: the first resolution writes the id back to the rule, so no later process needs the lookup', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    expect(getRule(h.db, 1)!.spec).toMatchObject({ channel: '#support-ops', channelName: 'support-ops' });
    const rt = h.runtime();
    h.clock.now = at('09:31');
    await rt.tick();
    h.clock.now = at('10:01');
    await rt.tick();
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(getRule(h.db, 1)!.spec).toMatchObject({ channel: 'C0OPS', channelName: 'support-ops' });
    expect(h.fake.calls.filter((c) => c.method === 'conversations.list')).toHaveLength(1);
  });

  it('#name channel that cannot be resolved yet: the alert waits (never posted by name), then posts once', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    const real = webClientTransport(fanoutClient(h.fake.token, h.fake.apiUrl));
    let lookups = true;
    const flaky: SlackTransport = { ...real, resolveChannel: async (n) => { if (!lookups) throw new Error('missing_scope'); return real.resolveChannel!(n); } };
    lookups = false;
    const rt = h.runtime({ transport: flaky });
    h.clock.now = at('09:31');
    await rt.tick();
    h.clock.now = at('10:01');
    await rt.tick();
    expect(h.fake.messages('C0OPS')).toHaveLength(0);
    expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
    lookups = true;
    h.clock.now = at('10:05');
    await rt.tick();
    expect(h.fake.messages('C0OPS')).toHaveLength(1);
    expect(allIntents(h.db).map((i) => i.status)).toEqual(['posted']);
  });

  it('when the alert message was deleted, the resolve posts anew and threads under the new message', async () => {
    addRule(h.db, 'sl < 75 for 2 intervals queue=billing channel=#support-ops');
    const rt = h.runtime();
    for (const t of ['09:31', '10:01']) {
      h.clock.now = at(t);
      await rt.tick();
    }
    const first = h.fake.messages('C0OPS')[0];
    h.fake.deleteMessage('C0OPS', first.ts);
    for (const t of ['10:31', '11:01']) {
      h.clock.now = at(t);
      await rt.tick();
    }
    const msgs = h.fake.messages('C0OPS');
    expect(msgs).toHaveLength(2);
    expect(msgs[0].thread_ts).toBeUndefined();
    expect(msgs[0].text).toMatch(/^Resolved/);
    expect(msgs[1].thread_ts).toBe(msgs[0].ts);
    expect(getState(h.db, 1, 'billing')?.messageTs).toBe(msgs[0].ts);
  });
});

describe('pacing', () => {
  afterEach(async () => {
    await h.fake.close();
    h.db.close();
  });

  it('writes to one channel at most once per second', async () => {
    h = await setup(['billing', 'returns', 'sales']);
    addRule(h.db, 'sl < 75 for 2 intervals queue=all channel=#support-ops');
    const rt = h.runtime();
    for (const t of ['09:31', '10:01']) {
      h.clock.now = at(t);
      await rt.tick();
    }
    const ts = h.fake.messages('C0OPS').map((m) => Number(m.ts.split('.')[0]));
    expect(ts).toHaveLength(3);
    expect(ts[1] - ts[0]).toBeGreaterThanOrEqual(1);
    expect(ts[2] - ts[1]).toBeGreaterThanOrEqual(1);
    expect(h.sleeps.filter((s) => s > 0).length).toBeGreaterThanOrEqual(2);
  });
});
