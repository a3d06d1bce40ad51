/**
 * End to end through the real Bolt app on 127.0.0.1 and the fake Slack, on the committed sample: the why answer
 * uploads a waterfall whose bars sum to the change it states; `/radar due` orders tickets by time left; a 👎 click
 * is stored with the question, route and guard verdict; Home lists the alerts firing with their buttons.
 * Expected values come from the posted text and from plain SQL over the tickets table, not from the command.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createSlackApp, type SlackApp, type SlackDeps } from '../src/slack/index.js';
import { createAlertRuntime } from '../src/slack/alerts/index.js';
import { staticEngines } from '../src/alerts/engines.js';
import { insertRule } from '../src/alerts/store.js';
import { finishRule, parseRuleTokens } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { pngText, CHART_DATA_KEY } from '../src/charts/index.js';
import { startFakeSlack, sendToApp, slashBody, eventBody, interactionBody, buttonPayload, FORM, JSON_TYPE, type FakeSlack } from './helpers/fakeSlack.js';

const SECRET = 'experience-signing-secret-0123456789';
const NOW = new Date('2026-11-20T15:00:00Z');
let dir: string;
let db: Db;
let fake: FakeSlack;
let slack: SlackApp;
let deps: SlackDeps;
let appUrl: string;

const allText = (x: unknown) => JSON.stringify(x);

async function slash(text: string, id = 'r1') {
  await sendToApp(appUrl, slashBody({ command: '/radar', text, responseUrl: fake.responseUrl(id) }), FORM, { secret: SECRET });
  await slack.idle();
}
async function event(eventId: string, ev: Record<string, unknown>) {
  await sendToApp(appUrl, eventBody(eventId, ev), JSON_TYPE, { secret: SECRET });
  await slack.idle();
}
async function interact(payload: Record<string, unknown>) {
  await sendToApp(appUrl, interactionBody(payload), FORM, { secret: SECRET });
  await slack.idle();
}

/** The PNG inside an upload body (the client may wrap it in multipart form data). */
function pngIn(body: Buffer): Buffer {
  return body.subarray(body.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47])));
}

/** "−18.5 pts" / "+2.0 pts" → number. */
const points = (s: string) => Number(s.replace('−', '-').replace(/\s*pts$/, ''));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-experience-'));
  db = openWarehouse(join(dir, 'w.db'));
  const report = await ingestFiles(db, ['data/sample'], { now: NOW, workerMinBytes: Infinity });
  expect(report.ok).toBe(true);
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
  deps = { db, config, registry: buildRegistry(), now: () => NOW, logger: pino({ level: 'silent' }), sleep: async () => {} };
  slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 0 } } });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  appUrl = `http://127.0.0.1:${port}/slack/events`;
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.reset();
  deps.answerQuestion = undefined;
});

describe('why waterfall', () => {
  it('the why answer in a thread uploads a waterfall whose bars sum to the change it states', async () => {
    await event('EvWhy1', { type: 'app_mention', channel: 'C1', user: 'U1', text: '<@UBOT> why billing 2026-11-19', ts: '1763737100.000100' });
    const post = fake.callsTo('chat.postMessage')[0];
    const stated = /, ([−+]\d+\.\d) pts\*/.exec(allText(post.args.blocks));
    expect(stated).not.toBeNull();
    expect(fake.callsTo('files.completeUploadExternal')[0].args).toMatchObject({ channel_id: 'C1', thread_ts: '1763737100.000100' });
    const meta = JSON.parse(pngText(pngIn(fake.uploads[0].bytes))[CHART_DATA_KEY]) as { chart: string; steps: { kind: string; delta: number; from: number; to: number }[] };
    expect(meta.chart).toBe('why-waterfall');
    const bars = meta.steps.filter((s) => s.kind !== 'total');
    expect(bars.map((b) => b.delta).reduce((a, b) => a + b, 0).toFixed(1)).toBe(points(stated![1]).toFixed(1));
    // …and they run from the usual SL to the observed one.
    expect(bars[0].from).toBeCloseTo(meta.steps[0].to, 9);
    expect(bars.at(-1)!.to).toBeCloseTo(meta.steps.at(-1)!.to, 9);
  });
});

