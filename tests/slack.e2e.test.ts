/**
 * End to end: the real Bolt app over HTTP on 127.0.0.1, its Web API client pointed at a fake Slack on
 * loopback, correctly signed requests in, and assertions on what reached the fake (API calls, response_url
 * posts, uploads). Expected numbers are computed here from the fixture CSV, independently of the warehouse.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { Registry, defineCommand, parseCommandLine, type AnyCommand } from '../src/registry.js';
import { buildParseContext } from '../src/parseContext.js';
import { createSlackApp, type SlackApp, type SlackDeps } from '../src/slack/index.js';
import { DEDUPE_TTL_MS } from '../src/slack/dedupe.js';
import {
  startFakeSlack,
  sendToApp,
  slashBody,
  eventBody,
  interactionBody,
  buttonPayload,
  whatifSubmission,
  FORM,
  JSON_TYPE,
  type FakeSlack,
} from './helpers/fakeSlack.js';

const SECRET = 'e2e-signing-secret-0123456789abcdef';
const NOW = new Date('2026-11-21T15:00:00Z');

/** Billing's realised SL on its local 2026-11-20, from the CSV: Σ answered_within_target / Σ offered. */
function billingSlFromCsv(localDate: string): string {
  const [head, ...rows] = readFileSync('tests/fixtures/small/intervals.csv', 'utf8').trim().split('\n');
  const cols = head.split(',');
  const at = (r: string[], c: string) => r[cols.indexOf(c)];
  const ny = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
  let offered = 0;
  let within = 0;
  for (const line of rows) {
    const r = line.split(',');
    if (at(r, 'queue') !== 'billing' || ny.format(new Date(at(r, 'interval_start'))) !== localDate) continue;
    offered += Number(at(r, 'offered'));
    within += Number(at(r, 'answered_within_target'));
  }
  return `${((within / offered) * 100).toFixed(1)} %`;
}

const boom = defineCommand({
  name: 'boom',
  summary: 'Always fails (test only).',
  usage: 'boom',
  examples: ['boom'],
  hidden: true,
  args: z.object({}),
  parse: () => ({}),
  run: () => {
    throw new Error('kaboom: internal detail /etc/secret');
  },
  text: () => '',
});

let dir: string;
let db: Db;
let fake: FakeSlack;
let slack: SlackApp;
let deps: SlackDeps;
/** Every wait `deliver` asked for (the injected sleep records instead of waiting). */
const slept: number[] = [];
let appUrl: string;
let base: string;

const allText = (x: unknown) => JSON.stringify(x);

async function slash(command: string, text: string, id = 'r1', extra: { ts?: number; signature?: string } = {}) {
  const res = await sendToApp(appUrl, slashBody({ command, text, responseUrl: fake.responseUrl(id) }), FORM, { secret: SECRET, ...extra });
  await slack.idle();
  return res;
}

async function event(eventId: string, ev: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await sendToApp(appUrl, eventBody(eventId, ev), JSON_TYPE, { secret: SECRET, headers });
  await slack.idle();
  return res;
}

async function interact(payload: Record<string, unknown>) {
  const res = await sendToApp(appUrl, interactionBody(payload), FORM, { secret: SECRET });
  await slack.idle();
  return res;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-slack-'));
  db = openWarehouse(join(dir, 'warehouse.db'));
  // A queue whose display name tries to ping everyone: data must never become a mention.
  const evil = join(dir, 'evil');
  mkdirSync(evil);
  writeFileSync(join(evil, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nevil,80,20,1800,UTC,<!channel> & <@U999> Co\n');
  writeFileSync(
    join(evil, 'intervals.csv'),
    'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds\n2026-11-20T10:00:00Z,evil,10,10,0,9,300,30,3,80,20\n',
  );
  const report = await ingestFiles(db, ['tests/fixtures/small', evil]);
  expect(report.ok).toBe(true);
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
  const registry = new Registry([...buildRegistry().commands, boom as AnyCommand]);
  // Retries of answer posts wait on an injected sleep: no test waits on the wall clock.
  deps = { db, config, registry, now: () => NOW, logger: pino({ level: 'silent' }), sleep: async (ms) => void slept.push(ms) };
  slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } } });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  appUrl = `${base}/slack/events`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.reset();
  slept.length = 0;
  deps.answerQuestion = undefined;
});

