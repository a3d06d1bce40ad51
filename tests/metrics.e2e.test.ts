/**
 * The bot's own observability end to end: the real Bolt app over HTTP on 127.0.0.1 against the fake Slack,
 * GET /metrics parsed as Prometheus text by an independent parser written here (exposition format 0.0.4), and
 * counters that move when a command runs, when Slack fails or rate-limits, and when alerts tick; GET /healthz
 * with the warehouse, the last alert tick and the Slack connection; the request id in user-facing errors.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { z } from 'zod';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { Registry, defineCommand, type AnyCommand } from '../src/registry.js';
import { createSlackApp, type SlackApp, type SlackDeps } from '../src/slack/index.js';
import { RadarMetrics, timed, takeObservations } from '../src/metrics.js';
import { AlertRuntime } from '../src/alerts/runtime.js';
import { runStatus } from '../src/cli/status.js';
import { startFakeSlack, sendToApp, slashBody, eventBody, FORM, JSON_TYPE, type FakeSlack } from './helpers/fakeSlack.js';

// ---------- an independent Prometheus text parser ----------

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format; throws on any line that is not HELP, TYPE, a comment, blank or a valid sample. */
function parseProm(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!NAME.test(name) || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new Error(`bad TYPE line: ${line}`);
      if (types.has(name)) throw new Error(`TYPE twice for ${name}`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
      let pos = 0;
      while (pos < m[3].length) {
        re.lastIndex = pos;
        const l = re.exec(m[3]);
        if (!l) throw new Error(`bad labels: ${m[3]}`);
        labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        pos = re.lastIndex;
      }
    }
    // Values parse as Go's ParseFloat does: NaN and ±Inf in any letter case (prom-client writes "Nan").
    const word = m[4].toLowerCase();
    const v = word === '+inf' || word === 'inf' ? Infinity : word === '-inf' ? -Infinity : word === 'nan' ? NaN : Number(m[4]);
    if (word !== 'nan' && Number.isNaN(v)) throw new Error(`bad value: ${line}`);
    // Every sample belongs to a declared family (histograms: _bucket, _sum, _count).
    const family = [m[1], m[1].replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n));
    if (!family) throw new Error(`sample without a TYPE: ${m[1]}`);
    if (types.get(family) === 'histogram' && m[1].endsWith('_bucket') && labels.le === undefined) throw new Error(`bucket without le: ${line}`);
    samples.push({ name: m[1], labels, value: v });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.reduce((a, s) => a + s.value, 0);
}

// ---------- the app ----------

const SECRET = 'metrics-signing-secret-0123456789ab';
const NOW = new Date('2026-11-21T15:00:00Z');
let dir: string;
let db: Db;
let fake: FakeSlack;
let slack: SlackApp;
let deps: SlackDeps;
let base: string;
const logLines: Record<string, unknown>[] = [];

const boom = defineCommand({
  name: 'boom', summary: 'Always fails (test only).', usage: 'boom', examples: ['boom'], hidden: true,
  args: z.object({}), parse: () => ({}),
  run: () => {
    throw new Error('kaboom');
  },
  text: () => '',
});

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseProm(await res.text()).samples;
}

