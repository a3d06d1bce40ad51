/**
 * Off the event loop: the dispatcher's fairness, bound, busy notes and shared answers (driven with
 * hand-resolved executions, no clock), and the real worker pool behind the real Bolt app over loopback.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Dispatcher, type WorkRequest } from '../src/slack/work/dispatch.js';
import type { Execution } from '../src/execute.js';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createSlackApp, type SlackApp, type AnswerQuestion } from '../src/slack/index.js';
import { WorkerPool } from '../src/slack/work/pool.js';
import { startFakeSlack, sendToApp, slashBody, FORM, type FakeSlack } from './helpers/fakeSlack.js';

const done = (line: string): Execution => ({ ok: false, kind: 'usage', message: line, error: new Error(line) as never });

/** An executor whose runs finish only when the test says so, recording the order they started in. */
function controlled() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const executor = (r: WorkRequest) =>
    new Promise<Execution>((resolve) => {
      const tag = `${r.userId}:${r.line}`;
      started.push(tag);
      finish.set(tag, () => resolve(done(r.line)));
    });
  const release = async (tag: string) => {
    finish.get(tag)!();
    await new Promise((r) => setImmediate(r));
  };
  return { started, executor, release };
}

const now = new Date('2026-11-21T15:00:30Z');
const req = (userId: string, line: string, at = now): WorkRequest => ({ line, userId, now: at });

function dispatcher(executor: (r: WorkRequest) => Promise<Execution>, o: Partial<ConstructorParameters<typeof Dispatcher>[0]> = {}) {
  const timers: (() => void)[] = [];
  const d = new Dispatcher({
    executor,
    concurrency: 1,
    maxQueued: 10,
    maxPerUser: 10,
    busyAfterMs: 1000,
    dataVersion: () => 'v1',
    cacheable: () => false,
    setTimer: (fn) => {
      timers.push(fn);
      return { clear: () => timers.splice(timers.indexOf(fn), 1) };
    },
    ...o,
  });
  return { d, timers };
}

describe('dispatcher', () => {
  it('serves waiting people in turn: a burst from one person does not starve another', async () => {
    const c = controlled();
    const { d } = dispatcher(c.executor);
    const all = [d.submit(req('A', 'a1')), d.submit(req('A', 'a2')), d.submit(req('A', 'a3')), d.submit(req('B', 'b1'))];
    expect(c.started).toEqual(['A:a1']);
    await c.release('A:a1');
    await c.release(c.started.at(-1)!);
    await c.release(c.started.at(-1)!);
    await c.release(c.started.at(-1)!);
    await Promise.all(all);
    // FIFO would give a1 a2 a3 b1; round-robin over people gives B its turn right after A's first.
    expect(c.started).toEqual(['A:a1', 'A:a2', 'B:b1', 'A:a3']);
  });

  it('a full queue answers busy at once instead of waiting; a person past their share too', async () => {
    const c = controlled();
    const { d } = dispatcher(c.executor, { maxQueued: 2, maxPerUser: 1 });
    const first = d.submit(req('A', 'x'));
    const waitA = d.submit(req('A', 'y'));
    expect(await d.submit(req('A', 'z'))).toEqual({ kind: 'busy', reason: 'user_limit' });
    const waitB = d.submit(req('B', 'y'));
    expect(await d.submit(req('C', 'y'))).toEqual({ kind: 'busy', reason: 'queue_full' });
    expect(d.stats.refused).toBe(2);
    await c.release('A:x');
    await c.release(c.started.at(-1)!);
    await c.release(c.started.at(-1)!);
    for (const p of [first, waitA, waitB]) expect((await p).kind).toBe('answer');
  });

  it('tells a question that has to wait that its answer is coming, once; one that starts at once hears nothing', async () => {
    const c = controlled();
    const { d, timers } = dispatcher(c.executor, { busyAfterMs: 1000 });
    const notes: { who: string; ahead: number }[] = [];
    d.submit(req('A', 'first'), (b) => notes.push({ who: 'A', ahead: b.ahead }));
    d.submit(req('B', 'second'), (b) => notes.push({ who: 'B', ahead: b.ahead }));
    // Nothing measured yet: the estimate (one run ≈ 300 ms) is under the threshold, so a timer waits instead.
    expect(notes).toEqual([]);
    expect(timers).toHaveLength(1);
    timers[0]();
    expect(notes).toEqual([{ who: 'B', ahead: 1 }]);
    await c.release('A:first');
    await c.release('B:second');
    expect(notes).toHaveLength(1);
    expect(d.stats.busyNotes).toBe(1);
  });

  it('identical shareable questions in one data version and minute share one run', async () => {
    let runs = 0;
    let version = 'v1';
    const { d } = dispatcher(
      async (r) => {
        runs++;
        return done(r.line);
      },
      { cacheable: (l) => l.startsWith('sla'), dataVersion: () => version, concurrency: 2 },
    );
    await Promise.all([d.submit(req('A', 'sla billing')), d.submit(req('B', 'sla  Billing'))]);
    expect(runs).toBe(1);
    await d.submit(req('C', 'sla billing', new Date('2026-11-21T15:00:59Z')));
    expect(runs).toBe(1);
    await d.submit(req('C', 'sla billing', new Date('2026-11-21T15:01:00Z')));
    expect(runs).toBe(2);
    version = 'v2';
    await d.submit(req('C', 'sla billing', new Date('2026-11-21T15:01:00Z')));
    expect(runs).toBe(3);
    await d.submit(req('A', 'alerts list'));
    await d.submit(req('A', 'alerts list'));
    expect(runs).toBe(5);
    expect(d.stats.cacheHits).toBe(2);
  });
});

