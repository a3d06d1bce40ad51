/**
 * POST /predict end to end: the real `radar serve` app (Bolt's HTTP receiver) on 127.0.0.1, a risk model
 * trained on a synthetic history whose escalation law is known (src/engines/risk/synthetic.ts: the
 * Bayes-optimal probability at 2 h per ticket), held-out tickets sent as JSON facts. Checked against the
 * engine's own scoring of the same ticket, against the Bayes reference, and the wire contract: bearer
 * tokens, per-token rate limit with Retry-After on a driven clock, 400/409/413/415 bodies.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import fc from 'fast-check';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { saveModel } from '../src/warehouse/models.js';
import { loadConfig, ConfigError } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createSlackApp, type SlackApp } from '../src/slack/index.js';
import { RateLimiter, matchToken } from '../src/slack/predictRoute.js';
import { PREDICT_EXAMPLE, type PredictResult } from '../commands/predict.js';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { trainRiskModel, scoreTickets } from '../src/engines/risk/pipeline.js';
import { loadRiskModel } from '../src/engines/risk/model.js';
import type { RiskTicket } from '../src/engines/risk/types.js';
import { startFakeSlack, type FakeSlack } from './helpers/fakeSlack.js';

const TOKEN_A = 'predict-token-A-0123456789abcdef';
const TOKEN_B = 'predict-token-B-fedcba9876543210';
const RATE = 30;
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

const data = generateSyntheticTickets({ tickets: 1600, days: 40, seed: 5 });
const byCreated = [...data.tickets].sort((a, b) => a.created_at.localeCompare(b.created_at));
const heldOut = byCreated.slice(-120);
const trainSet = new Set(byCreated.slice(0, -120).map((t) => t.ticket_id));
const model = trainRiskModel(
  { tickets: data.tickets.filter((t) => trainSet.has(t.ticket_id)), events: data.events.filter((e) => trainSet.has(e.ticket_id)), agents: data.agents },
  { label: 'escalated', seed: 1, gbdt: { nRounds: 40, learningRate: 0.15 }, bootstrap: 50, shapRows: 50 },
).model;

let dir: string;
let db: Db;
let fake: FakeSlack;
let slack: SlackApp;
let base: string;
let clock = Date.parse('2026-07-01T00:00:00Z');
const logged: string[] = [];

/** The facts a client knows about `t` at `asOfMs`: no outcome fields, events up to then. */
function facts(t: RiskTicket, asOfMs: number) {
  const events = data.events
    .filter((e) => e.ticket_id === t.ticket_id && Date.parse(e.at) <= asOfMs)
    .map((e) => Object.fromEntries(Object.entries({ at: e.at, type: e.type, author_type: e.author_type, agent_id: e.agent_id, from_queue: e.from_queue, to_queue: e.to_queue, status: e.status, body: e.body }).filter(([, v]) => v !== null && v !== undefined)));
  const out: Record<string, unknown> = { ticket_id: t.ticket_id, queue: t.queue, priority: t.priority, channel: t.channel, created_at: t.created_at, subject: t.subject, body: t.body ?? '', events, as_of: iso(asOfMs) };
  for (const k of ['category', 'customer_id', 'customer_tier', 'agent_id', 'agent_level', 'agent_hired_at', 'due_at'] as const) if (t[k] != null) out[k] = t[k];
  if (t.first_response_at && Date.parse(t.first_response_at) <= asOfMs) out.first_response_at = t.first_response_at;
  return out;
}

