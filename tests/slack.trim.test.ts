/**
 * Giving memory back when the load drops (src/slack/work/trim.ts): the collection itself, when the dispatcher
 * says it is idle, the receiver's quiet-moment trimmer (fake timers, no wall clock), and the real worker pool
 * trimming a worker only once it has nothing to do (idle time 0 here, so no test waits on the clock).
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { Dispatcher, type WorkRequest } from '../src/slack/work/dispatch.js';
import { ReceiverTrimmer } from '../src/slack/work/index.js';
import { giveBackMemory } from '../src/slack/work/trim.js';
import { WorkerPool } from '../src/slack/work/pool.js';
import type { Execution } from '../src/execute.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';

const done = (line: string): Execution => ({ ok: false, kind: 'usage', message: line, error: new Error(line) as never });
const at = (iso: string) => new Date(iso);

function dispatcher(executor: (r: WorkRequest) => Promise<Execution>, o: Partial<ConstructorParameters<typeof Dispatcher>[0]> = {}) {
  return new Dispatcher({ executor, concurrency: 1, maxQueued: 10, maxPerUser: 10, busyAfterMs: 1000, dataVersion: () => 'v1', cacheable: () => false, setTimer: () => ({ clear: () => undefined }), ...o });
}

describe('giveBackMemory', () => {
  it('returns the garbage a burst left in this thread’s heap and releases the SQLite page cache', () => {
    // A burst's worth of objects that lived long enough to reach the old generation, then died: V8 keeps the
    // pages they took until a full collection.
    let junk: unknown[] | null = [];
    for (let i = 0; i < 400_000; i++) junk.push({ i, s: `row ${i}`, xs: [i, i + 1] });
    expect(junk).toHaveLength(400_000);
    junk = null;
    const before = getHeapStatistics().total_heap_size;
    const pragmas: string[] = [];
    const r = giveBackMemory([{ pragma: (s: string) => pragmas.push(s) }, null]);
    expect(pragmas).toEqual(['shrink_memory']);
    expect(getHeapStatistics().total_heap_size).toBeLessThan(before);
    expect(r.heapAfterMb).toBeLessThan(r.heapBeforeMb);
    expect(junk).toBeNull();
    // The collector is not left on the global object.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });

  it('a connection that cannot shrink (closed, or Postgres) does not stop the collection', () => {
    const r = giveBackMemory([
      {
        pragma: () => {
          throw new Error('The database connection is not open');
        },
      },
      { pragma: () => 0, open: false },
    ]);
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('dispatcher idle and stale shared answers', () => {
  it('says it is idle when the last running question finishes and none waits, not before', async () => {
    const finish: (() => void)[] = [];
    let idle = 0;
    const d = dispatcher(() => new Promise<Execution>((resolve) => finish.push(() => resolve(done('x')))), { onIdle: () => idle++ });
    const a = d.submit({ line: 'a', userId: 'A', now: at('2026-11-21T15:00:00Z') });
    const b = d.submit({ line: 'b', userId: 'B', now: at('2026-11-21T15:00:00Z') });
    expect(d.idle).toBe(false);
    finish.shift()!();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(0); // b started
    expect(d.idle).toBe(false);
    finish.shift()!();
    await b;
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(1);
    expect(d.idle).toBe(true);
  });

  it('forgets shared answers of past minutes, keeps the current minute’s', async () => {
    let runs = 0;
    const d = dispatcher(
      async (r) => {
        runs++;
        return done(r.line);
      },
      { cacheable: () => true },
    );
    await d.submit({ line: 'sla billing', userId: 'A', now: at('2026-11-21T15:00:10Z') });
    d.forgetStale(at('2026-11-21T15:00:50Z'));
    await d.submit({ line: 'sla billing', userId: 'B', now: at('2026-11-21T15:00:20Z') });
    expect(runs).toBe(1); // same minute: still shared
    d.forgetStale(at('2026-11-21T15:01:00Z'));
    await d.submit({ line: 'sla billing', userId: 'C', now: at('2026-11-21T15:00:30Z') });
    expect(runs).toBe(2); // its minute is over: forgotten, so computed again
  });
});

describe('receiver trimmer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const state = { idle: true, delivering: false };
    const pragmas: string[] = [];
    const forgot: Date[] = [];
    const fakeDispatcher = {
      get idle() {
        return state.idle;
      },
      forgetStale: (d: Date) => forgot.push(d),
    } as unknown as Dispatcher;
    const now = at('2026-11-21T15:00:00Z');
    const t = new ReceiverTrimmer({ dispatcher: () => fakeDispatcher, db: { pragma: (s) => pragmas.push(s) }, now: () => now, delivering: () => state.delivering, quietMs: 6000 });
    return { t, state, pragmas, forgot };
  }

  it('trims after a quiet moment: stale answers forgotten, page cache released, heap collected', () => {
    const { t, pragmas, forgot } = setup();
    t.idle();
    vi.advanceTimersByTime(5999);
    expect(t.stats.count).toBe(0);
    vi.advanceTimersByTime(1);
    expect(t.stats.count).toBe(1);
    expect(pragmas).toEqual(['shrink_memory']);
    expect(forgot).toHaveLength(1);
    // Nothing ran since: no second trim.
    vi.advanceTimersByTime(60_000);
    expect(t.stats.count).toBe(1);
  });

  it('a steady trickle of questions never trims: each idle moment starts the wait again', () => {
    const { t } = setup();
    for (let i = 0; i < 20; i++) {
      t.idle();
      vi.advanceTimersByTime(3000);
    }
    expect(t.stats.count).toBe(0);
    vi.advanceTimersByTime(3000);
    expect(t.stats.count).toBe(1);
  });

  it('waits while answers are still being delivered, and skips when questions came back', () => {
    const { t, state } = setup();
    state.delivering = true;
    t.idle();
    vi.advanceTimersByTime(20_000);
    expect(t.stats.count).toBe(0);
    state.delivering = false;
    vi.advanceTimersByTime(6000);
    expect(t.stats.count).toBe(1);
    t.idle();
    state.idle = false; // a question is running when the quiet time is up
    vi.advanceTimersByTime(6000);
    expect(t.stats.count).toBe(1);
    t.stop();
  });
});

describe('worker pool trims', () => {
  let dir: string;
  let dbPath: string;
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const logger = pino({ level: 'silent' });
  const job = (id: number) => ({ id, line: 'sla billing 2026-11-20', nowMs: Date.parse('2026-11-21T15:00:00Z') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'radar-trim-'));
    dbPath = join(dir, 'warehouse.db');
    const db = openWarehouse(dbPath);
    expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
    db.close();
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a worker gives memory back once idle, never between queued jobs, and answers after it', async () => {
    const pool = new WorkerPool({ dbPath, config, size: 1, logger, trimIdleMs: 0 });
    try {
      await pool.ready();
      const results = await Promise.all([1, 2, 3, 4].map((i) => pool.run(job(i))));
      expect(results.every((r) => r.exec.ok)).toBe(true);
      await vi.waitFor(() => expect(pool.trims.count).toBe(1));
      // The four queued jobs ran back to back: one trim, after the last.
      await new Promise((r) => setTimeout(r, 50));
      expect(pool.trims.count).toBe(1);
      expect(pool.trims.ms).toBeGreaterThan(0);
      const again = await pool.run(job(5));
      expect(again.exec).toEqual(results[0].exec);
      await vi.waitFor(() => expect(pool.trims.count).toBe(2));
      const [m] = await pool.memory();
      expect(m!.heapTotalMb).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('with trimming off a worker is left alone', async () => {
    const pool = new WorkerPool({ dbPath, config, size: 1, logger, trim: false, trimIdleMs: 0 });
    try {
      await pool.ready();
      await pool.run(job(1));
      await new Promise((r) => setTimeout(r, 50));
      expect(pool.trims.count).toBe(0);
      await pool.memory(); // a memory probe is not work
      await new Promise((r) => setTimeout(r, 50));
      expect(pool.trims.count).toBe(0);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
