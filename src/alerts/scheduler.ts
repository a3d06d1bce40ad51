/**
 * node-cron drives the ticks (ALERTS_CRON in ALERTS_TZ, explicit time zone, no overlapping runs); a heartbeat
 * timer keeps the SQLite lease. Every instance schedules the cron, but only the lease holder evaluates: a second
 * instance stays passive, renewing nothing, and takes over at the first heartbeat or tick after the lease expires.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../warehouse/db.js';
import { EVALUATOR_LEASE, release, tryAcquire } from './lease.js';

export interface SchedulerOptions {
  db: Db;
  cron: string;
  timezone: string;
  /** Unique per process (host:pid:random). */
  holderId: string;
  clock: () => number;
  /** The work of one tick (evaluate, digests, drain). Runs only on the lease holder. */
  onTick: (now: Date) => Promise<unknown>;
  /** Called once when this instance becomes the evaluator (reconcile open intents there). */
  onLeader?: () => Promise<unknown>;
  /** Lease lifetime (default 90 s) and heartbeat period (default 20 s). */
  leaseTtlMs?: number;
  heartbeatMs?: number;
  log?: { info: (o: object, m?: string) => void; warn: (o: object, m?: string) => void; error: (o: object, m?: string) => void };
}

export class AlertScheduler {
  private task: ScheduledTask | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private leader = false;
  private leaderWork: Promise<unknown> | null = null;
  readonly ticks: Date[] = [];

  constructor(private readonly o: SchedulerOptions) {
    if (!cron.validate(o.cron)) throw new Error(`ALERTS_CRON="${o.cron}" is not a cron expression (example: ALERTS_CRON="*/15 * * * *")`);
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.task) return;
    this.task = cron.schedule(this.o.cron, () => this.runTick(), { timezone: this.o.timezone, name: `radar-alerts-${this.o.holderId}`, noOverlap: true });
    this.timer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs ?? 20_000);
    this.timer.unref?.();
    void this.heartbeat();
  }

  /** Renews (or tries to take) the lease. */
  async heartbeat(): Promise<boolean> {
    let held: boolean;
    try {
      held = tryAcquire(this.o.db, EVALUATOR_LEASE, this.o.holderId, this.o.clock(), this.o.leaseTtlMs ?? 90_000);
    } catch (err) {
      this.o.log?.warn({ err: String(err) }, 'alerts: lease heartbeat failed');
      held = false;
    }
    if (held && !this.leader) {
      this.leader = true;
      this.o.log?.info({ holder: this.o.holderId }, 'alerts: this instance is now the evaluator');
      if (this.o.onLeader) {
        this.leaderWork = this.o.onLeader().catch((err) => this.o.log?.error({ err }, 'alerts: reconciliation failed'));
        await this.leaderWork;
      }
    } else if (!held && this.leader) {
      this.leader = false;
      this.o.log?.warn({ holder: this.o.holderId }, 'alerts: lost the evaluator lease; standing by');
    }
    return held;
  }

  /** One cron tick: evaluate if (and only if) this instance holds the lease. Returns whether it evaluated. */
  async runTick(): Promise<boolean> {
    if (!(await this.heartbeat())) return false;
    const now = new Date(this.o.clock());
    this.ticks.push(now);
    try {
      await this.o.onTick(now);
    } catch (err) {
      this.o.log?.error({ err }, 'alerts: tick failed');
    }
    return true;
  }

  /** Stops the cron and heartbeat. `releaseLease` (default true) hands over at once; false simulates a crash. */
  async stop(releaseLease = true): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.task) {
      await this.task.stop();
      await this.task.destroy();
    }
    this.task = null;
    if (releaseLease && this.leader) {
      try {
        release(this.o.db, EVALUATOR_LEASE, this.o.holderId);
      } catch {
        /* the database may already be closed */
      }
    }
    this.leader = false;
  }

  /** node-cron's next planned run (for status displays). */
  nextRun(): Date | null {
    return this.task?.getNextRun() ?? null;
  }
}