async function predict(body: unknown, token: string | null = TOKEN_A, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-predict-'));
  db = openWarehouse(join(dir, 'w.db'));
  const a = db.prepare('INSERT INTO agents (agent_id, name, level, hired_at) VALUES (?, ?, ?, ?)');
  for (const ag of data.agents) a.run(ag.agent_id, ag.agent_id, ag.level ?? null, ag.hired_at ?? null);
  saveModel(db, model, { trainedAt: '2026-06-30T00:00:00Z' });
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: 'predict-signing-secret-0123456789', SLACK_API_URL: fake.apiUrl, RADAR_PREDICT_TOKEN: `${TOKEN_A}, ${TOKEN_B}`, RADAR_PREDICT_RATE: String(RATE) });
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      logged.push(chunk.toString());
      cb();
    },
  });
  slack = await createSlackApp({ db, config, registry: buildRegistry(), now: () => new Date(clock), logger: pino({ level: 'trace' }, stream), sleep: async () => {} }, { botId: 'B1', botUserId: 'UBOT' });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /predict', () => {
  it('scores held-out tickets exactly as the risk engine does, and ranks them like the known escalation law', async () => {
    const loaded = loadRiskModel(model);
    const got: number[] = [];
    const bayes: number[] = [];
    for (const [k, t] of heldOut.slice(0, 60).entries()) {
      clock += 60_000 * (k % 2 ? 3 : 0); // keep well inside the rate limit: the bucket refills
      const asOf = Date.parse(t.created_at) + 2 * H;
      const r = await predict(facts(t, asOf), k % 2 ? TOKEN_A : TOKEN_B);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const p = r.json as unknown as PredictResult;
      const [ref] = scoreTickets(loaded, [{ ...t, resolved_at: null, status: 'open' }], data.events.filter((e) => e.ticket_id === t.ticket_id && Date.parse(e.at) <= asOf), asOf, { agents: data.agents, reasons: 8 });
      expect(p.probability).toBeCloseTo(ref.probability, 12);
      expect(p.flagged).toBe(ref.flagged);
      expect(p.ageHours).toBeCloseTo(2, 9);
      expect(p.outOfSupport).toBe(false);
      expect(p.model).toEqual({ id: 1, version: 1, trainedAt: '2026-06-30T00:00:00Z' });
      expect(p.reasons.length).toBeGreaterThan(0);
      expect(p.reasons.length).toBeLessThanOrEqual(3);
      for (let i = 1; i < p.reasons.length; i++) expect(Math.abs(p.reasons[i - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(p.reasons[i].contribution));
      got.push(p.probability);
      bayes.push(data.bayes.get(t.ticket_id)!);
    }
    // Spearman rank correlation with the Bayes-optimal probability (the generator's own law).
    const rank = (xs: number[]) => {
      const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
      const r = new Array<number>(xs.length);
      idx.forEach(([, i], k) => (r[i] = k));
      return r;
    };
    const ra = rank(got);
    const rb = rank(bayes);
    const n = ra.length;
    const d2 = ra.reduce((s, x, i) => s + (x - rb[i]) ** 2, 0);
    expect(1 - (6 * d2) / (n * (n * n - 1))).toBeGreaterThan(0.8);
  });

  it('flags a ticket older than the training range as out of support', async () => {
    const t = heldOut[0];
    const r = await predict(facts(t, Date.parse(t.created_at) + 30 * 24 * H));
    expect(r.status).toBe(200);
    expect(r.json.outOfSupport).toBe(true);
  });

  it('the example in every 400 is itself a valid request; bad facts list each problem with its field', async () => {
    const ok = await predict(PREDICT_EXAMPLE);
    expect(ok.status).toBe(200);
    const bad = await predict({ ...PREDICT_EXAMPLE, priority: 'whenever', created_at: 'yesterday', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.json.example).toEqual(PREDICT_EXAMPLE);
    const details = (bad.json.details as string[]).join('\n');
    expect(details).toMatch(/^priority: /m);
    expect(details).toMatch(/^created_at: must be an ISO-8601 time/m);
    expect(details).toMatch(/colour/);
    const notJson = await predict('{"queue": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/not valid JSON/);
    const form = await predict('queue=billing', TOKEN_A, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const huge = await predict({ ...PREDICT_EXAMPLE, body: 'x'.repeat(70 * 1024) });
    expect(huge.status).toBe(413);
  });

  it('409 with how to train when the label has no model', async () => {
    const r = await predict({ ...PREDICT_EXAMPLE, label: 'sla_breached' });
    expect(r.status).toBe(409);
    expect(r.json.error).toMatch(/radar risk train --label sla_breached/);
  });

  it('401 without a bearer token or with a wrong one (also one differing only in the last character)', async () => {
    for (const token of [null, 'nope', TOKEN_A.slice(0, -1) + 'g', `${TOKEN_A}x`]) {
      const r = await predict(PREDICT_EXAMPLE, token);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const basic = await predict(PREDICT_EXAMPLE, null, { authorization: `Basic ${Buffer.from(`u:${TOKEN_A}`).toString('base64')}` });
    expect(basic.status).toBe(401);
  });

  it('rate-limits per token: 429 with Retry-After once the bucket is empty, the other token unaffected, allowed again after the wait', async () => {
    clock += 3_600_000; // both buckets full
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 1; i++) statuses.push((await predict(PREDICT_EXAMPLE, TOKEN_A)).status);
    expect(statuses.slice(0, RATE).every((s) => s === 200)).toBe(true);
    const limited = await predict(PREDICT_EXAMPLE, TOKEN_A);
    expect(statuses[RATE]).toBe(429);
    expect(limited.status).toBe(429);
    // 30 a minute = one every 2 s.
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await predict(PREDICT_EXAMPLE, TOKEN_B)).status).toBe(200);
    clock += 1_000;
    expect((await predict(PREDICT_EXAMPLE, TOKEN_A)).status).toBe(429);
    clock += 1_000;
    expect((await predict(PREDICT_EXAMPLE, TOKEN_A)).status).toBe(200);
  });

  it('never writes a token to the log', () => {
    const all = logged.join('');
    expect(all).not.toContain(TOKEN_A);
    expect(all).not.toContain(TOKEN_B);
  });
});

describe('predict pieces', () => {
  it('the token bucket never allows more than rate + rate × window / 60 s in any window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (rate, gaps) => {
        const lim = new RateLimiter(rate);
        let t = 0;
        const allowed: number[] = [];
        for (const g of gaps) {
          t += g;
          if (lim.take(0, t) === 0) allowed.push(t);
        }
        for (let i = 0; i < allowed.length; i++) {
          for (let j = i; j < allowed.length; j++) {
            const window = allowed[j] - allowed[i];
            expect(j - i + 1).toBeLessThanOrEqual(rate + (rate * window) / 60_000 + 1e-9);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('Retry-After is enough: a request at now + Retry-After is allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 50 }), (rate, extra) => {
        const lim = new RateLimiter(rate);
        for (let i = 0; i < rate; i++) expect(lim.take(7, 0)).toBe(0);
        let wait = 0;
        for (let i = 0; i < extra && wait === 0; i++) wait = lim.take(7, 0);
        expect(wait).toBeGreaterThan(0);
        expect(lim.take(7, wait * 1000)).toBe(0);
      }),
    );
  });

  it('matches tokens by digest and knows which one', () => {
    const digests = [TOKEN_A, TOKEN_B].map((t) => createHash('sha256').update(t).digest());
    expect(matchToken(TOKEN_B, digests)).toBe(1);
    expect(matchToken(TOKEN_A, digests)).toBe(0);
    expect(matchToken('', digests)).toBe(-1);
  });

  it('config: a short token is refused by name, its value hidden', () => {
    try {
      loadConfig({ RADAR_PREDICT_TOKEN: 'short-secret' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/RADAR_PREDICT_TOKEN \(value hidden\) must be one or more tokens/);
      expect((e as Error).message).not.toContain('short-secret');
    }
  });
});
