/**
 * node-cron drives the ticks (ALERTS_CRON in ALERTS_TZ, explicit time zone, no overlapping runs); a heartbeat
 * timer keeps the SQLite lease. Every instance schedules the cron, but only the lease holder evaluates: a second
 * instance stays passive, renewing nothing, and takes over at the first heartbeat or tick after the lease expires.
 *
 * The heartbeat also runs a watchdog: node-cron 4.6 skips the first pass of the repeated hour when daylight saving
 * ends (an every-15-minutes schedule in Europe/London loses 00:00–00:45Z on the last Sunday of October — see
 * tests/alerts.scheduler.test.ts), and a blocked event loop can make it miss a run. The watchdog checks each whole
 * minute that has passed against the pattern (node-cron's own `match`, which converts instants correctly) and runs
 * any tick that did not happen. One tick per minute at most, never overlapping.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../warehouse/db.js';
import { sqliteLease, type LeaseKeeper } from './lease.js';

export interface SchedulerOptions {
  db: Db;
  /** Who holds the evaluator lease (default: the row in `db`; on a shared Postgres the fenced row). */
  lease?: LeaseKeeper;
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
  private lastTickMinute = -Infinity;
  private lastScan = 0;
  private running = false;
  /** When this instance last became the evaluator: the watchdog never catches up minutes before that. */
  private leaderSince = Infinity;
  readonly ticks: Date[] = [];
  /** Minutes the watchdog had to run because the cron did not (ISO). */
  readonly caughtUp: string[] = [];
  private readonly lease: LeaseKeeper;

  constructor(private readonly o: SchedulerOptions) {
    this.lease = o.lease ?? sqliteLease(o.db);
    if (!cron.validate(o.cron)) throw new Error(`ALERTS_CRON="${o.cron}" is not a cron expression (example: ALERTS_CRON="*/15 * * * *")`);
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.task) return;
    this.task = cron.schedule(this.o.cron, () => this.runTick(), { timezone: this.o.timezone, name: `radar-alerts-${this.o.holderId}`, noOverlap: true });
    this.lastScan = this.o.clock();
    this.timer = setInterval(() => void this.heartbeat().then(() => this.watchdog()), this.o.heartbeatMs ?? 20_000);
    this.timer.unref?.();
    void this.heartbeat();
  }

  /** Runs ticks the cron should have run in whole minutes up to 30 s ago (scans at most the last 2 hours). */
  async watchdog(): Promise<void> {
    if (!this.task) return;
    const upTo = this.o.clock() - 30_000;
    const first = Math.max(Math.floor(this.lastScan / 60_000) * 60_000, Math.floor((upTo - 7_200_000) / 60_000) * 60_000);
    for (let m = first; m <= upTo; m += 60_000) {
      if (m <= this.lastTickMinute || m < this.leaderSince || !this.task.match(new Date(m))) continue;
      if (this.running) break;
      this.o.log?.warn({ minute: new Date(m).toISOString() }, 'alerts: the cron missed a run; running it now');
      if (await this.runTick(m)) this.caughtUp.push(new Date(m).toISOString());
    }
    this.lastScan = Math.max(this.lastScan, upTo);
  }

  /** Renews (or tries to take) the lease. */
  async heartbeat(): Promise<boolean> {
    let held: boolean;
    try {
      held = await this.lease.acquire(this.o.holderId, this.o.clock(), this.o.leaseTtlMs ?? 90_000);
    } catch (err) {
      this.o.log?.warn({ err: String(err) }, 'alerts: lease heartbeat failed');
      held = false;
    }
    if (held && !this.leader) {
      this.leader = true;
      this.leaderSince = this.o.clock();
      this.o.log?.info({ holder: this.o.holderId }, 'alerts: this instance is now the evaluator');
      if (this.o.onLeader) {
        this.leaderWork = this.o.onLeader().catch((err) => this.o.log?.error({ err }, 'alerts: reconciliation failed'));
        await this.leaderWork;
      }
    } else if (!held && this.leader) {
      this.leader = false;
      this.leaderSince = Infinity;
      this.o.log?.warn({ holder: this.o.holderId }, 'alerts: lost the evaluator lease; standing by');
    }
    return held;
  }

  /**
   * One tick: evaluate if (and only if) this instance holds the lease, at most once per scheduled minute and never
   * while another tick runs. Returns whether it evaluated.
   */
  async runTick(scheduledMinute?: number): Promise<boolean> {
    const minute = scheduledMinute ?? Math.floor(this.o.clock() / 60_000) * 60_000;
    if (minute <= this.lastTickMinute || this.running) return false;
    if (!(await this.heartbeat())) return false;
    this.lastTickMinute = minute;
    this.running = true;
    const now = new Date(this.o.clock());
    this.ticks.push(now);
    try {
      await this.o.onTick(now);
    } catch (err) {
      this.o.log?.error({ err }, 'alerts: tick failed');
    } finally {
      this.running = false;
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
        await this.lease.release(this.o.holderId);
      } catch {
        /* the database may already be closed */
      }
    }
    this.leader = false;
    this.leaderSince = Infinity;
  }

  /** node-cron's next planned run (for status displays). */
  nextRun(): Date | null {
    return this.task?.getNextRun() ?? null;
  }
}
