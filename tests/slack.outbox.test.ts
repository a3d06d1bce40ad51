/**
 * The outbox end to end: the real Bolt app over HTTP on 127.0.0.1, a fake Slack on loopback that fails for longer
 * than the in-process retries, then recovers. The outbox tick is driven directly with an injected clock (no
 * sleeps); a second sender and a restarted server show each answer is delivered exactly once. Expected numbers
 * are computed here from the fixture CSV.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { webApi } from '@slack/bolt';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig, type Config } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createSlackApp, serve, type SlackApp, type SlackDeps } from '../src/slack/index.js';
import { Outbox } from '../src/slack/outbox.js';
import { startFakeSlack, sendToApp, slashBody, eventBody, FORM, JSON_TYPE, type FakeSlack, type Scripted } from './helpers/fakeSlack.js';

const SECRET = 'outbox-signing-secret-0123456789abcdef';
const T0 = new Date('2026-11-21T15:00:00Z').getTime();

/** Billing's realised SL on its local 2026-11-20, from the CSV: Σ answered_within_target / Σ offered. */
function billingSl(): string {
  const [head, ...rows] = readFileSync('tests/fixtures/small/intervals.csv', 'utf8').trim().split('\n');
  const cols = head.split(',');
  const ny = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
  let offered = 0;
  let within = 0;
  for (const line of rows) {
    const r = line.split(',');
    if (r[cols.indexOf('queue')] !== 'billing' || ny.format(new Date(r[cols.indexOf('interval_start')])) !== '2026-11-20') continue;
    offered += Number(r[cols.indexOf('offered')]);
    within += Number(r[cols.indexOf('answered_within_target')]);
  }
  return `${((within / offered) * 100).toFixed(1)} %`;
}

const FAIL: Scripted = { status: 500, body: { ok: false, error: 'internal_error' } };
const many = (s: Scripted, n = 40) => Array.from({ length: n }, () => s);
const text = (x: unknown) => JSON.stringify(x);

let dir: string;
let dbPath: string;
let db: Db;
let fake: FakeSlack;
let config: Config;
let clock = T0;
let deps: SlackDeps;
let slack: SlackApp;
let appUrl: string;

async function mention(eventId: string, ts: string) {
  await sendToApp(appUrl, eventBody(eventId, { type: 'app_mention', user: 'U1', text: '<@UBOT> sla billing yesterday', ts, channel: 'C1', event_ts: ts }), JSON_TYPE, { secret: SECRET });
  await slack.idle();
}

async function slash(line: string, id: string) {
  await sendToApp(appUrl, slashBody({ command: '/radar', text: line, responseUrl: fake.responseUrl(id) }), FORM, { secret: SECRET });
  await slack.idle();
}

const pending = () => (db.prepare(`SELECT COUNT(*) AS n FROM slack_outbox WHERE status = 'pending'`).get() as { n: number }).n;
const answers = (method: string) => fake.callsTo(method).filter((c) => text(c.args).includes(billingSl()));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-outbox-'));
  dbPath = join(dir, 'warehouse.db');
  db = openWarehouse(dbPath);
  expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
  fake = await startFakeSlack();
  config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
  // Three in-process attempts (instant sleep), so "beyond the retry budget" is a short script.
  deps = { db, config, registry: buildRegistry(), now: () => new Date(clock), logger: pino({ level: 'silent' }), sleep: async () => {}, retry: { attempts: 3 } };
  slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 0 } } });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  appUrl = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await slack?.stop().catch(() => undefined);
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.reset();
  db.prepare('DELETE FROM slack_outbox').run();
  clock = T0;
});

