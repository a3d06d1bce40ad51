/**
 * A fixed pool of command worker threads (worker.ts), one job at a time each. The dispatcher (dispatch.ts)
 * decides what runs when; the pool only runs it. A worker that dies takes its job with it as an apology and
 * is replaced, so one bad command cannot take answering down.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Job, JobDone, MemoryReport, TrimDone, WorkerMemory } from './wire.js';
import { record } from '../../metrics.js';

const bootUrl = new URL('../../warehouse/worker-boot.mjs', import.meta.url);
const entry = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * Bounds per command worker (stated in README, Serving Slack). SQLite's page cache per connection (a worker
 * has a read-only one and, once something writes, a read-write one): 16 MB, better-sqlite3's default, set
 * here so it is a decision, not an accident. V8 heap: a worker's live data between jobs is ~20 MB and one job
 * allocates up to ~100 MB of short-lived objects; with V8's defaults the heap grew to 100–130 MB of mostly
 * garbage under load before a full collection (its first old-generation limit is half the maximum, capped at
 * 256 MB), so RSS climbed with the request rate. A 256 MB old generation (first full collection near 128 MB, then
 * at a multiple of the live size) and a 24 MB young generation keep it near its live size (6 MB measured ~3x fewer jobs per CPU second: why and risk make 6–17 MB of short-lived objects per job). A job that needs more
 * than 256 MB ends its worker (the pool starts another and the asker gets an apology).
 */
export const WORKER_CACHE_KIB = 16000;
export const WORKER_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 24 };

/**
 * A worker that has run something and then had nothing to do for this long gives its memory back (trim.ts): long
 * enough that V8 sees a low allocation rate and shrinks the young generation too, and that a steady load (a
 * question every few seconds or more often) never pays for a collection. Never while work waits.
 */
export const TRIM_IDLE_MS = 6000;

/** Trims the workers have run since the pool started, and the time they took (ms, on the workers). */
export interface TrimStats {
  count: number;
  ms: number;
  /** Heap total given back by V8 over all trims (MB). */
  heapFreedMb: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job: { job: Job; resolve: (d: JobDone) => void; reject: (e: Error) => void } | null;
  /** Memory probes waiting for this worker's answer, by probe number. */
  probes: Map<number, (m: WorkerMemory) => void>;
  /** Ran a job since its last trim. */
  dirty: boolean;
  /** When its last job finished (performance.now()). */
  idleSince: number;
  trimTimer: NodeJS.Timeout | null;
}

export interface PoolOptions {
  dbPath: string;
  config: Config;
  size: number;
  logger: Logger;
  /** SQLite page cache per worker connection, KiB (default below). */
  cacheKib?: number;
  /** V8 heap limits per worker (default below). */
  resourceLimits?: ResourceLimits;
  /** Idle ms before a worker trims (default TRIM_IDLE_MS). */
  trimIdleMs?: number;
  /** Give memory back when a worker goes idle (default true). */
  trim?: boolean;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: { job: Job; resolve: (d: JobDone) => void; reject: (e: Error) => void }[] = [];
  /** Upkeep (warm.ts): given to a worker only when no question waits. */
  private readonly upkeep: { job: Job; resolve: (d: JobDone) => void; reject: (e: Error) => void }[] = [];
  private closed = false;
  private probeSeq = 0;
  readonly trims: TrimStats = { count: 0, ms: 0, heapFreedMb: 0 };

