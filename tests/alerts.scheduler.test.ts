import { describe, it, expect, afterEach, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { AlertScheduler } from '../src/alerts/scheduler.js';
import { tryAcquire, leaseInfo, EVALUATOR_LEASE } from '../src/alerts/lease.js';

const dbs: Db[] = [];
const schedulers: AlertScheduler[] = [];
function twoConnections(): [Db, Db] {
  const path = join(mkdtempSync(join(tmpdir(), 'radar-lease-')), 'w.db');
  const a = openWarehouse(path);
  const b = openWarehouse(path);
  dbs.push(a, b);
  return [a, b];
}

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop(false);
  vi.useRealTimers();
  for (const d of dbs.splice(0)) d.close();
});

describe('scheduler under fake timers', () => {
  it('fires at local wall-clock times in its time zone across the spring DST change', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-27T12:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const [db] = twoConnections();
    const ticks: string[] = [];
    const s = new AlertScheduler({ db, cron: '0 9 * * *', timezone: 'Europe/London', holderId: 'A', clock: () => Date.now(), heartbeatMs: 60_000, onTick: async (now) => void ticks.push(now.toISOString()) });
    schedulers.push(s);
    s.start();
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    // 09:00 in London is 09:00Z before 29 March 2026 (GMT) and 08:00Z after (BST).
    expect(ticks.map((t) => t.slice(0, 16))).toEqual(['2026-03-28T09:00', '2026-03-29T08:00', '2026-03-30T08:00']);
  });

  it('ticks every 15 minutes through the autumn DST change: the watchdog runs the repeated hour node-cron skips', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-10-24T23:50:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const [db] = twoConnections();
    const ticks: number[] = [];
    const s = new AlertScheduler({ db, cron: '*/15 * * * *', timezone: 'Europe/London', holderId: 'A', clock: () => Date.now(), heartbeatMs: 20_000, onTick: async (now) => void ticks.push(now.getTime()) });
    schedulers.push(s);
    s.start();
    // 2026-10-25: BST ends at 01:00Z (02:00 BST → 01:00 GMT). Four hours of UTC time must give 16 ticks.
    await vi.advanceTimersByTimeAsync(4 * 3_600_000);
    const quarters = Array.from({ length: 16 }, (_, i) => Date.parse('2026-10-25T00:00:00Z') + i * 15 * 60_000);
    expect(ticks.length).toBe(16);
    ticks.forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(quarters[i]);
      expect(t - quarters[i]).toBeLessThanOrEqual(60_000); // on time, or caught up within a minute
    });
    // node-cron itself skipped the first pass of 01:00–01:45 local (00:00–00:45Z); the watchdog ran those.
    expect(s.caughtUp).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:15:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T00:45:00.000Z']);
  });

  it('the watchdog never doubles a tick the cron ran', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-20T09:58:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const [db] = twoConnections();
    const ticks: string[] = [];
    const s = new AlertScheduler({ db, cron: '*/5 * * * *', timezone: 'America/New_York', holderId: 'A', clock: () => Date.now(), heartbeatMs: 7_000, onTick: async (now) => void ticks.push(now.toISOString().slice(11, 19)) });
    schedulers.push(s);
    s.start();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(ticks).toEqual(['10:00:00', '10:05:00', '10:10:00', '10:15:00', '10:20:00', '10:25:00']);
    expect(s.caughtUp).toEqual([]);
  });

  it('rejects a bad cron expression and a bad time zone with a clear message', () => {
    const [db] = twoConnections();
    expect(() => new AlertScheduler({ db, cron: 'every 15 minutes', timezone: 'UTC', holderId: 'A', clock: Date.now, onTick: async () => {} })).toThrow(/ALERTS_CRON="every 15 minutes" is not a cron expression/);
    const s = new AlertScheduler({ db, cron: '*/15 * * * *', timezone: 'Mars/Olympus', holderId: 'A', clock: Date.now, onTick: async () => {} });
    expect(() => s.start()).toThrow();
  });
});

describe('exactly one evaluator (two processes, one SQLite file)', () => {
  it('the lease goes to one holder; the other stays passive until it expires', () => {
    const [a, b] = twoConnections();
    const t0 = 1_000_000;
    expect(tryAcquire(a, EVALUATOR_LEASE, 'A', t0, 60_000)).toBe(true);
    expect(tryAcquire(b, EVALUATOR_LEASE, 'B', t0 + 1, 60_000)).toBe(false);
    expect(tryAcquire(a, EVALUATOR_LEASE, 'A', t0 + 30_000, 60_000)).toBe(true); // heartbeat renews
    expect(tryAcquire(b, EVALUATOR_LEASE, 'B', t0 + 60_000, 60_000)).toBe(false); // renewed: not expired yet
    expect(tryAcquire(b, EVALUATOR_LEASE, 'B', t0 + 90_000, 60_000)).toBe(true); // expired: takeover
    expect(leaseInfo(a, EVALUATOR_LEASE)).toMatchObject({ holder: 'B', acquiredAt: t0 + 90_000 });
    expect(tryAcquire(a, EVALUATOR_LEASE, 'A', t0 + 91_000, 60_000)).toBe(false);
  });

  it('two schedulers on cron: only the holder evaluates; after it dies the standby takes over and reconciles', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-20T09:58:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const [a, b] = twoConnections();
    const evaluated: string[] = [];
    const leader: string[] = [];
    const make = (db: Db, id: string) =>
      new AlertScheduler({
        db, cron: '*/15 * * * *', timezone: 'UTC', holderId: id, clock: () => Date.now(), leaseTtlMs: 90_000, heartbeatMs: 20_000,
        onTick: async (now) => void evaluated.push(`${id}@${now.toISOString().slice(11, 16)}`),
        onLeader: async () => void leader.push(id),
      });
    const sa = make(a, 'A');
    const sb = make(b, 'B');
    schedulers.push(sa, sb);
    sa.start();
    await vi.advanceTimersByTimeAsync(1); // A's first heartbeat takes the lease
    sb.start();
    await vi.advanceTimersByTimeAsync(32 * 60_000); // ticks at 10:00, 10:15, 10:30
    expect(evaluated).toEqual(['A@10:00', 'A@10:15', 'A@10:30']);
    expect(sa.isLeader()).toBe(true);
    expect(sb.isLeader()).toBe(false);

    await sa.stop(false); // A crashes: no release; its lease runs out 90 s after its last heartbeat
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(evaluated).toEqual(['A@10:00', 'A@10:15', 'A@10:30', 'B@10:45', 'B@11:00']);
    expect(leader).toEqual(['A', 'B']);
    expect(leaseInfo(a, EVALUATOR_LEASE)?.holder).toBe('B');
  });

  it('a clean stop hands over at the standby\'s next heartbeat', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-20T10:01:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const [a, b] = twoConnections();
    const sa = new AlertScheduler({ db: a, cron: '*/15 * * * *', timezone: 'UTC', holderId: 'A', clock: () => Date.now(), heartbeatMs: 20_000, onTick: async () => {} });
    const sb = new AlertScheduler({ db: b, cron: '*/15 * * * *', timezone: 'UTC', holderId: 'B', clock: () => Date.now(), heartbeatMs: 20_000, onTick: async () => {} });
    schedulers.push(sa, sb);
    sa.start();
    await vi.advanceTimersByTimeAsync(1);
    sb.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(sb.isLeader()).toBe(false);
    await sa.stop(true);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sb.isLeader()).toBe(true);
  });
});