describe('an answer that outlives the retries waits in the outbox', () => {
  it('chat.postMessage failing with 500 beyond the retry budget: Slack recovers → the thread answer is delivered exactly once', async () => {
    fake.script('chat.postMessage', ...many(FAIL));
    await mention('EvOut1', '1763737300.000100');
    expect(fake.callsTo('chat.postMessage')).toHaveLength(3); // the in-process budget, all failed
    expect(pending()).toBe(1);
    expect(slack.outbox.stats()).toMatchObject({ pending: 1, oldestAgeSeconds: 0 });

    // Still down at the first tick: one attempt, nothing delivered, the entry waits again.
    clock += 10_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 0, retrying: 1 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(4);

    fake.reset(); // Slack recovers
    clock += 10 * 60_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 1 });
    const posts = answers('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0].args).toMatchObject({ channel: 'C1', thread_ts: '1763737300.000100' });
    expect(text(posts[0].args.blocks)).toMatch(/Sent late/);
    // The chart follows into the same thread.
    expect(fake.callsTo('files.completeUploadExternal')[0]?.args.thread_ts).toBe('1763737300.000100');
    expect(fake.uploads[0].bytes.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(true); // a PNG inside the upload

    // Later ticks send nothing more.
    clock += 60 * 60_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 0, retrying: 0 });
    expect(answers('chat.postMessage')).toHaveLength(1);
    expect(pending()).toBe(0);
  });

  it('two senders draining at the same moment (two processes) deliver it once', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await mention('EvOut2', '1763737301.000100');
    expect(pending()).toBe(1);
    fake.reset();
    const client = new webApi.WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const other = new Outbox({ db: openWarehouse(dbPath), client, now: deps.now, logger: deps.logger, owner: 'other-process' });
    clock += 10_000;
    const [a, b] = await Promise.all([slack.outbox.drain(), other.drain()]);
    expect(a.delivered + b.delivered).toBe(1);
    expect(answers('chat.postMessage')).toHaveLength(1);
  });

  it('a sender that crashed holding the lease: the entry waits out the lease, then goes once', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await mention('EvOut3', '1763737302.000100');
    fake.reset();
    clock += 10_000;
    db.prepare(`UPDATE slack_outbox SET lease_owner = 'crashed', lease_until = ?`).run(clock + 60_000);
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 0 });
    expect(answers('chat.postMessage')).toHaveLength(0);
    clock += 61_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 1 });
    expect(answers('chat.postMessage')).toHaveLength(1);
  });

  it('a 429 from Slack is honoured: nothing is sent before its Retry-After', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await mention('EvOut4', '1763737303.000100');
    fake.reset();
    fake.script('chat.postMessage', { status: 429, headers: { 'retry-after': '120' }, body: { ok: false, error: 'ratelimited' } });
    clock += 10_000;
    expect(await slack.outbox.drain()).toMatchObject({ retrying: 1 });
    clock += 119_000;
    await slack.outbox.drain();
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1); // only the 429
    clock += 2_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 1 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2); // the 429, then the answer
  });

  it('a slash answer whose response_url keeps failing goes through response_url once Slack recovers', async () => {
    fake.scriptResponses(...many({ status: 503, body: 'unavailable' }, 3));
    await slash('sla billing yesterday', 'slash1');
    expect(fake.responses).toHaveLength(0);
    expect(pending()).toBe(1);
    clock += 5 * 60_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 1 });
    expect(fake.responses).toHaveLength(1);
    expect(fake.responses[0].id).toBe('slash1');
    expect(text(fake.responses[0].body.blocks)).toContain(`SL *${billingSl()}*`);
    await slack.outbox.drain();
    expect(fake.responses).toHaveLength(1);
  });

  it('past the response_url’s 30 minutes the answer goes to the asker’s DM instead', async () => {
    fake.scriptResponses(...many({ status: 503, body: 'unavailable' }, 3));
    await slash('sla billing yesterday', 'slash2');
    clock += 31 * 60_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 1 });
    expect(fake.responses).toHaveLength(0);
    const dm = answers('chat.postMessage');
    expect(dm).toHaveLength(1);
    expect(dm[0].args.channel).toBe('U1');
  });

  it('a public answer that waited is posted in the channel with its chart in that message’s thread', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await slash('sla billing yesterday public', 'slash3');
    expect(fake.responses).toHaveLength(0); // not turned into an in_channel response: it waits instead
    fake.reset();
    clock += 10_000;
    expect(await slack.outbox.drain()).toMatchObject({ delivered: 1 });
    const [post] = fake.callsTo('chat.postMessage');
    expect(post.args.channel).toBe('C1');
    expect(post.args.thread_ts).toBeUndefined();
    expect(text(post.args.blocks)).toContain(billingSl());
    const upload = fake.callsTo('files.completeUploadExternal');
    expect(upload).toHaveLength(1);
    // The fake numbers its answers: the thread is the ts the post above got back.
    expect(String(upload[0].args.thread_ts)).toMatch(/^1763737\d{3}\.000100$/);
    expect(upload[0].args.channel_id).toBe('C1');
  });

  it('a refusal that will not pass (channel_not_found) gives the entry up instead of retrying forever', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await mention('EvOut5', '1763737304.000100');
    fake.reset();
    fake.script('chat.postMessage', { body: { ok: false, error: 'channel_not_found' } });
    clock += 10_000;
    expect(await slack.outbox.drain()).toMatchObject({ failed: 1 });
    expect(slack.outbox.stats()).toMatchObject({ pending: 0, failed: 1 });
  });

  it('/healthz and /metrics report the outbox depth', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await mention('EvOut6', '1763737305.000100');
    const base = appUrl.replace('/slack/events', '');
    const h = (await (await fetch(`${base}/healthz`)).json()) as { outbox: { pending: number } };
    expect(h.outbox.pending).toBe(1);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^radar_slack_outbox_depth 1$/m);
  });
});

describe('a restart with an answer in the outbox', () => {
  it('the restarted server sends it at start-up, once', async () => {
    fake.script('chat.postMessage', ...many(FAIL, 3));
    await mention('EvOut7', '1763737306.000100');
    expect(pending()).toBe(1);
    await slack.stop();
    fake.reset();
    fake.events.removeAllListeners();
    // It was stored a minute ago by the real clock (serve() below runs on it).
    db.prepare('UPDATE slack_outbox SET created_at = ?, next_at = ?').run(Date.now() - 60_000, Date.now() - 55_000);
    // `radar serve` on the same warehouse (its own clock is the real one: the entry is long due).
    const delivered = new Promise<void>((resolve) => fake.events.on('call', (c: { method: string }) => c.method === 'files.completeUploadExternal' && resolve()));
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const served = serve({ dbPath, config: { ...config, PORT: 0 }, registry: buildRegistry(), until });
    await delivered;
    stop();
    expect(await served).toBe(0);
    expect(answers('chat.postMessage')).toHaveLength(1);
    expect(answers('chat.postMessage')[0].args.thread_ts).toBe('1763737306.000100');
    expect(pending()).toBe(0);
    // Back up for the rest of the file.
    slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 0 } } });
    const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
    appUrl = `http://127.0.0.1:${port}/slack/events`;
  });
});
