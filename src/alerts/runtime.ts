/**
 * The alerting process: evaluator + digests + poster behind the scheduler's lease. The Slack side
 * (src/slack/alerts/index.ts) builds one with a fan-out WebClient transport and the Block Kit renderer.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from '../warehouse/db.js';
import type { Config } from '../config.js';
import type { Engines } from './engines.js';
import { parseBusinessHoursConfig } from '../businessHours.js';
import { evaluate, type TickReport } from './evaluator.js';
import { queueDueDigests } from './digest.js';
import { newCache, type EvaluatorCache } from './providers.js';
import { Poster, type DrainReport, type PosterOptions } from './poster.js';
import { AlertScheduler } from './scheduler.js';
import type { RadarMetrics } from '../metrics.js';
import type { PgPool } from '../warehouse/pg/db.js';
import { pgIntentStore, pgLease } from './shared.js';

export interface RuntimeOptions {
  db: Db;
  /**
   * A Postgres shared by several `radar serve` processes: the evaluator lease is its fenced row and the intent
   * log lives there (every poster write fenced), so exactly one instance evaluates and an alert posts once.
   */
  shared?: PgPool;
  config: Pick<Config, 'ALERTS_CRON' | 'ALERTS_TZ' | 'RADAR_TZ'> & Partial<Pick<Config, 'RADAR_BUSINESS_HOURS'>>;
  engines: Engines;
  /** Without a poster (no Slack token) the states are still tracked and intents queue up. */
  poster?: Omit<PosterOptions, 'db' | 'clock' | 'sleep' | 'log'> | null;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  holderId?: string;
  leaseTtlMs?: number;
  heartbeatMs?: number;
  log?: PosterOptions['log'];
  /** Tick counts and posts for /metrics, and the last tick for /healthz. */
  metrics?: Pick<RadarMetrics, 'alertTick'>;
}

export interface TickSummary {
  evaluation: TickReport;
  digests: { channel: string; date: string }[];
  drain: DrainReport | null;
}

export class AlertRuntime {
  readonly cache: EvaluatorCache = newCache();
  readonly poster: Poster | null;
  readonly scheduler: AlertScheduler;
  private readonly clock: () => number;
  /** Parsed once (config validation already rejected a bad value). */
  private readonly businessHours: ReturnType<typeof parseBusinessHoursConfig>;

  constructor(private readonly o: RuntimeOptions) {
    this.clock = o.clock ?? Date.now;
    this.businessHours = parseBusinessHoursConfig(o.config.RADAR_BUSINESS_HOURS);
    const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const lease = o.shared ? pgLease(o.shared, this.clock) : undefined;
    const intents = o.shared && lease ? pgIntentStore(o.shared, lease) : undefined; // the intent log beside the lease
    this.poster = o.poster ? new Poster({ ...o.poster, db: o.db, intents, clock: this.clock, sleep, log: o.log }) : null;
    this.scheduler = new AlertScheduler({
      db: o.db,
      lease,
      cron: o.config.ALERTS_CRON,
      timezone: o.config.ALERTS_TZ,
      holderId: o.holderId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      clock: this.clock,
      leaseTtlMs: o.leaseTtlMs,
      heartbeatMs: o.heartbeatMs,
      log: o.log,
      onTick: (now) => this.tick(now),
      onLeader: () => this.recover(),
    });
  }

  /** One tick at `now`: evaluate every rule, queue due digests, send what is pending. */
  async tick(now: Date = new Date(this.clock())): Promise<TickSummary> {
    let evaluation: TickReport;
    try {
      evaluation = evaluate(this.o.db, { now, engines: this.o.engines, defaultTz: this.o.config.RADAR_TZ, cache: this.cache, businessHours: this.businessHours });
    } catch (err) {
      this.o.metrics?.alertTick(now, { ok: false });
      throw err;
    }
    let digests: TickSummary['digests'] = [];
    try {
      digests = queueDueDigests(this.o.db, now, { engines: this.o.engines, defaultTz: this.o.config.RADAR_TZ, cache: this.cache });
    } catch (err) {
      this.o.log?.error({ err }, 'alerts: digest failed');
    }
    const drain = this.poster ? await this.poster.drain() : null;
    this.o.metrics?.alertTick(now, { ok: true, evaluated: evaluation.scopes, posted: drain?.posted, failed: drain?.failed });
    if (evaluation.effects.length || digests.length) this.o.log?.info({ effects: evaluation.effects.length, intents: evaluation.intents, digests: digests.length, ms: Math.round(evaluation.ms) }, 'alerts: tick');
    return { evaluation, digests, drain };
  }

  /** After a restart or takeover: reconcile every open intent against Slack history, then send the rest. */
  async recover(): Promise<DrainReport | null> {
    return this.poster ? this.poster.drain({ reconcileAll: true }) : null;
  }

  start(): void {
    this.scheduler.start();
  }

  stop(releaseLease = true): Promise<void> {
    return this.scheduler.stop(releaseLease);
  }
}
