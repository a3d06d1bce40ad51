/**
 * The load generator of the slack bench: open-loop (request i leaves at t0 + i/rate whatever the server is
 * doing), signed slash commands from many people, answers caught by the fake Slack's response_url endpoint in
 * this process. It runs in the bench's process; the server under test (`radar serve`) is a child process with
 * its own event loop, so neither's timing disturbs the other's.
 */
import { readFileSync } from 'node:fs';
import type { FakeSlack } from '../../tests/helpers/fakeSlack.js';
import { slashBody, slackSignature, FORM } from '../../tests/helpers/fakeSlack.js';

export type Outcome = 'answer' | 'busy' | 'apology' | 'usage';

export interface Sent {
  id: string;
  line: string;
  user: string;
  sentAt: number;
  ackAt?: number;
  status?: number;
  /** A "busy, your answer is coming" note arrived before the answer. */
  noted: boolean;
  answerAt?: number;
  outcome?: Outcome;
}

/** One sample of the server's memory (MB): RSS from /proc, the heaps from its /healthz. */
export interface MemorySample {
  /** Seconds since the phase started. */
  t: number;
  rss: number;
  /** RSS split (MB, /proc/<pid>/status): anonymous (heaps, malloc) and file-backed (code, mapped files). */
  anon?: number;
  file?: number;
  /** The receiver thread's V8 heap, used / total. */
  mainUsed?: number;
  mainTotal?: number;
  /** Each command worker's V8 heap, used / total (null: busy, did not answer the probe). */
  workers?: ({ used: number; total: number } | null)[];
}

export interface PhaseResult {
  rate: number;
  seconds: number;
  sent: Sent[];
  /** RSS (MB) when the phase starts, its peak, when the last answer is in, and after `idleMs` more with no requests. */
  rss: { start: number; peak: number; end: number; idle: number };
  /** The server's memory once a second through the phase, the wait for answers and the idle time. */
  memory: MemorySample[];
  /** CPU seconds the server used during the phase: its receiver (main) thread, and the whole process. */
  cpu: { main: number; all: number; wall: number };
  /** `uptime` at the end of the phase. */
  uptime: string;
}

/** mulberry32: a small seeded PRNG, so every run asks the same questions in the same order. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TERMS = ['refund', 'login', 'invoice', 'password', 'charged twice', 'cancel', 'delivery', 'error'];

/**
 * The question mix: sla 30 %, why 20 %, whatif 20 %, risk 15 %, tickets 15 %, over every queue and the last
 * four weeks' weekdays (what a support-ops team asks about), so most lines differ and few answers are shared.
 */
export function questionMix(queues: string[], end: string, seed: number): () => string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const days: string[] = [];
  for (let i = 0; days.length < 20; i++) {
    const d = new Date(Date.parse(`${end}T00:00:00Z`) - i * 86_400_000);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) days.push(d.toISOString().slice(0, 10));
  }
  return () => {
    const x = r();
    const q = pick(queues);
    if (x < 0.3) return `sla ${q} ${pick(days)}`;
    if (x < 0.5) return `why ${q} ${pick(days)}`;
    if (x < 0.7) return `whatif ${q} ${pick(days)} +${1 + Math.floor(r() * 4)} agents`;
    if (x < 0.85) return `risk ${q}`;
    return `tickets ${pick(TERMS)} ${q}`;
  };
}

/** CPU seconds (user + system) of a process, or of one of its threads, from /proc. */
export function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** RSS of a process (kB → MB), from /proc. */
export function rssMb(pid: number): number {
  return rssParts(pid).rss;
}

/** RSS and its anonymous / file-backed parts (kB → MB), from /proc/<pid>/status. */
export function rssParts(pid: number): { rss: number; anon: number; file: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(s.match(new RegExp(`${k}:\\s+(\\d+)\\s+kB`))?.[1] ?? NaN) / 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { rss: NaN, anon: NaN, file: NaN };
  }
}

function classify(body: Record<string, unknown>): Outcome | 'note' {
  const s = JSON.stringify(body);
  if (!body.blocks && typeof body.text === 'string' && body.text.includes('your answer is coming')) return 'note';
  if (s.includes('could not take yours')) return 'busy';
  if (s.includes('something went wrong on our side')) return 'apology';
  if (s.includes(':warning:')) return 'usage';
  return 'answer';
}

