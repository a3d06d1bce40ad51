/**
 * Builds the dispatcher the Slack app runs command lines through: over a worker pool (serve, the bench) or
 * in process (tests that swap the registry or use an in-memory warehouse).
 */
import type { Db } from '../../warehouse/db.js';
import type { Registry } from '../../registry.js';
import type { Execution } from '../../execute.js';
import { Dispatcher, type Executor, type WorkRequest } from './dispatch.js';
import { WorkerPool } from './pool.js';
import { fromWire, type WorkerMemory } from './wire.js';
import { giveBackMemory, type Shrinkable } from './trim.js';
import type { TrimStats } from './pool.js';

export { Dispatcher, type Outcome, type BusyInfo, type WorkRequest } from './dispatch.js';
export { WorkerPool } from './pool.js';
export type { WorkerMemory } from './wire.js';

/** The server's memory for /healthz: the process's RSS, the receiver thread's V8 heap, each worker's heap (MB). */
export interface ServerMemory {
  /** The serving process (`radar serve` runs in a child of the `radar` launcher: see bin/radar.js). */
  pid: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** Per command worker; null when it did not answer in time (busy with a long job). */
  workers: (WorkerMemory | null)[];
  /** Memory given back at idle (trim.ts): by the workers, and by the receiver thread. */
  trims?: { workers: TrimStats; receiver: TrimStats };
}

const MB = 1024 * 1024;

export async function serverMemory(pool?: Pick<WorkerPool, 'memory' | 'trims'>, receiver?: TrimStats): Promise<ServerMemory> {
  const workers = pool ? await pool.memory() : [];
  const m = process.memoryUsage();
  return { pid: process.pid, rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, workers, ...(pool && receiver ? { trims: { workers: { ...pool.trims }, receiver: { ...receiver } } } : {}) };
}

/** The receiver trims after this long with nothing running or waiting (as the workers do: pool.ts TRIM_IDLE_MS). */
export const RECEIVER_QUIET_MS = 6000;

/**
 * The receiver thread's side of giving memory back: when the dispatcher has been idle for `quietMs` (no
 * question running or waiting since, no answer still being delivered), forget the shared answers of past
 * minutes, release the server connection's page cache and run a full collection (trim.ts). A collection
 * pauses this thread's acks for its duration (milliseconds), so it waits for a quiet moment; under a steady
 * load it never runs.
 */
export class ReceiverTrimmer {
  readonly stats: TrimStats = { count: 0, ms: 0, heapFreedMb: 0 };
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(private readonly o: { dispatcher: () => Dispatcher | undefined; db: Shrinkable; now: () => Date; delivering: () => boolean; quietMs?: number }) {}

  /** The dispatcher went idle: trim after a quiet moment (a later idle moment starts the wait again). */
  idle(): void {
    this.dirty = true;
    this.schedule(this.o.quietMs ?? RECEIVER_QUIET_MS);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), ms);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const d = this.o.dispatcher();
    if (!this.dirty || !d?.idle) return; // busy again: the next idle moment schedules anew
    if (this.o.delivering()) return this.schedule(this.o.quietMs ?? RECEIVER_QUIET_MS);
    this.dirty = false;
    d.forgetStale(this.o.now());
    const r = giveBackMemory([this.o.db]);
    this.stats.count++;
    this.stats.ms += r.ms;
    this.stats.heapFreedMb += Math.max(0, r.heapBeforeMb - r.heapAfterMb);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Commands whose answers depend only on the data and the clock (never who asks), minus their write forms. */
const SHAREABLE = new Set(['sla', 'why', 'drift', 'whatif', 'staffing', 'risk', 'tickets', 'forecast']);
const WRITE_FORMS = /(^|\s)(train|index|--index|model|models|activate|exclude|include)(\s|$)/i;

export function shareable(registry: Registry, line: string, parsed?: WorkRequest['parsed']): boolean {
  if (parsed) {
    const c = registry.get(parsed.command);
    const values = JSON.stringify(parsed.args ?? {}).replace(/[^A-Za-z0-9_-]+/g, ' ');
    return Boolean(c && SHAREABLE.has(c.name) && !WRITE_FORMS.test(` ${values} `));
  }
  const word = line.trim().split(/\s+/)[0] ?? '';
  const c = registry.get(word);
  return Boolean(c && SHAREABLE.has(c.name) && !WRITE_FORMS.test(line));
}

/**
 * The warehouse's data version: SQLite's data_version (bumped by every commit of another connection — an
 * ingest from the CLI, a model trained in a worker) plus the latest load and model ids (writes made through
 * this connection). Alert state and event dedupe writes do not change it: they change no shareable answer.
 */
export function dataVersion(db: Db): string {
  const v = db.pragma('data_version', { simple: true }) as number;
  const r = db.prepare('SELECT (SELECT COALESCE(MAX(run_id), 0) FROM etl_runs) AS etl, (SELECT COALESCE(MAX(id), 0) FROM models) AS m').get() as { etl: number; m: number };
  return `${v}.${r.etl}.${r.m}`;
}

export function poolExecutor(pool: WorkerPool, registry: Registry): Executor {
  let seq = 0;
  return async (r: WorkRequest): Promise<Execution> => {
    const done = await pool.run({ id: ++seq, line: r.line, parsed: r.parsed, nowMs: r.now.getTime(), userId: r.userId, channelId: r.channelId, requestId: r.requestId });
    return fromWire(done.exec, registry);
  };
}

export interface WorkOptions {
  db: Db;
  registry: () => Registry;
  executor: Executor;
  concurrency: number;
  maxQueued: number;
  maxPerUser: number;
  busyAfterMs?: number;
  onIdle?: () => void;
}

export function createDispatcher(o: WorkOptions): Dispatcher {
  return new Dispatcher({
    executor: o.executor,
    concurrency: o.concurrency,
    maxQueued: o.maxQueued,
    maxPerUser: o.maxPerUser,
    busyAfterMs: o.busyAfterMs ?? 2000,
    dataVersion: () => dataVersion(o.db),
    cacheable: (line, parsed) => shareable(o.registry(), line, parsed),
    onIdle: o.onIdle,
  });
}
