/**
 * A question in plain words under load, through the real Bolt app over loopback and the real rules router: the
 * command it is routed to waits in the same dispatcher as slash commands. Every worker busy → "busy right now —
 * your answer is coming" in the thread, and the answer (numbers from the CSV) follows once a worker frees up;
 * the waiting line at its bound → "could not take yours" at once. The dispatcher's "seen waiting" timer is
 * fired by the test (no clock), and held runs are released by hand.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createSlackApp, type SlackApp, type SlackDeps } from '../src/slack/index.js';
import { Dispatcher, type WorkRequest } from '../src/slack/work/dispatch.js';
import { executeHere } from '../src/slack/answer.js';
import { llmAnswerer } from '../src/slack/nl.js';
import type { Execution } from '../src/execute.js';
import { startFakeSlack, sendToApp, eventBody, JSON_TYPE, type FakeSlack, type ApiCall } from './helpers/fakeSlack.js';

const SECRET = 'busy-signing-secret-0123456789abcdef';
const NOW = new Date('2026-11-21T15:00:00Z');

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

let dir: string;
let db: Db;
let fake: FakeSlack;
let deps: SlackDeps;
let slack: SlackApp;
let appUrl: string;
/** Runs of the person "UHOLD" occupy the worker until the test releases them; everything else really runs. */
let held: (() => void)[];
let timers: (() => void)[];

const text = (x: unknown) => JSON.stringify(x);

/** Resolves with the first Web API call that matches (no polling, no clock). */
function nextCall(match: (c: ApiCall) => boolean): Promise<ApiCall> {
  return new Promise((resolve) => {
    const on = (c: ApiCall) => {
      if (!match(c)) return;
      fake.events.off('call', on);
      resolve(c);
    };
    fake.events.on('call', on);
  });
}

/** Settles pending promise callbacks and I/O callbacks already due. */
const turn = () => new Promise((r) => setImmediate(r));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-busy-'));
  db = openWarehouse(join(dir, 'warehouse.db'));
  expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
  const registry = buildRegistry();
  deps = { db, config, registry, now: () => NOW, logger: pino({ level: 'silent' }), sleep: async () => {}, answerQuestion: llmAnswerer(registry) };
  deps.work = new Dispatcher({
    executor: (r: WorkRequest) =>
      r.userId === 'UHOLD'
        ? new Promise<Execution>((resolve) => held.push(() => resolve({ ok: false, kind: 'usage', message: 'held', error: new Error('held') as never })))
        : executeHere(deps, r.line, r, r.now, r.parsed, r.requestId),
    concurrency: 1,
    maxQueued: 2,
    maxPerUser: 5,
    busyAfterMs: 2000,
    dataVersion: () => 'v',
    cacheable: () => false,
    setTimer: (fn) => {
      timers.push(fn);
      return { clear: () => timers.splice(timers.indexOf(fn), 1) };
    },
  });
  slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 0 } } });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  appUrl = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  while (held.length) held.shift()!();
  await slack?.stop();
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.reset();
  held = [];
  timers = [];
});

const dm = (id: string, ts: string, question: string) =>
  sendToApp(appUrl, eventBody(id, { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: question, ts }), JSON_TYPE, { secret: SECRET });

describe('a plain-words question when the workers are busy', () => {
  it('gets "your answer is coming" in its thread, then the answer once a worker frees up', async () => {
    const d = deps.work as Dispatcher;
    const blocker = d.submit({ line: 'sla support', userId: 'UHOLD', now: NOW });
    expect(d.stats.queued).toBe(0); // it runs (held): the one worker is taken

    const note = nextCall((c) => c.method === 'chat.postMessage');
    const res = await dm('EvBusy1', '1763737400.000100', 'how was SLA on billing yesterday?');
    expect(res.status).toBe(200); // acked at once, whatever waits behind it
    // The routed command is waiting: the dispatcher's "seen waiting" timer fires (the test is its clock).
    for (let i = 0; i < 2000 && d.stats.queued === 0; i++) await turn();
    expect(d.stats.queued).toBe(1);
    expect(timers).toHaveLength(1);
    timers[0]();
    const n = await note;
    expect(n.args).toMatchObject({ channel: 'D1', thread_ts: '1763737400.000100' });
    expect(String(n.args.text)).toMatch(/Busy right now \(1 question ahead of yours\) — your answer is coming/);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1); // nothing but the note so far

    const answer = nextCall((c) => c.method === 'chat.postMessage' && text(c.args.blocks).includes(billingSl()));
    held.shift()!();
    await blocker;
    const a = await answer;
    expect(a.args).toMatchObject({ channel: 'D1', thread_ts: '1763737400.000100' });
    await slack.idle();
    // In the thread, in order: the note, the numbers, then their explanation — each once.
    const posts = fake.callsTo('chat.postMessage');
    expect(posts.map((p) => p.args.thread_ts)).toEqual(['1763737400.000100', '1763737400.000100', '1763737400.000100']);
    expect(posts[0]).toBe(n);
    expect(posts[1]).toBe(a);
    expect(text(posts[1].args.blocks)).toMatch(/SLA —/);
  });

  it('with the waiting line at its bound, it is told at once to ask again, and nothing runs for it', async () => {
    const d = deps.work as Dispatcher;
    const blockers = [0, 1, 2].map((i) => d.submit({ line: `sla support ${i}`, userId: 'UHOLD', now: NOW }));
    expect(d.stats.queued).toBe(2); // one held run on the worker, two waiting: the bound
    const served = d.stats.served;
    await dm('EvBusy2', '1763737401.000100', 'how was SLA on billing yesterday?');
    await slack.idle(); // the busy answer does not wait for the held runs
    const posts = fake.callsTo('chat.postMessage');
    expect(posts[0].args).toMatchObject({ channel: 'D1', thread_ts: '1763737401.000100' });
    expect(text(posts[0].args.blocks)).toContain('could not take yours');
    expect(text(posts.map((p) => p.args))).not.toContain(billingSl());
    while (held.length) {
      held.shift()!();
      await turn();
    }
    await Promise.all(blockers);
    expect(d.stats.served - served).toBe(3); // the three held runs; the question never ran
  });
});
