/**
 * Several `radar serve` processes on one Postgres (docs/postgres.md §5), on a real cluster:
 *  - event de-duplication: two pools claiming the same event ids at once answer each id once;
 *  - the Slack outbox: two senders (separate pools) draining at once deliver a stored answer once;
 *  - alerting across two real processes (tests/helpers/pgAlertChild.ts, the AlertRuntime with the shared
 *    lease and intent log, Slack over HTTP to a fake on 127.0.0.1): exactly one leader; the leader killed
 *    (SIGKILL) while Slack holds its post — written but not yet acknowledged, or not written — and the
 *    standby, once the lease expired, takes over and the alert exists in the channel exactly once; a paused
 *    leader that lost the lease is fenced off and calls Slack for nothing.
 * Time is the test's (injected into the children); nothing sleeps on the wall clock.
 */
import { it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { webApi } from '@slack/bolt';
import { openPgWarehouse, pgPool, type PgPool } from '../src/warehouse/pg/db.js';
import { pgSql } from '../src/warehouse/pg/sql.js';
import { claimEvent } from '../src/slack/dedupe.js';
import { enqueue, Outbox } from '../src/slack/outbox.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { describePg, freshDatabase, type FreshDatabase } from './helpers/pg.js';
import { startFakeSlackAlerts, type FakeSlackAlerts } from './helpers/fakeSlackAlerts.js';

const NOW = Date.parse('2026-11-20T15:00:00Z');
const TTL = 60_000;
const KEY = 'a|1|billing|1';

interface Child {
  p: ChildProcess;
  send(op: string, now: number): Promise<Record<string, unknown>>;
  exited: Promise<unknown>;
}

function child(url: string, holder: string, fake: FakeSlackAlerts): Child {
  const p = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/pgAlertChild.ts', url, holder, fake.apiUrl, fake.token, String(TTL)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: p.stdout! }).on('line', (l) => waiting.shift()?.(l));
  const exited = new Promise((r) => p.once('exit', r));
  return {
    p,
    exited,
    send: (op, now) =>
      new Promise((resolve, reject) => {
        waiting.push((l) => resolve(JSON.parse(l) as Record<string, unknown>));
        void exited.then(() => reject(new Error(`${holder} exited before answering ${op}`)));
        p.stdin!.write(JSON.stringify({ op, now }) + '\n');
      }),
  };
}

async function kill(c: Child): Promise<void> {
  c.p.kill('SIGKILL');
  await c.exited;
}

describePg('several radar serve processes on one Postgres', () => {
  let fresh: FreshDatabase;
  let pool: PgPool;
  let fake: FakeSlackAlerts;
  const children: Child[] = [];
  const spawnChild = (holder: string) => {
    const c = child(fresh.url, holder, fake);
    children.push(c);
    return c;
  };
  const intent = async () =>
    (await pool.query<{ status: string; ts: string | null; attempts: number }>('SELECT status, ts, attempts FROM alert_intents WHERE key = $1', [KEY])).rows[0];

  beforeAll(async () => {
    fresh = await freshDatabase();
    pool = await openPgWarehouse(fresh.url);
  });
  afterAll(async () => {
    for (const c of children) if (c.p.exitCode === null && c.p.signalCode === null) await kill(c);
    await fake?.close();
    await pool?.end();
    await fresh?.drop();
  });
  beforeEach(async () => {
    await fake?.close();
    fake = await startFakeSlackAlerts({ clock: () => NOW });
    await pool.query('TRUNCATE alert_intents, radar_lease, slack_outbox, event_dedupe');
  });
  /** What the leader's evaluator records when an alert fires (in the state change's transaction). */
  const recordAlert = () =>
    pool.query(
      `INSERT INTO alert_intents (key, kind, rule_id, scope, channel, payload, status, created_at) VALUES ($1, 'post', 1, 'billing', 'C0OPS', $2, 'pending', $3)`,
      [KEY, JSON.stringify({ render: 'alert', view: { queue: 'billing', sl: 0.61 } }), NOW - 1000],
    );

  it('event de-duplication: two pools claiming the same 40 event ids at once answer each once', async () => {
    const other = pgPool(fresh.url, 4);
    try {
      const a = pgSql(pool);
      const b = pgSql(other);
      const ids = Array.from({ length: 40 }, (_, i) => `Ev${i}`);
      const claims = await Promise.all(ids.flatMap((id) => [claimEvent(a, id, NOW), claimEvent(b, id, NOW)]));
      for (let i = 0; i < ids.length; i++) expect([claims[2 * i], claims[2 * i + 1]].filter(Boolean)).toHaveLength(1);
      expect(await claimEvent(a, 'Ev0', NOW + 1000)).toBe(false); // a Slack retry later is dropped too
    } finally {
      await other.end();
    }
  });

  it('the outbox: two senders with their own pools draining at the same moment deliver a stored answer once', async () => {
    const logger = pino({ level: 'silent' });
    const other = pgPool(fresh.url, 4);
    const stub = openWarehouse(':memory:');
    try {
      await enqueue(pgSql(pool), 'chat.postMessage', [{ kind: 'post', channel: 'C0OPS', text: 'late answer' }], {}, NOW, 'slack down', logger);
      const client = () => new webApi.WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
      const mk = (p: PgPool, owner: string) => new Outbox({ db: stub, shared: pgSql(p), client: client(), now: () => new Date(NOW + 10_000), logger, owner });
      const [ra, rb] = await Promise.all([mk(pool, 'proc-a').drain(), mk(other, 'proc-b').drain()]);
      expect(ra.delivered + rb.delivered).toBe(1);
      expect(fake.messages('C0OPS').map((m) => m.text)).toEqual(['late answer']);
      const row = (await pool.query('SELECT status, next_step FROM slack_outbox')).rows[0];
      expect(row).toEqual({ status: 'delivered', next_step: 1 });
    } finally {
      stub.close();
      await other.end();
    }
  });

  async function leaderAndStandby(): Promise<[Child, Child]> {
    const a = spawnChild('proc-a');
    const b = spawnChild('proc-b');
    const [ha, hb] = await Promise.all([a.send('heartbeat', NOW), b.send('heartbeat', NOW)]);
    expect([ha.leader, hb.leader].filter(Boolean)).toHaveLength(1);
    return ha.leader ? [a, b] : [b, a];
  }

  it('two processes: one leader; the standby never ticks; leader killed after Slack wrote the post but before its ok → the standby takes over and finds it: posted once', async () => {
    const [leader, standby] = await leaderAndStandby();
    await recordAlert();
    expect(await standby.send('tick', NOW)).toEqual({ ticked: false });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);

    fake.fail('chat.postMessage', { status: 200, body: {}, storeFirst: true, hang: true });
    void leader.send('tick', NOW).catch(() => undefined);
    await fake.called('chat.postMessage');
    await kill(leader);
    expect(await intent()).toMatchObject({ status: 'sending', ts: null, attempts: 1 });

    expect(await standby.send('heartbeat', NOW + TTL - 1)).toEqual({ leader: false }); // not before the lease expired
    expect(await standby.send('heartbeat', NOW + TTL + 1)).toEqual({ leader: true });
    const msgs = fake.messages('C0OPS');
    expect(msgs).toHaveLength(1);
    expect(msgs[0].metadata?.event_payload.key).toBe(KEY);
    expect(await intent()).toMatchObject({ status: 'posted', ts: msgs[0].ts, attempts: 1 });
    expect(fake.callsTo('conversations.history')).toHaveLength(1);

    expect(await standby.send('tick', NOW + TTL + 60_000)).toEqual({ ticked: true });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect((await pool.query('SELECT token FROM radar_lease')).rows[0]).toEqual({ token: 2 });
  });

  it('leader killed while Slack had not written the post: the standby finds nothing and posts it, once', async () => {
    const [leader, standby] = await leaderAndStandby();
    await recordAlert();
    fake.fail('chat.postMessage', { status: 200, body: {}, hang: true });
    void leader.send('tick', NOW).catch(() => undefined);
    await fake.called('chat.postMessage');
    await kill(leader);
    expect(fake.messages('C0OPS')).toHaveLength(0);

    expect(await standby.send('heartbeat', NOW + TTL + 1)).toEqual({ leader: true });
    const msgs = fake.messages('C0OPS');
    expect(msgs).toHaveLength(1);
    expect(msgs[0].metadata?.event_payload.key).toBe(KEY);
    expect(await intent()).toMatchObject({ status: 'posted', ts: msgs[0].ts, attempts: 2 });
  });

  it('a leader paused past its lease (alive, still believing it leads) is fenced: no Slack call, nothing written', async () => {
    const [leader, standby] = await leaderAndStandby();
    expect(await standby.send('heartbeat', NOW + TTL + 1)).toEqual({ leader: true }); // the old leader stopped renewing
    await recordAlert();
    const before = await intent();
    // The old leader wakes up within what it believes is its term and drains without a heartbeat.
    expect(await leader.send('drain', NOW + 10_000)).toMatchObject({ error: 'LeaseLostError' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await intent()).toEqual(before);
    // The new leader's own drain posts it.
    expect(await standby.send('drain', NOW + TTL + 2)).toMatchObject({ report: { posted: 1 } });
    expect(fake.messages('C0OPS')).toHaveLength(1);
  });
});