/** Follows the fake Slack's response_url posts and records, per request, the first real answer. */
export function track(fake: FakeSlack, byId: Map<string, Sent>): () => void {
  const on = (r: { id: string; body: Record<string, unknown>; at: number }) => {
    const s = byId.get(r.id);
    if (!s || s.answerAt !== undefined) return;
    const c = classify(r.body);
    if (c === 'note') {
      s.noted = true;
      return;
    }
    s.answerAt = r.at;
    s.outcome = c;
  };
  fake.events.on('response', on);
  return () => fake.events.off('response', on);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export interface PhaseOptions {
  url: string;
  secret: string;
  fake: FakeSlack;
  serverPid: number;
  rate: number;
  seconds: number;
  next: () => string;
  users: number;
  prefix: string;
  /** After the last request, how long to wait for the answers still coming (ms). */
  graceMs: number;
  /** After the last answer, how long the server stays idle before the last memory reading (ms). */
  idleMs?: number;
  /** The server's /healthz (its `memory` gives the heaps). */
  health?: string;
  uptime: () => string;
}

interface HealthMemory {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  workers: ({ heapUsedMb: number; heapTotalMb: number } | null)[];
}

/** Samples the server's memory once a second: RSS from /proc, heaps from /healthz (skipped while one is in flight). */
function memorySampler(pid: number, health: string | undefined, t0: number): { samples: MemorySample[]; stop: () => void } {
  const samples: MemorySample[] = [];
  let busy = false;
  const take = () => {
    const { rss, anon, file } = rssParts(pid);
    const s: MemorySample = { t: (performance.now() - t0) / 1000, rss, anon, file };
    samples.push(s);
    if (!health || busy) return;
    busy = true;
    fetch(health, { signal: AbortSignal.timeout(5000) })
      .then(async (r) => {
        const m = ((await r.json()) as { memory?: HealthMemory }).memory;
        if (!m) return;
        s.mainUsed = m.heapUsedMb;
        s.mainTotal = m.heapTotalMb;
        s.workers = m.workers.map((w) => (w ? { used: w.heapUsedMb, total: w.heapTotalMb } : null));
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  };
  take();
  const timer = setInterval(take, 1000);
  return { samples, stop: () => clearInterval(timer) };
}

/** One phase: `rate` requests/s for `seconds`, then wait for every answer (or the grace period). */
export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const byId = new Map<string, Sent>();
  const stop = track(o.fake, byId);
  const users = rng(o.rate * 7919 + o.seconds);
  const rss = { start: rssMb(o.serverPid), peak: 0, end: 0, idle: 0 };
  rss.peak = rss.start;
  const peaks = setInterval(() => {
    const v = rssMb(o.serverPid);
    if (v > rss.peak) rss.peak = v;
  }, 250);
  const memory = memorySampler(o.serverPid, o.health, performance.now());
  const n = Math.round(o.rate * o.seconds);
  const cpu0 = { main: cpuSeconds(o.serverPid, o.serverPid), all: cpuSeconds(o.serverPid), at: performance.now() };
  const t0 = performance.now() + 50;
  const inflight: Promise<void>[] = [];
  let cpu = { main: NaN, all: NaN, wall: NaN };
  let load = '';
  try {
    for (let i = 0; i < n; i++) {
      await sleep(t0 + (i * 1000) / o.rate - performance.now());
      const id = `${o.prefix}${i}`;
      const s: Sent = { id, line: o.next(), user: `U${String(1 + Math.floor(users() * o.users)).padStart(3, '0')}`, sentAt: 0, noted: false };
      byId.set(id, s);
      const body = slashBody({ command: '/radar', text: s.line, responseUrl: o.fake.responseUrl(id), user: s.user, channel: 'C0OPS' });
      const ts = Math.floor(Date.now() / 1000);
      s.sentAt = performance.now();
      inflight.push(
        fetch(o.url, { method: 'POST', headers: { 'content-type': FORM, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(o.secret, ts, body) }, body, signal: AbortSignal.timeout(10_000) })
          .then(async (res) => {
            s.ackAt = performance.now();
            s.status = res.status;
            await res.arrayBuffer();
          })
          .catch(() => {
            s.status = 0;
          }),
      );
    }
    await Promise.all(inflight);
    const deadline = performance.now() + o.graceMs;
    while (performance.now() < deadline && [...byId.values()].some((s) => s.answerAt === undefined && s.status === 200)) await sleep(100);
    rss.end = rssMb(o.serverPid);
    cpu = { main: cpuSeconds(o.serverPid, o.serverPid) - cpu0.main, all: cpuSeconds(o.serverPid) - cpu0.all, wall: (performance.now() - cpu0.at) / 1000 };
    load = o.uptime();
    await sleep(o.idleMs ?? 0);
    rss.idle = rssMb(o.serverPid);
  } finally {
    clearInterval(peaks);
    memory.stop();
    stop();
  }
  return { rate: o.rate, seconds: o.seconds, sent: [...byId.values()], rss, memory: memory.samples, cpu, uptime: load };
}
