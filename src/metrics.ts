/**
 * The bot's own metrics (Prometheus text at GET /metrics): commands by name and outcome, latency histograms per
 * command and per engine / LLM / Slack call, Slack errors and rate-limit pauses, the worker pool's queue, alert
 * evaluations and posts, warehouse size, and prom-client's default process metrics.
 *
 * Two ways in, both one line at the call site:
 *  - `RadarMetrics` methods, for code holding the server's instance (the Slack app, the alert runtime);
 *  - `timed(kind, name, fn)` / `record(…)`, for code that holds nothing (engine calls inside commands, which run
 *    on worker threads). These go to the process's current sink: the serving RadarMetrics on the main thread
 *    (`adopt()`), a small buffer on a worker thread, drained into each job's result (`takeObservations()`)
 *    and replayed by the main thread (`replay()`), so /metrics sees engine time wherever it was spent.
 */
import client from 'prom-client';

export type CallKind = 'engine' | 'llm' | 'slack' | 'warehouse';

export interface Observation {
  kind: CallKind;
  name: string;
  seconds: number;
  ok: boolean;
}

// ---------- the process-wide sink (see above) ----------

const BUFFER_MAX = 2000;
let buffer: Observation[] = [];
let sink: ((o: Observation) => void) | null = null;

/** Records one timed call (seconds) into the current sink. Never throws. */
export function record(o: Observation): void {
  try {
    if (sink) sink(o);
    else if (buffer.length < BUFFER_MAX) buffer.push(o);
  } catch {
    /* metrics never break an answer */
  }
}

/** Times `fn` (sync or async) as one call of `kind`/`name`; returns what it returns, rethrows what it throws. */
export function timed<T>(kind: CallKind, name: string, fn: () => T): T {
  const t0 = performance.now();
  const done = (ok: boolean) => record({ kind, name, seconds: (performance.now() - t0) / 1000, ok });
  let out: T;
  try {
    out = fn();
  } catch (err) {
    done(false);
    throw err;
  }
  if (out instanceof Promise) {
    return out.then(
      (v) => {
        done(true);
        return v;
      },
      (err: unknown) => {
        done(false);
        throw err;
      },
    ) as T;
  }
  done(true);
  return out;
}

/** The observations buffered on this thread since the last call (a worker ships them with each job). */
export function takeObservations(): Observation[] {
  const out = buffer;
  buffer = [];
  return out;
}

// ---------- the registry ----------

export type CommandOutcome = 'ok' | 'usage' | 'internal' | 'busy';