describe('ticket SLA watch', () => {
  it('/radar due lists open tickets by time left to due_at, overdue first', async () => {
    await slash('due limit=50');
    const text = allText(fake.responses[0].body.blocks);
    const shown = [...text.matchAll(/`(T-\d+)`/g)].map((m) => m[1]);
    const now = NOW.toISOString().slice(0, 19) + 'Z';
    const expected = (db.prepare(`SELECT ticket_id FROM tickets WHERE resolved_at IS NULL AND status IN ('open','pending') AND created_at <= ? AND due_at IS NOT NULL ORDER BY due_at, ticket_id`).all(now) as { ticket_id: string }[]).map((r) => r.ticket_id);
    expect(expected.length).toBeGreaterThan(2);
    expect(shown).toEqual(expected);
    const overdue = (db.prepare(`SELECT COUNT(*) AS n FROM tickets WHERE resolved_at IS NULL AND status IN ('open','pending') AND created_at <= ? AND due_at <= ?`).get(now, now) as { n: number }).n;
    expect((text.match(/:red_circle: `T-/g) ?? []).length).toBe(overdue);
    expect(text).toContain('no model');
  });
});

describe('feedback', () => {
  it('a 👎 on an answer in words is stored with the question, route and guard verdict, and the buttons are replaced', async () => {
    const { llmAnswerer } = await import('../src/slack/nl.js');
    deps.answerQuestion = llmAnswerer(deps.registry);
    const question = 'why did SLA drop on billing on 2026-11-19?';
    await event('EvFb1', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: question, ts: '1763737200.000100' });
    const posts = fake.callsTo('chat.postMessage');
    const withButtons = posts.find((p) => allText(p.args.blocks).includes('feedback_down'))!;
    expect(withButtons).toBeDefined();
    const blocks = withButtons.args.blocks as { type: string; block_id?: string; elements?: { action_id: string; value: string }[] }[];
    const down = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'feedback_down')!;
    const payload = {
      ...buttonPayload({ actionId: 'feedback_down', value: down.value, channel: 'D1', responseUrl: fake.responseUrl('fb') }),
      container: { type: 'message', message_ts: '1763737300.000100', channel_id: 'D1', is_ephemeral: false },
      message: { type: 'message', ts: '1763737300.000100', thread_ts: '1763737200.000100', text: 'x', blocks },
    };
    await interact(payload);
    const rows = db.prepare('SELECT rating, question, command, source, args, user_id, channel_id, thread_ts FROM llm_feedback').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rating: -1, question, command: 'why', source: 'narrator', user_id: 'U1', channel_id: 'D1', thread_ts: '1763737200.000100' });
    expect(JSON.parse(String(rows[0].args))).toMatchObject({ via: 'rules', line: expect.stringContaining('why') });
    const update = fake.callsTo('chat.update')[0];
    expect(update.args).toMatchObject({ channel: 'D1', ts: '1763737300.000100' });
    expect(allText(update.args.blocks)).not.toContain('feedback_down');
    expect(allText(update.args.blocks)).toContain('not helpful');
  });
});

describe('feedback on /radar ask', () => {
  it('the ephemeral ask answer carries 👍/👎; a click is stored and the answer replaced through its response_url', async () => {
    const full = deps.registry;
    deps.registry = buildRegistry({ answerer: async () => (await import('../src/llm/index.js')).createAnswerer({ llm: null }) });
    try {
      await slash('ask why did SLA drop on billing on 2026-11-19?', 'ask1');
    } finally {
      deps.registry = full;
    }
    const blocks = fake.responses[0].body.blocks as { block_id?: string; elements?: { action_id: string; value: string }[] }[];
    const up = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'feedback_up')!;
    expect(up).toBeDefined();
    const before = (db.prepare('SELECT COUNT(*) AS n FROM llm_feedback').get() as { n: number }).n;
    await interact({
      ...buttonPayload({ actionId: 'feedback_up', value: up.value, channel: 'C1', responseUrl: fake.responseUrl('ask1-click') }),
      container: { type: 'message', message_ts: '1763737700.000100', channel_id: 'C1', is_ephemeral: true },
      message: { type: 'message', ts: '1763737700.000100', text: 'x', blocks },
    });
    const row = db.prepare('SELECT rating, question, command, source FROM llm_feedback ORDER BY feedback_id DESC LIMIT 1').get() as Record<string, unknown>;
    expect((db.prepare('SELECT COUNT(*) AS n FROM llm_feedback').get() as { n: number }).n).toBe(before + 1);
    expect(row).toMatchObject({ rating: 1, question: 'why did SLA drop on billing on 2026-11-19?', command: 'why', source: 'narrator' });
    const replaced = fake.responses.find((r) => r.id === 'ask1-click')!;
    expect(replaced.body.replace_original).toBe(true);
    expect(allText(replaced.body.blocks)).toContain('found this helpful');
    expect(fake.callsTo('chat.update')).toHaveLength(0);
  });
});

describe('App Home', () => {
  it('lists the alerts firing with their buttons, overdue tickets and yesterday’s KPIs', async () => {
    const pctx = buildParseContext(db, deps.config, NOW);
    insertRule(db, finishRule(parseRuleTokens(tokenize('sl_day < 99 queue=billing channel=C1 severity=high'), pctx, { mode: 'full' }), 'UTC'), 'sl_day < 99', 'U1', NOW.getTime() - 3_600_000);
    const rt = await createAlertRuntime(deps, { engines: staticEngines(), clock: () => NOW.getTime(), sleep: async () => {} });
    const t = await rt.tick(NOW);
    expect(t.evaluation.effects.map((e) => e.kind)).toContain('fire');
    fake.reset();
    await event('EvHome1', { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home', event_ts: '1763737400.000100' });
    const view = fake.callsTo('views.publish')[0].args.view as { blocks: { type: string; elements?: { action_id: string; value: string }[] }[] };
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = allText(view.blocks);
    expect(text).toContain('1 alert firing');
    expect(text).toContain('Billing');
    const ack = view.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'alert_ack');
    expect(JSON.parse(ack!.value)).toMatchObject({ s: 'billing' });
    expect(text).toMatch(/Tickets overdue: \d+/);
    expect(text).toContain('Riskiest open tickets');
    expect(text).toContain('Yesterday (2026-11-19)');
  });
});

describe('Assistant view and suggested prompts', () => {
  it('a new assistant thread gets a greeting and suggested prompts', async () => {
    await event('EvAs1', {
      type: 'assistant_thread_started',
      assistant_thread: { user_id: 'U1', channel_id: 'D1', thread_ts: '1763737500.000100', context: { channel_id: 'C1', team_id: 'T1' } },
      event_ts: '1763737500.000200',
    });
    const prompts = fake.callsTo('assistant.threads.setSuggestedPrompts');
    expect(prompts).toHaveLength(1);
    expect(prompts[0].args).toMatchObject({ channel_id: 'D1', thread_ts: '1763737500.000100' });
    const list = prompts[0].args.prompts as { title: string; message: string }[];
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.map((p) => p.message)).toContain('due within 2h');
    expect(fake.callsTo('chat.postMessage')[0].args).toMatchObject({ channel: 'D1', thread_ts: '1763737500.000100' });
  });

  it('a message in the thread shows a status while working, then the answer in the thread', async () => {
    await event('EvAs2', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'due within 2h', ts: '1763737501.000100', thread_ts: '1763737500.000100' });
    const order = fake.calls.map((c) => c.method);
    expect(order.indexOf('assistant.threads.setStatus')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('assistant.threads.setStatus')).toBeLessThan(order.indexOf('chat.postMessage'));
    expect(fake.callsTo('assistant.threads.setStatus')[0].args).toMatchObject({ channel_id: 'D1', thread_ts: '1763737500.000100', status: 'is checking the numbers…' });
    const post = fake.callsTo('chat.postMessage')[0];
    expect(post.args.thread_ts).toBe('1763737500.000100');
    expect(allText(post.args.blocks)).toContain('Due');
  });

  it('an empty DM gets a welcome with prompt buttons once; a DM with history gets nothing', async () => {
    fake.script('conversations.history', { body: { ok: true, messages: [] } }, { body: { ok: true, messages: [{ ts: '1.0', text: 'hi' }] } });
    await event('EvMsgTab1', { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'messages', event_ts: '1763737600.000100' });
    await event('EvMsgTab2', { type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'messages', event_ts: '1763737601.000100' });
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    const buttons = (posts[0].args.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []);
    expect(buttons.map((b) => b.action_id)).toEqual(Array(buttons.length).fill('run_command'));
    expect(buttons.map((b) => b.value)).toContain('due within 2h');
  });
});
