/**
 * Calibration upkeep for `radar serve`: questions run on read-only worker connections, which cannot store the
 * queue-model fit they need, so a `why` or past-day `whatif` would fit it (~0.3 s, each queue it looks at) on
 * every worker that is asked. The warmer keeps the recent days' fits stored instead: at start-up and whenever a
 * new load appears (checked every minute), it asks the workers — only when no question waits — to fit and store
 * every (queue, day) of the last four weeks and tomorrow (commands/queueModel.ts recentCalibrationDays). A fit
 * already stored with the same data costs one read; a changed day refits (the stored fit's fingerprint).
 */
import type { Logger } from 'pino';
import type { Db } from '../../warehouse/db.js';
import { recentCalibrationDays } from '../../../commands/queueModel.js';
import type { WorkerPool } from './pool.js';

export interface WarmStats {
  /** (queue, day) fits checked or stored in the current pass, of how many. */
  done: number;
  total: number;
  /** Fits that could not be made (too little history), this pass. */
  unfitted: number;
  /** When the current pass finished (ISO), or null while it runs / before the first. */
  finishedAt: string | null;
}

export const WARM_CHECK_MS = 60_000;

export class CalibrationWarmer {
  private version: string | null = null;
  private queue: { queue: string; day: string }[] = [];
  private stats_: WarmStats = { done: 0, total: 0, unfitted: 0, finishedAt: null };
  private running = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private passDone: Promise<void> = Promise.resolve();
  private endPass: () => void = () => undefined;

  /** `days`: how far back to keep fits stored (default STORED_CALIBRATION_DAYS). */
  constructor(private readonly o: { db: Db; pool: WorkerPool; logger: Logger; now: () => Date; days?: number }) {}

  /** Resolves when the current pass (if any) is done. */
  whenDone(): Promise<void> {
    return this.passDone;
  }

  get stats(): WarmStats {
    return { ...this.stats_ };
  }

  /** Starts a pass when the latest load changed since the last one (or at the first call). */
  check(): void {
    let plan: ReturnType<typeof recentCalibrationDays>;
    try {
      plan = recentCalibrationDays(this.o.db, this.o.days);
    } catch (err) {
      this.o.logger.warn({ err }, 'calibration upkeep: could not list the recent days');
      return;
    }
    if (this.stopped || plan.version === this.version) return;
    this.version = plan.version;
    this.queue = plan.wanted;
    this.stats_ = { done: 0, total: plan.wanted.length, unfitted: 0, finishedAt: null };
    if (!this.running) this.passDone = new Promise<void>((r) => (this.endPass = r));
    for (let i = this.running; i < this.o.pool.size; i++) void this.pump();
  }

  /** Checks now and every `everyMs` (unref'd: it never keeps the process up). */
  start(everyMs = WARM_CHECK_MS): void {
    this.check();
    this.timer = setInterval(() => this.check(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopped = true;
    this.queue = [];
  }

  /** One lane: fits one (queue, day) at a time, each as low-priority work, until the pass is done. */
  private async pump(): Promise<void> {
    this.running++;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const done = await this.o.pool.background({ id: -++this.seq, line: '', calibrate: next, nowMs: this.o.now().getTime() });
        this.stats_.done++;
        const r = done.exec.ok ? (done.exec.result as { error?: string }) : { error: done.exec.message };
        if (r.error) this.stats_.unfitted++;
      }
    } catch (err) {
      if (!this.stopped) this.o.logger.warn({ err }, 'calibration upkeep stopped');
    } finally {
      this.running--;
      if (!this.running && !this.queue.length) {
        if (this.stats_.finishedAt === null) this.stats_.finishedAt = this.o.now().toISOString();
        this.endPass();
      }
    }
  }
}