export interface WorkStats {
  running: number;
  queued: number;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class RadarMetrics {
  readonly registry = new client.Registry();
  private readonly commands = new client.Counter({ name: 'radar_commands_total', help: 'Command lines answered, by command and outcome (ok, usage, internal, busy)', labelNames: ['command', 'outcome'] as const, registers: [this.registry] });
  private readonly commandSeconds = new client.Histogram({ name: 'radar_command_duration_seconds', help: 'Time to answer a command line (queue wait included), by command', labelNames: ['command'] as const, buckets: SECONDS, registers: [this.registry] });
  private readonly callSeconds = new client.Histogram({ name: 'radar_call_duration_seconds', help: 'Time of one engine, LLM, Slack Web API or warehouse call, by kind, name and outcome', labelNames: ['kind', 'name', 'outcome'] as const, buckets: SECONDS, registers: [this.registry] });
  private readonly slackErrors = new client.Counter({ name: 'radar_slack_errors_total', help: 'Slack Web API calls that failed, by method and error code', labelNames: ['method', 'error'] as const, registers: [this.registry] });
  private readonly slackRateLimited = new client.Counter({ name: 'radar_slack_rate_limited_total', help: 'Slack 429 answers (the client pauses for Retry-After)', labelNames: ['method'] as const, registers: [this.registry] });
  private readonly slackPauseSeconds = new client.Counter({ name: 'radar_slack_rate_limit_pause_seconds_total', help: 'Seconds of Retry-After pauses Slack asked for', registers: [this.registry] });
  private readonly alertEvaluations = new client.Counter({ name: 'radar_alert_evaluations_total', help: 'Alert ticks evaluated, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  private readonly alertRules = new client.Counter({ name: 'radar_alert_rule_evaluations_total', help: 'Rule × scope evaluations done by alert ticks', registers: [this.registry] });
  private readonly alertPosts = new client.Counter({ name: 'radar_alert_posts_total', help: 'Alert messages sent to Slack, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  private readonly lastTick = new client.Gauge({ name: 'radar_alert_last_tick_timestamp_seconds', help: 'When the alert scheduler last evaluated (Unix seconds; 0 = never in this process)', registers: [this.registry] });
  private lastTickMs: number | null = null;
  private workSource: (() => WorkStats) | null = null;
  private warehouseSource: (() => number) | null = null;
  private outboxSource: (() => number) | null = null;
  private slackState: { ok: number | null; error: number | null; lastError: string | null } = { ok: null, error: null, lastError: null };

  constructor(o: { defaultMetrics?: boolean } = {}) {
    if (o.defaultMetrics ?? true) client.collectDefaultMetrics({ register: this.registry });
    // Sources are read at scrape time, so the figures are current and nothing polls.
    const self = this;
    new client.Gauge({ name: 'radar_work_queue_depth', help: 'Questions waiting for a command worker', registers: [this.registry], collect() { this.set(self.workSource?.().queued ?? 0); } });
    new client.Gauge({ name: 'radar_work_running', help: 'Questions running on command workers', registers: [this.registry], collect() { this.set(self.workSource?.().running ?? 0); } });
    new client.Gauge({
      name: 'radar_slack_outbox_depth', help: 'Answers waiting in the outbox for Slack to recover', registers: [this.registry],
      collect() {
        try {
          this.set(self.outboxSource?.() ?? 0);
        } catch {
          this.set(0);
        }
      },
    });
    new client.Gauge({
      name: 'radar_warehouse_bytes', help: 'Size of the SQLite warehouse (pages in use × page size)', registers: [this.registry],
      collect() {
        try {
          this.set(self.warehouseSource?.() ?? 0);
        } catch {
          this.set(0);
        }
      },
    });
  }

  /** Makes this instance the process's sink for `timed()` / `record()` (the serving process). */
  adopt(): this {
    sink = (o) => this.observe(o);
    for (const o of takeObservations()) this.observe(o);
    return this;
  }

  observe(o: Observation): void {
    this.callSeconds.observe({ kind: o.kind, name: o.name, outcome: o.ok ? 'ok' : 'error' }, o.seconds);
  }

  /** Observations made on a worker thread, shipped with its job. */
  replay(list: readonly Observation[] | undefined): void {
    for (const o of list ?? []) this.observe(o);
  }

  command(name: string, outcome: CommandOutcome, seconds: number): void {
    this.commands.inc({ command: name, outcome });
    this.commandSeconds.observe({ command: name }, seconds);
  }

  slackCall(method: string, seconds: number, error: string | null, now = Date.now()): void {
    this.observe({ kind: 'slack', name: method, seconds, ok: error === null });
    if (error === null) this.slackState.ok = now;
    else {
      this.slackErrors.inc({ method, error });
      this.slackState.error = now;
      this.slackState.lastError = `${method}: ${error}`;
    }
  }

  slackRateLimit(method: string, retryAfterSeconds: number): void {
    this.slackRateLimited.inc({ method });
    if (Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) this.slackPauseSeconds.inc(retryAfterSeconds);
  }

  /** One alert tick: rules × scopes evaluated, messages posted / failed, or the tick failed. */
  alertTick(now: Date, o: { ok: boolean; evaluated?: number; posted?: number; failed?: number }): void {
    this.alertEvaluations.inc({ outcome: o.ok ? 'ok' : 'error' });
    if (o.evaluated) this.alertRules.inc(o.evaluated);
    if (o.posted) this.alertPosts.inc({ outcome: 'posted' }, o.posted);
    if (o.failed) this.alertPosts.inc({ outcome: 'failed' }, o.failed);
    this.lastTickMs = now.getTime();
    this.lastTick.set(this.lastTickMs / 1000);
  }

  watchWork(source: () => WorkStats): void {
    this.workSource = source;
  }

  watchOutbox(source: () => number): void {
    this.outboxSource = source;
  }

  watchWarehouse(source: () => number): void {
    this.warehouseSource = source;
  }

  /** What /healthz reports about alerts and Slack from this process's own experience. */
  health(): { lastAlertTickMs: number | null; slack: { lastOkMs: number | null; lastErrorMs: number | null; lastError: string | null } } {
    return { lastAlertTickMs: this.lastTickMs, slack: { lastOkMs: this.slackState.ok, lastErrorMs: this.slackState.error, lastError: this.slackState.lastError } };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