describe('startup', () => {
  it('learned the bot identity from auth.test on the fake API', () => {
    expect(slack.botUserId).toBe('UBOT');
  });

  it('serves /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, mode: 'http', queues: 3, work: { running: 0, queued: 0 }, warehouse: { ok: true }, slack: { mode: 'http' } });
  });
});

describe('slash commands', () => {
  it('/radar sla billing yesterday: acks at once, then answers ephemerally with billing’s realised SL', async () => {
    const expected = billingSlFromCsv('2026-11-20');
    expect(expected).toBe('60.0 %'); // the CSV: 120 within target of 200 offered
    const res = await slash('/radar', 'sla billing yesterday');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(fake.responses).toHaveLength(1);
    const msg = fake.responses[0].body;
    expect(msg.response_type).toBe('ephemeral');
    expect(String(msg.text).length).toBeGreaterThan(0);
    expect(allText(msg.blocks)).toContain(`SL *${expected}*`);
    expect(allText(msg.blocks)).toContain('Add `public`');
    // Ephemeral: nothing posted in the channel, no chart uploaded.
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
    expect(fake.uploads).toHaveLength(0);
  });

  it('/sla is the same as /radar sla', async () => {
    await slash('/sla', 'billing yesterday');
    expect(allText(fake.responses[0].body.blocks)).toContain(`SL *${billingSlFromCsv('2026-11-20')}*`);
  });

  it('a short form whose command is not in the registry yet says what is coming', async () => {
    const full = deps.registry;
    deps.registry = new Registry(full.commands.filter((c) => c.name !== 'drift'));
    try {
      await slash('/drift', 'billing');
    } finally {
      deps.registry = full;
    }
    expect(fake.responses).toHaveLength(1);
    expect(String(fake.responses[0].body.text)).toMatch(/coming soon/);
  });

  it('`public` posts in the channel (after joining it) and uploads the chart into the answer’s thread', async () => {
    await slash('/radar', 'sla billing yesterday public');
    expect(fake.responses).toHaveLength(0);
    expect(fake.callsTo('conversations.join')[0].args.channel).toBe('C1');
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0].args.channel).toBe('C1');
    expect(posts[0].args.thread_ts).toBeUndefined();
    expect(allText(posts[0].args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    const complete = fake.callsTo('files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(complete[0].args.channel_id).toBe('C1');
    expect(typeof complete[0].args.thread_ts).toBe('string');
    // The order matters: join, post, then upload into the post's thread.
    const order = fake.calls.map((c) => c.method);
    expect(order.indexOf('conversations.join')).toBeLessThan(order.indexOf('chat.postMessage'));
    expect(order.indexOf('chat.postMessage')).toBeLessThan(order.indexOf('files.getUploadURLExternal'));
    expect(fake.uploads).toHaveLength(1);
    const png = fake.uploads[0].bytes;
    expect(png.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('a failed chart upload never fails the answer', async () => {
    fake.script('files.getUploadURLExternal', { body: { ok: false, error: 'internal_error' } });
    await slash('/radar', 'sla billing yesterday public');
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(allText(fake.callsTo('chat.postMessage')[0].args.blocks)).toContain('14 days');
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(0);
    expect(fake.responses).toHaveLength(0);
  });

  it('when the bot cannot post in the channel, the public answer goes through response_url in_channel', async () => {
    fake.script('conversations.join', { body: { ok: false, error: 'method_not_supported_for_channel_type' } });
    fake.script('chat.postMessage', { body: { ok: false, error: 'not_in_channel' } });
    await slash('/radar', 'sla billing yesterday public');
    expect(fake.responses).toHaveLength(1);
    expect(fake.responses[0].body.response_type).toBe('in_channel');
    expect(allText(fake.responses[0].body.blocks)).toContain(billingSlFromCsv('2026-11-20'));
  });

  it('a 429 from Slack is waited out (Retry-After) and the answer still arrives once', async () => {
    fake.script('chat.postMessage', { status: 429, headers: { 'retry-after': '0' }, body: { ok: false, error: 'ratelimited' } });
    await slash('/radar', 'sla billing yesterday public');
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2); // the rate-limited attempt, then the retry that succeeded
    expect(fake.responses).toHaveLength(0);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('a usage error answers with what was wrong, a did-you-mean and an example — never a stack trace', async () => {
    await slash('/radar', 'sal billing');
    const text = allText(fake.responses[0].body);
    expect(text).toContain("I don't know the command");
    expect(text).toContain('Did you mean `/radar sla`?');
    expect(text).toContain('Example: `/radar sla billing yesterday`');
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('an internal error answers with a short apology and a reference id, not the error', async () => {
    await slash('/radar', 'boom');
    const text = allText(fake.responses[0].body);
    expect(text).toMatch(/Sorry — something went wrong on our side .*\(ref [0-9a-f]{8}\)/);
    expect(text).not.toContain('kaboom');
    expect(text).not.toContain('/etc/secret');
  });

  it('user text quoted back cannot inject a mention', async () => {
    // Slack sends what the user typed with &, <, > escaped.
    await slash('/radar', '&lt;!channel&gt; hi');
    const text = allText(fake.responses[0].body);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
  });

  it('data cannot inject a mention: a queue named "<!channel> & <@U999> Co" stays text', async () => {
    await slash('/radar', 'sla evil 2026-11-20');
    const text = allText(fake.responses[0].body);
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;@U999&gt; Co');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
  });
});

describe('request verification', () => {
  it('a forged signature gets 401 and runs no handler', async () => {
    const res = await slash('/radar', 'sla billing', 'forged', { signature: 'v0=' + 'ab'.repeat(32) });
    expect(res.status).toBe(401);
    expect(fake.responses).toHaveLength(0);
    expect(fake.calls).toHaveLength(0);
  });

  it('a correctly signed request older than 5 minutes gets 401 and runs no handler', async () => {
    const res = await slash('/radar', 'sla billing', 'old', { ts: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    expect(fake.responses).toHaveLength(0);
    expect(fake.calls).toHaveLength(0);
  });

  it('a signature over a different body gets 401', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = slashBody({ command: '/radar', text: 'sla', responseUrl: fake.responseUrl('x') });
    const { slackSignature } = await import('./helpers/fakeSlack.js');
    const res = await sendToApp(appUrl, body + '&extra=1', FORM, { secret: SECRET, ts, signature: slackSignature(SECRET, ts, body) });
    await slack.idle();
    expect(res.status).toBe(401);
    expect(fake.responses).toHaveLength(0);
  });
});

describe('mentions and DMs', () => {
  const mention = (ts: string, text: string) => ({ type: 'app_mention', user: 'U1', text, ts, channel: 'C1', event_ts: ts });

  it('a mention with a command line answers in the thread, chart in the same thread', async () => {
    const res = await event('EvMention1', mention('1763737000.000100', '<@UBOT> sla billing yesterday'));
    expect(res.status).toBe(200);
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0].args).toMatchObject({ channel: 'C1', thread_ts: '1763737000.000100' });
    expect(allText(posts[0].args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    expect(fake.callsTo('files.completeUploadExternal')[0].args.thread_ts).toBe('1763737000.000100');
  });

  it('Slack failing with 500 six times, then recovering: the thread answer is still delivered, once', async () => {
    const fail = { status: 500, body: { ok: false, error: 'internal_error' } };
    fake.script('chat.postMessage', fail, fail, fail, fail, fail, fail);
    await event('EvOutage1', mention('1763737002.000100', '<@UBOT> sla billing yesterday'));
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(7);
    // Every attempt is the answer itself (no apology instead of it), and the seventh got through.
    for (const p of posts) expect(allText(p.args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    expect(allText(posts.map((p) => p.args))).not.toMatch(/went wrong/);
  });

  it('a failing post is retried by one layer only: 500 six times = seven calls and six backoff waits doubling from 0.5 s', async () => {
    const fail = { status: 500, body: { ok: false, error: 'internal_error' } };
    fake.script('chat.postMessage', fail, fail, fail, fail, fail, fail);
    await event('EvOutage3', mention('1763737004.000100', '<@UBOT> sla billing yesterday'));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(7);
    // Had the Web API client retried too (the app client does, twice here), deliver would have waited fewer times.
    expect(slept).toEqual([500, 1000, 2000, 4000, 8000, 16000]);
  });

  it('Slack failing on every attempt: eight calls (deliver\'s budget, not multiplied by the client\'s retries), then the outbox', async () => {
    const fail = { status: 503, body: { ok: false, error: 'service_unavailable' } };
    fake.script('chat.postMessage', ...Array.from({ length: 30 }, () => fail));
    await event('EvOutage4', mention('1763737005.000100', '<@UBOT> sla billing yesterday'));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(8);
    expect(slept).toHaveLength(7);
    const queued = db.prepare("SELECT COUNT(*) FROM slack_outbox WHERE status = 'pending'").pluck().get() as number;
    expect(queued).toBeGreaterThan(0);
    db.prepare('DELETE FROM slack_outbox').run();
  });

  it('a 429 waits exactly the Retry-After Slack asked for, once, then posts', async () => {
    fake.script('chat.postMessage', { status: 429, headers: { 'retry-after': '12' }, body: { ok: false, error: 'ratelimited' } });
    await event('EvRate1', mention('1763737006.000100', '<@UBOT> sla billing yesterday'));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(slept).toEqual([12_000]);
  });

  it('response_url failing with 500 six times, then recovering: the slash answer is still delivered', async () => {
    const fail = { status: 500, body: 'upstream error' };
    fake.scriptResponses(fail, fail, fail, fail, fail, fail);
    await slash('/radar', 'sla billing yesterday', 'outage2');
    expect(fake.responses).toHaveLength(1);
    expect(allText(fake.responses[0].body.blocks)).toContain(`SL *${billingSlFromCsv('2026-11-20')}*`);
  });

  it('a retried event (X-Slack-Retry-Num) produces no second reply', async () => {
    await event('EvRetry1', mention('1763737001.000100', '<@UBOT> sla billing'));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    const res = await event('EvRetry1', mention('1763737001.000100', '<@UBOT> sla billing'), { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(res.status).toBe(200);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    const row = db.prepare('SELECT seen_at FROM event_dedupe WHERE event_id = ?').get('EvRetry1') as { seen_at: number };
    expect(row.seen_at).toBe(NOW.getTime());
  });

  it('old dedupe rows are pruned after the TTL', async () => {
    db.prepare('INSERT INTO event_dedupe (event_id, seen_at) VALUES (?, ?)').run('EvAncient', NOW.getTime() - DEDUPE_TTL_MS - 1);
    await event('EvFresh', mention('1763737002.000100', '<@UBOT> help'));
    expect(db.prepare('SELECT COUNT(*) AS n FROM event_dedupe WHERE event_id = ?').get('EvAncient')).toEqual({ n: 0 });
  });

  it('a DM with a question in plain words gets help with examples when no answerer is configured', async () => {
    await event('EvDm1', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'how are we doing &lt;today&gt;?', ts: '1763737003.000100' });
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0].args).toMatchObject({ channel: 'D1', thread_ts: '1763737003.000100' });
    const text = allText(posts[0].args.blocks);
    expect(text).toContain('sla billing yesterday');
    expect(text).toContain('/radar help');
    expect(text).toContain('&lt;today&gt;');
  });

  it('a DM goes to the pluggable answerer when there is one', async () => {
    const asked: string[] = [];
    deps.answerQuestion = async (q) => {
      asked.push(q);
      return { text: `Billing is at <60 %> & falling` };
    };
    await event('EvDm2', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'why did billing drop?', ts: '1763737004.000100' });
    expect(asked).toEqual(['why did billing drop?']);
    const post = fake.callsTo('chat.postMessage')[0];
    expect(allText(post.args.blocks)).toContain('Billing is at &lt;60 %&gt; &amp; falling');
    expect(String(post.args.text)).toContain('&lt;60 %&gt;');
  });

  it('an answerer’s numbers come first in the thread, then its prose, and the chart', async () => {
    deps.answerQuestion = async (_q, ctx, thread) => {
      expect(thread).toEqual({ channel: 'C1', threadTs: '1763737010.000100' });
      const { execute } = await import('../src/execute.js');
      const execution = await execute(deps.registry, 'sla billing yesterday', ctx);
      return { execution, explain: async () => [{ type: 'section', text: { type: 'mrkdwn', text: 'Billing fell because <b>' } }] };
    };
    await event('EvNl1', mention('1763737010.000100', '<@UBOT> how did billing do yesterday?'));
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts.every((p) => p.args.thread_ts === '1763737010.000100')).toBe(true);
    expect(allText(posts[0].args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    expect(allText(posts[1].args.blocks)).toContain('Billing fell because');
    expect(fake.callsTo('files.completeUploadExternal')[0].args.thread_ts).toBe('1763737010.000100');
  });

  it('a failing explanation never takes the numbers down', async () => {
    deps.answerQuestion = async (_q, ctx) => {
      const { execute } = await import('../src/execute.js');
      return { execution: await execute(deps.registry, 'sla billing yesterday', ctx), explain: async () => Promise.reject(new Error('LLM timeout')) };
    };
    await event('EvNl2', mention('1763737011.000100', '<@UBOT> how did billing do yesterday?'));
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(allText(posts[0].args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
  });

  it('with the real router (no LLM configured: rules + narrator) a plain question gets numbers and prose', async () => {
    const { llmAnswerer } = await import('../src/slack/nl.js');
    deps.answerQuestion = llmAnswerer(deps.registry);
    await event('EvNl3', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'how was SLA on billing yesterday?', ts: '1763737012.000100' });
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(allText(posts[0].args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    expect(allText(posts[1].args.blocks)).toContain('built-in narrator');
    expect(posts.every((p) => p.args.thread_ts === '1763737012.000100')).toBe(true);
  });

  it('edits, deletions and bot messages are ignored', async () => {
    await event('EvEdit', { type: 'message', subtype: 'message_changed', channel_type: 'im', channel: 'D1', ts: '1763737005.000100', message: { text: 'sla', user: 'U1' } });
    await event('EvDel', { type: 'message', subtype: 'message_deleted', channel_type: 'im', channel: 'D1', ts: '1763737006.000100' });
    await event('EvBot', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U7', bot_id: 'B7', text: 'sla', ts: '1763737007.000100' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });
});

describe('App Home', () => {
  it('publishes today’s SLA per queue, worst first, with command buttons, within 100 blocks', async () => {
    await event('EvHome1', { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home', event_ts: '1763737008.000100' });
    const pub = fake.callsTo('views.publish');
    expect(pub).toHaveLength(1);
    expect(pub[0].args.user_id).toBe('U1');
    const view = pub[0].args.view as { type: string; blocks: { type: string }[] };
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = allText(view.blocks);
    // Latest day with data is 2026-11-20: billing 60 % vs 80 % target (−20), support 95 % vs 90 % (+5).
    expect(text.indexOf('Billing')).toBeLessThan(text.indexOf('Tech Support'));
    expect(text).toContain('60.0 %');
    expect(text).toContain('"action_id":"run_command"');
    // Every button reads in this warehouse, and none changes anything (no alerts management, no ask).
    const values = [...text.matchAll(/"action_id":"run_command"[^}]*?"value":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    expect(values.length).toBeGreaterThanOrEqual(4);
    const pctx = buildParseContext(db, deps.config, NOW);
    for (const v of values) {
      expect(parseCommandLine(deps.registry, v, pctx).ok, v).toBe(true);
      expect(v).not.toMatch(/^(alerts|ask)\b/);
    }
  });

  it('the messages tab opening does not publish a home view', async () => {
    await event('EvHome2', { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'messages', event_ts: '1763737009.000100' });
    expect(fake.callsTo('views.publish')).toHaveLength(0);
  });
});

describe('buttons and the what-if modal', () => {
  it('run_command from the Home tab answers in the user’s DM, chart in its thread', async () => {
    const res = await interact(buttonPayload({ actionId: 'run_command', value: 'sla billing yesterday', home: true }));
    expect(res.status).toBe(200);
    const post = fake.callsTo('chat.postMessage')[0];
    expect(post.args.channel).toBe('U1');
    expect(allText(post.args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    expect(fake.callsTo('files.completeUploadExternal')[0].args.channel_id).toBe('D1');
  });

  it('run_command from a message answers ephemerally through its response_url', async () => {
    await interact(buttonPayload({ actionId: 'run_command', value: 'help sla', responseUrl: fake.responseUrl('btn') }));
    expect(fake.responses).toHaveLength(1);
    expect(fake.responses[0].body.response_type).toBe('ephemeral');
    expect(allText(fake.responses[0].body)).toContain('/radar sla');
  });

  it('share_in_channel re-runs the command and posts it for everyone', async () => {
    await interact(buttonPayload({ actionId: 'share_in_channel', value: 'sla billing 2026-11-20..2026-11-20', responseUrl: fake.responseUrl('share') }));
    const post = fake.callsTo('chat.postMessage')[0];
    expect(post.args.channel).toBe('C1');
    expect(allText(post.args.blocks)).toContain(billingSlFromCsv('2026-11-20'));
    // Shared answers do not offer to be shared again.
    expect(allText(post.args.blocks)).not.toContain('share_in_channel');
  });

  it('open_whatif opens the modal with the queue preselected', async () => {
    await interact(buttonPayload({ actionId: 'open_whatif', value: 'billing', responseUrl: fake.responseUrl('w') }));
    const open = fake.callsTo('views.open')[0];
    expect(open.args.trigger_id).toBe('444.555.666');
    const view = open.args.view as { callback_id: string; blocks: { block_id?: string; element?: { initial_option?: { value: string }; initial_date?: string } }[] };
    expect(view.callback_id).toBe('whatif_submit');
    expect(view.blocks.find((b) => b.block_id === 'queue')?.element?.initial_option?.value).toBe('billing');
    expect(view.blocks.find((b) => b.block_id === 'date')?.element?.initial_date).toBe('2026-11-21');
  });

  it('an invalid what-if submission comes back as field errors', async () => {
    const res = await interact(whatifSubmission({ queue: 'billing', date: '2026-11-21', hours: '12-9', levers: 'more people' }));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['hours', 'levers']);
  });

  it('a valid what-if submission runs whatif and answers ephemerally where the button was pressed', async () => {
    const res = await interact(whatifSubmission({ queue: 'billing', date: '2026-11-20', hours: '9-12', levers: '+3 agents' }));
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const eph = fake.callsTo('chat.postEphemeral');
    expect(eph.length).toBeGreaterThanOrEqual(1);
    expect(eph[0].args).toMatchObject({ channel: 'C1', user: 'U1' });
    const text = allText(eph.map((c) => c.args.blocks));
    expect(text).toContain('Billing');
    expect(text).not.toContain(':warning:');
    expect(String(eph[0].args.text).length).toBeGreaterThan(0);
  });

  it('a what-if the grammar rejects goes back to the modal under the right field', async () => {
    const res = await interact(whatifSubmission({ queue: 'billing', date: '2026-11-20', hours: '9-12', levers: 'aht -10%' }));
    const body = JSON.parse(res.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors)).toEqual(['hours']);
    expect(body.errors.hours.length).toBeLessThanOrEqual(150);
  });

  it('without a whatif command the submission explains what is coming', async () => {
    const full = deps.registry;
    deps.registry = new Registry(full.commands.filter((c) => c.name !== 'whatif'));
    try {
      const res = await interact(whatifSubmission({ queue: 'billing', date: '2026-11-21', hours: '9-12', levers: '+3 agents' }));
      const body = JSON.parse(res.body) as { response_action: string; view: { blocks: unknown[] } };
      expect(body.response_action).toBe('update');
      expect(allText(body.view)).toContain('coming soon');
      expect(allText(body.view)).toContain('whatif billing 2026-11-21 09:00-12:00 +3 agents');
    } finally {
      deps.registry = full;
    }
  });
});