const SECRET = 'work-signing-secret-0123456789abcdef';
const NOW = new Date('2026-11-21T15:00:00Z');

describe('worker pool behind the Slack app', () => {
  const answerer: { current?: AnswerQuestion } = {};
  let dir: string;
  let db: Db;
  let fake: FakeSlack;
  let slack: SlackApp;
  let pool: WorkerPool;
  let appUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'radar-work-'));
    const dbPath = join(dir, 'warehouse.db');
    db = openWarehouse(dbPath);
    expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
    fake = await startFakeSlack();
    const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
    const logger = pino({ level: 'silent' });
    pool = new WorkerPool({ dbPath, config, size: 1, logger });
    slack = await createSlackApp(
      { db, config, registry: buildRegistry(), now: () => NOW, logger, answerQuestion: (q, ctx, thread, run) => (answerer.current ? answerer.current(q, ctx, thread, run) : Promise.reject(new Error('no answerer'))) },
      { botId: 'BBOT', botUserId: 'UBOT', pool },
    );
    const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
    appUrl = `http://127.0.0.1:${port}/slack/events`;
    await pool.ready();
  }, 60_000);

  afterAll(async () => {
    await slack?.stop();
    await pool?.close();
    await fake?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function slash(text: string, id: string) {
    const res = await sendToApp(appUrl, slashBody({ command: '/radar', text, responseUrl: fake.responseUrl(id) }), FORM, { secret: SECRET });
    await slack.idle();
    return res;
  }

  it('answers a slash command computed on a worker thread: billing’s realised SL from the CSV', async () => {
    // billing, local 2026-11-20 (America/New_York): Σ answered_within_target / Σ offered over its rows.
    const [head, ...rows] = readFileSync('tests/fixtures/small/intervals.csv', 'utf8').trim().split('\n');
    const cols = head.split(',');
    const ny = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' });
    let offered = 0;
    let within = 0;
    for (const line of rows) {
      const r = line.split(',');
      if (r[cols.indexOf('queue')] !== 'billing' || ny.format(new Date(r[cols.indexOf('interval_start')])) !== '2026-11-20') continue;
      offered += Number(r[cols.indexOf('offered')]);
      within += Number(r[cols.indexOf('answered_within_target')]);
    }
    const res = await slash('sla billing yesterday', 'w1');
    expect(res.status).toBe(200);
    const body = fake.responses.find((r) => r.id === 'w1')!.body;
    expect(JSON.stringify(body.blocks)).toContain(`SL *${((within / offered) * 100).toFixed(1)} %*`);
    expect(slack.dispatcher!.stats.served).toBeGreaterThanOrEqual(1);
  });

  it('a command that writes runs on the worker’s read-write connection, and the server sees the write', async () => {
    await slash('alerts add sl below 75 for 2 intervals queue=billing channel=C0OPS severity=high', 'w2');
    const added = JSON.stringify(fake.responses.find((r) => r.id === 'w2')!.body);
    expect(added).not.toMatch(/went wrong/);
    const rules = db.prepare("SELECT json_extract(spec, '$.channel') AS channel FROM alert_rules").all() as { channel: string }[];
    expect(rules.map((r) => r.channel)).toEqual(['C0OPS']);
  });

  it('a question in plain words (rules router) is answered with numbers computed on a worker thread', async () => {
    const { llmAnswerer } = await import('../src/slack/nl.js');
    const { eventBody, JSON_TYPE } = await import('./helpers/fakeSlack.js');
    const [head, ...rows] = readFileSync('tests/fixtures/small/intervals.csv', 'utf8').trim().split('\n');
    const cols = head.split(',');
    const ny = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' });
    let offered = 0;
    let within = 0;
    for (const line of rows) {
      const r = line.split(',');
      if (r[cols.indexOf('queue')] !== 'billing' || ny.format(new Date(r[cols.indexOf('interval_start')])) !== '2026-11-20') continue;
      offered += Number(r[cols.indexOf('offered')]);
      within += Number(r[cols.indexOf('answered_within_target')]);
    }
    const served = slack.dispatcher!.stats.served;
    answerer.current = llmAnswerer(buildRegistry());
    try {
      await sendToApp(appUrl, eventBody('EvWorkNl', { type: 'message', channel_type: 'im', channel: 'D1', user: 'U1', text: 'how was SLA on billing yesterday?', ts: '1763737020.000100' }), JSON_TYPE, { secret: SECRET });
      await slack.idle();
    } finally {
      answerer.current = undefined;
    }
    const post = fake.callsTo('chat.postMessage').find((c) => c.args.thread_ts === '1763737020.000100')!;
    expect(JSON.stringify(post.args.blocks)).toContain(`SL *${((within / offered) * 100).toFixed(1)} %*`);
    expect(slack.dispatcher!.stats.served).toBe(served + 1);
  });

  it('/healthz reports the process and each worker’s heap, answered by the worker itself', async () => {
    const h = (await (await fetch(appUrl.replace('/slack/events', '/healthz'))).json()) as { memory: { pid: number; rssMb: number; heapUsedMb: number; workers: ({ heapUsedMb: number; heapTotalMb: number } | null)[] } };
    expect(h.memory.pid).toBe(process.pid);
    expect(h.memory.workers).toHaveLength(1);
    const w = h.memory.workers[0]!;
    // A worker's own isolate: its heap is not the receiver's, and used never exceeds committed.
    expect(w.heapUsedMb).toBeGreaterThan(1);
    expect(w.heapUsedMb).toBeLessThanOrEqual(w.heapTotalMb);
    expect(w.heapUsedMb).not.toBe(h.memory.heapUsedMb);
    expect(h.memory.rssMb).toBeGreaterThan(h.memory.heapUsedMb);
  });

  it('a usage error from the worker keeps its example', async () => {
    await slash('sla nosuchqueue', 'w3');
    const text = JSON.stringify(fake.responses.find((r) => r.id === 'w3')!.body);
    expect(text).toMatch(/Example/);
  });
});
