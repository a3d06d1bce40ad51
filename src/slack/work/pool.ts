/**
 * A fixed pool of command worker threads (worker.ts), one job at a time each. The dispatcher (dispatch.ts)
 * decides what runs when; the pool only runs it. A worker that dies takes its job with it as an apology and
 * is replaced, so one bad command cannot take answering down.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Job, JobDone } from './wire.js';
import { record } from '../../metrics.js';

const bootUrl = new URL('../../warehouse/worker-boot.mjs', import.meta.url);
const entry = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job: { job: Job; resolve: (d: JobDone) => void; reject: (e: Error) => void } | null;
}

export interface PoolOptions {
  dbPath: string;
  config: Config;
  size: number;
  logger: Logger;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: { job: Job; resolve: (d: JobDone) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

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
    const worker = new Worker(bootUrl, { workerData: { entry, dbPath: this.o.dbPath, config: this.o.config } });
    let markReady!: () => void;
    const slot: Slot = { worker, ready: new Promise<void>((r) => (markReady = r)), job: null };
    worker.on('message', (m: JobDone | { ready: true }) => {
      if ('ready' in m) return markReady();
      for (const o of m.obs ?? []) record(o);
      const j = slot.job;
      slot.job = null;
      if (j && j.job.id === m.id) j.resolve(m);
      this.next(slot);
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

  private next(slot: Slot): void {
    if (slot.job || this.closed) return;
    const w = this.waiting.shift();
    if (!w) return;
    slot.job = w;
    slot.worker.postMessage(w.job);
  }

  run(job: Job): Promise<JobDone> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise<JobDone>((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      const idle = this.slots.find((s) => !s.job);
      if (idle) this.next(idle);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('the worker pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