async function slash(text: string, id: string) {
  const res = await sendToApp(`${base}/slack/events`, slashBody({ command: '/radar', text, responseUrl: fake.responseUrl(id) }), FORM, { secret: SECRET });
  await slack.idle();
  return res;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-metrics-'));
  db = openWarehouse(join(dir, 'warehouse.db'));
  expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'info' });
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) logLines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  deps = { db, config, registry: new Registry([...buildRegistry().commands, boom as AnyCommand]), now: () => NOW, logger: pino({ level: 'info' }, stream), sleep: async () => {}, metrics: new RadarMetrics() };
  slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } } });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/metrics', () => {
  it('is valid Prometheus text with the families the issue asks for, plus process metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    const { types } = parseProm(await res.text());
    for (const [name, type] of [
      ['radar_commands_total', 'counter'], ['radar_command_duration_seconds', 'histogram'], ['radar_call_duration_seconds', 'histogram'],
      ['radar_slack_errors_total', 'counter'], ['radar_slack_rate_limited_total', 'counter'], ['radar_work_queue_depth', 'gauge'],
      ['radar_alert_evaluations_total', 'counter'], ['radar_alert_posts_total', 'counter'], ['radar_warehouse_bytes', 'gauge'],
      ['process_cpu_user_seconds_total', 'counter'], ['nodejs_heap_size_used_bytes', 'gauge'],
    ]) expect(types.get(name), name).toBe(type);
  });

  it('counts a command run through the real app, by name and outcome, with its latency', async () => {
    const before = await scrape();
    await slash('sla billing yesterday', 'm1');
    expect(fake.responses).toHaveLength(1);
    const after = await scrape();
    expect(value(after, 'radar_commands_total', { command: 'sla', outcome: 'ok' }) - value(before, 'radar_commands_total', { command: 'sla', outcome: 'ok' })).toBe(1);
    expect(value(after, 'radar_command_duration_seconds_count', { command: 'sla' }) - value(before, 'radar_command_duration_seconds_count', { command: 'sla' })).toBe(1);
    await slash('sla nosuchqueue', 'm2');
    const usage = await scrape();
    expect(value(usage, 'radar_commands_total', { command: 'sla', outcome: 'usage' }) - value(after, 'radar_commands_total', { command: 'sla', outcome: 'usage' })).toBe(1);
    // The warehouse size is the file's pages in use.
    const pages = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    expect(value(usage, 'radar_warehouse_bytes')).toBe(pages);
  });

  it('an internal failure shows the request id, and the same id is in the log line', async () => {
    await slash('boom', 'm3');
    const text = JSON.stringify(fake.responses.at(-1)!.body);
    const ref = text.match(/ref ([0-9a-f]{8})/)?.[1];
    expect(ref).toBeDefined();
    const line = logLines.find((l) => l.msg === 'command failed' && l.requestId === ref);
    expect(line).toBeDefined();
    expect(value(await scrape(), 'radar_commands_total', { command: 'boom', outcome: 'internal' })).toBe(1);
  });

  it('times Web API calls and counts Slack errors and 429 pauses', async () => {
    const before = await scrape();
    fake.script('chat.postMessage', { status: 429, headers: { 'retry-after': '0' }, body: { ok: false, error: 'ratelimited' } });
    await sendToApp(`${base}/slack/events`, eventBody('Ev1', { type: 'app_mention', user: 'U1', text: '<@UBOT> sla billing yesterday', ts: '1.1', channel: 'C1', event_ts: '1.1' }), JSON_TYPE, { secret: SECRET });
    await slack.idle();
    const after = await scrape();
    expect(fake.callsTo('chat.postMessage').length).toBeGreaterThanOrEqual(2);
    expect(value(after, 'radar_slack_rate_limited_total', { method: 'chat.postMessage' }) - value(before, 'radar_slack_rate_limited_total', { method: 'chat.postMessage' })).toBe(1);
    expect(value(after, 'radar_call_duration_seconds_count', { kind: 'slack', name: 'chat.postMessage', outcome: 'ok' })).toBeGreaterThan(value(before, 'radar_call_duration_seconds_count', { kind: 'slack', name: 'chat.postMessage', outcome: 'ok' }));
    fake.script('chat.postMessage', { body: { ok: false, error: 'channel_not_found' } });
    await sendToApp(`${base}/slack/events`, eventBody('Ev2', { type: 'app_mention', user: 'U1', text: '<@UBOT> sla billing yesterday', ts: '1.2', channel: 'C9', event_ts: '1.2' }), JSON_TYPE, { secret: SECRET });
    await slack.idle();
    expect(value(await scrape(), 'radar_slack_errors_total', { method: 'chat.postMessage', error: 'channel_not_found' })).toBe(1);
  });

  it('counts alert evaluations and reports the last tick on /healthz', async () => {
    const runtime = new AlertRuntime({ db, config: deps.config, engines: {} as never, poster: null, clock: () => NOW.getTime(), metrics: deps.metrics });
    await runtime.tick(NOW).catch(() => undefined);
    const s = await scrape();
    expect(value(s, 'radar_alert_evaluations_total')).toBe(1);
    expect(value(s, 'radar_alert_last_tick_timestamp_seconds')).toBe(NOW.getTime() / 1000);
    const h = (await (await fetch(`${base}/healthz`)).json()) as Record<string, Record<string, unknown>>;
    expect(h.alerts.lastTickAt).toBe(NOW.toISOString());
    expect(h.alerts.lastTickAgeSeconds).toBe(0);
  });
});