  constructor(private readonly o: PoolOptions) {
    for (let i = 0; i < o.size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.o.size;
  }

  /** Resolves when every worker has loaded the commands and opened the warehouse. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  private spawn(): Slot {
    const worker = new Worker(bootUrl, { workerData: { entry, dbPath: this.o.dbPath, config: this.o.config, cacheKib: this.o.cacheKib ?? WORKER_CACHE_KIB }, resourceLimits: this.o.resourceLimits ?? WORKER_LIMITS });
    let markReady!: () => void;
    const slot: Slot = { worker, ready: new Promise<void>((r) => (markReady = r)), job: null, probes: new Map(), dirty: false, idleSince: 0, trimTimer: null };
    worker.on('message', (m: JobDone | MemoryReport | TrimDone | { ready: true }) => {
      if ('ready' in m) return markReady();
      if ('trimmed' in m) {
        this.trims.count++;
        this.trims.ms += m.trimmed.ms;
        this.trims.heapFreedMb += Math.max(0, m.trimmed.heapBeforeMb - m.trimmed.heapAfterMb);
        return;
      }
      if ('memoryProbe' in m) {
        slot.probes.get(m.memoryProbe)?.(m.memory);
        return slot.probes.delete(m.memoryProbe);
      }
      for (const o of m.obs ?? []) record(o);
      const j = slot.job;
      slot.job = null;
      slot.dirty = true;
      slot.idleSince = performance.now();
      if (j && j.job.id === m.id) j.resolve(m);
      this.next(slot);
      this.idle(slot);
    });
    const fail = (err: Error) => {
      const j = slot.job;
      slot.job = null;
      markReady();
      if (j) j.reject(err);
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) {
        this.o.logger.error({ err }, 'command worker stopped; starting another');
        this.slots[i] = this.spawn();
        this.next(this.slots[i]);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`command worker exited with code ${code}`));
    });
    return slot;
  }

  /** Arms the worker's trim: when it fires, a worker still idle for TRIM_IDLE_MS since its last job trims. */
  private idle(slot: Slot): void {
    if (this.closed || !slot.dirty || this.o.trim === false || slot.trimTimer) return;
    const wait = slot.idleSince + (this.o.trimIdleMs ?? TRIM_IDLE_MS) - performance.now();
    slot.trimTimer = setTimeout(() => {
      slot.trimTimer = null;
      if (this.closed || !this.slots.includes(slot) || !slot.dirty) return;
      if (slot.job) return; // its job's end arms the trim again
      if (slot.idleSince + (this.o.trimIdleMs ?? TRIM_IDLE_MS) > performance.now()) return this.idle(slot); // a job came and went meanwhile
      slot.dirty = false;
      slot.worker.postMessage({ trim: true });
    }, Math.max(0, wait));
    slot.trimTimer.unref();
  }

  private next(slot: Slot): void {
    if (slot.job || this.closed) return;
    const w = this.waiting.shift() ?? this.upkeep.shift();
    if (!w) return;
    slot.job = w;
    slot.worker.postMessage(w.job);
  }

  run(job: Job): Promise<JobDone> {
    return this.enqueue(this.waiting, job);
  }

  /** Runs `job` when a worker is free and no question waits (questions queued later still go first). */
  background(job: Job): Promise<JobDone> {
    return this.enqueue(this.upkeep, job);
  }

  private enqueue(line: WorkerPool['waiting'], job: Job): Promise<JobDone> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<JobDone>((resolve, reject) => {
      line.push({ job, resolve, reject });
      const idle = this.slots.find((s) => !s.job);
      if (idle) this.next(idle);
    });
  }

  /**
   * Each worker's heap, as it answers between jobs (a worker busy with a long job answers when it is done;
   * after `waitMs` its entry is null).
   */
  memory(waitMs = 1000): Promise<(WorkerMemory | null)[]> {
    return Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<WorkerMemory | null>((resolve) => {
            const id = ++this.probeSeq;
            const t = setTimeout(() => {
              slot.probes.delete(id);
              resolve(null);
            }, waitMs);
            t.unref?.();
            slot.probes.set(id, (m) => {
              clearTimeout(t);
              resolve(m);
            });
            slot.worker.postMessage({ memoryProbe: id });
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) if (s.trimTimer) clearTimeout(s.trimTimer);
    for (const w of [...this.waiting.splice(0), ...this.upkeep.splice(0)]) w.reject(new Error('the worker pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