describe('/healthz', () => {
  it('reports the warehouse, alerts and the Slack connection', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as { ok: boolean; mode: string; queues: number; warehouse: Record<string, unknown>; alerts: Record<string, unknown>; slack: Record<string, unknown> };
    expect(h).toMatchObject({ ok: true, mode: 'http', queues: 2 });
    expect(h.warehouse.ok).toBe(true);
    expect(h.warehouse.schemaVersion).toBe(db.pragma('user_version', { simple: true }));
    expect(typeof h.warehouse.bytes).toBe('number');
    expect(h.warehouse.lastLoadAt).toMatch(/^\d{4}-/);
    expect(h.alerts.scheduler).toBe(false);
    // HTTP mode has no socket; the last Web API call that worked (auth.test is skipped when ids are given) is shown.
    expect(h.slack).toMatchObject({ mode: 'http', connected: null });
    expect(h.slack.lastOkAt).toMatch(/^\d{4}-/);
  });
});

describe('timed() outside the app', () => {
  it('buffers observations on a thread with no adopted registry, and an adopted one replays them', async () => {
    takeObservations();
    expect(timed('engine', 'test.sync', () => 2 + 2)).toBe(4);
    await expect(timed('engine', 'test.async', async () => {
      throw new Error('no');
    })).rejects.toThrow('no');
    const obs = takeObservations();
    expect(obs.map((o) => [o.name, o.ok])).toEqual([['test.sync', true], ['test.async', false]]);
    const m = new RadarMetrics({ defaultMetrics: false });
    m.replay(obs);
    const { samples } = parseProm(await m.text());
    expect(value(samples, 'radar_call_duration_seconds_count', { kind: 'engine', name: 'test.async', outcome: 'error' })).toBe(1);
  });
});

describe('radar status', () => {
  const capture = () => {
    let text = '';
    const w = new Writable({ write(c: Buffer, _e, cb) { text += c.toString(); cb(); } });
    return { io: { out: w, err: w }, text: () => text };
  };

  it('prints the running server’s /healthz', async () => {
    const c = capture();
    const code = await runStatus(join(dir, 'warehouse.db'), deps.config, { url: base, json: true }, c.io);
    expect(code).toBe(0);
    const h = JSON.parse(c.text()) as { source: string; ok: boolean; slack: { mode: string }; warehouse: { ok: boolean } };
    expect(h.source).toContain(`from the server at ${base}/healthz`);
    expect(h).toMatchObject({ ok: true, slack: { mode: 'http' }, warehouse: { ok: true } });
    const t = capture();
    await runStatus(join(dir, 'warehouse.db'), deps.config, { url: base }, t.io);
    expect(t.text()).toMatch(/overall {4}ok\n {2}warehouse {2}ok · 2 queues/);
  });

  it('without a server, reports from the warehouse alone and says so', async () => {
    const c = capture();
    // Port 9 (discard): nothing listens there on loopback.
    const code = await runStatus(join(dir, 'warehouse.db'), deps.config, { url: 'http://127.0.0.1:9' }, c.io);
    expect(code).toBe(0);
    expect(c.text()).toContain('no server answers at http://127.0.0.1:9/healthz');
    expect(c.text()).toMatch(/warehouse {2}ok · 2 queues/);
    const bad = capture();
    expect(await runStatus(join(dir, 'warehouse.db'), deps.config, { url: 'not a url' }, bad.io)).toBe(2);
    expect(bad.text()).toMatch(/--url must be the server's base URL, e.g. http:\/\/127\.0\.0\.1:\d+/);
  });
});
