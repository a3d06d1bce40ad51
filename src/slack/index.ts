/**
 * The Slack surface's public entry: `serve()` for `radar serve` / `npm start`, and `createSlackApp()` for
 * tests and embedding. Everything else under src/slack is internal.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger } from '../logger.js';
import { webApi, type App } from '@slack/bolt';
import { openWarehouse } from '../warehouse/db.js';
import type { Config } from '../config.js';
import type { Registry } from '../registry.js';
import { buildApp } from './app.js';
import { slackSettings, formatProblems, type SlackSettings } from './startup.js';
import { boltLogger } from './logger.js';
import type { SlackDeps, AnswerQuestion } from './deps.js';
import { registerAlertListeners, type AlertSlackOptions } from './alerts/index.js';
import { executeHere } from './answer.js';
import { createDispatcher, poolExecutor, ReceiverTrimmer, serverMemory, WorkerPool, type Dispatcher } from './work/index.js';
import { RadarMetrics } from '../metrics.js';
import { useSlackMetrics, warehouseBytes } from './observe.js';
import { Outbox } from './outbox.js';
import { CalibrationWarmer } from './work/warm.js';

export type { SlackDeps, AnswerQuestion, QuestionAnswer, ThreadRef } from './deps.js';
export type { SlackSettings } from './startup.js';
export { slackSettings, formatProblems } from './startup.js';
export { health, type Health } from './observe.js';

export interface CreateOptions {
  /** Defaults to the settings derived from deps.config (throws a ConfigError-like Error listing problems). */
  settings?: SlackSettings;
  /** Skip auth.test when the ids are known (tests may give them). */
  botId?: string;
  botUserId?: string;
  clientOptions?: webApi.WebClientOptions;
  /** Alert buttons and modals are always registered; the scheduler only when `scheduler: true` (serve). */
  alerts?: AlertSlackOptions;
  /** Run command lines on these worker threads (serve); without it they run on this thread (tests). */
  pool?: WorkerPool;
}

export interface SlackApp {
  app: App;
  settings: SlackSettings;
  botUserId: string;
  /** Starts the receiver. HTTP: listens on host:port (port 0 = any free port) and returns the bound port. */
  start(o?: { port?: number; host?: string }): Promise<{ port?: number }>;
  stop(): Promise<void>;
  /** Resolves when every request received so far has been fully handled (answers posted, charts uploaded). */
  idle(): Promise<void>;
  /** The queue command lines go through (stats: running, queued, busy notes, shared answers). */
  dispatcher: Dispatcher | undefined;
  /** Answers waiting for Slack to recover; `outbox.drain()` is the tick serve() runs (tests call it directly). */
  outbox: Outbox;
  /** Calibration upkeep on the worker pool (work/warm.ts), when there is a pool; serve() starts it after listening. */
  warmer: CalibrationWarmer | undefined;
}

export class SlackStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackStartupError';
  }
}

/** auth.test with the bot token: checks it before we listen, and learns the bot's ids. */
export async function whoAmI(settings: SlackSettings, deps: SlackDeps, clientOptions: webApi.WebClientOptions = {}): Promise<{ botId: string; botUserId: string; team?: string }> {
  const client = new webApi.WebClient(settings.botToken, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    logger: boltLogger(deps.logger),
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 },
    ...clientOptions,
  });
  try {
    const r = await client.auth.test();
    return { botId: String(r.bot_id ?? ''), botUserId: String(r.user_id ?? ''), team: r.team };
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code) throw new SlackStartupError(`Slack rejected SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) again from "OAuth & Permissions", and reinstall the app if you changed its scopes.`);
    throw new SlackStartupError(`Could not reach Slack's Web API at ${settings.apiUrl ?? 'https://slack.com/api/'}: ${(err as Error).message}`);
  }
}

export async function createSlackApp(deps: SlackDeps, o: CreateOptions = {}): Promise<SlackApp> {
  let settings = o.settings;
  if (!settings) {
    const r = slackSettings(deps.config);
    if (!r.ok) throw new SlackStartupError(formatProblems(r.problems));
    settings = r.settings;
  }
  const metrics = (deps.metrics ??= new RadarMetrics());
  useSlackMetrics(metrics);
  const ids = o.botId && o.botUserId ? { botId: o.botId, botUserId: o.botUserId } : await whoAmI(settings, deps, o.clientOptions);
  let dispatcher: Dispatcher | undefined;
  // Giving memory back when the load drops (work/trim.ts): the workers trim themselves through the pool; the
  // receiver thread trims when its dispatcher has been quiet a moment. Only a server with a pool (serve, the
  // bench): an in-process executor shares its thread with whatever embeds it.
  const inflight = new Set<Promise<unknown>>();
  const trimmer = o.pool ? new ReceiverTrimmer({ dispatcher: () => dispatcher, db: deps.db, now: deps.now, delivering: () => inflight.size > 0 }) : undefined;
  if (!deps.work) {
    const c = deps.config;
    dispatcher = createDispatcher({
      db: deps.db,
      registry: () => deps.registry,
      executor: o.pool ? poolExecutor(o.pool, deps.registry) : (r) => executeHere(deps, r.line, r, r.now, r.parsed, r.requestId),
      concurrency: o.pool ? o.pool.size : 4,
      maxQueued: c.RADAR_QUEUE_MAX,
      maxPerUser: c.RADAR_QUEUE_PER_USER,
      onIdle: trimmer && (() => trimmer.idle()),
    });
    deps.work = dispatcher;
  }
  if (dispatcher) metrics.watchWork(() => dispatcher!.stats);
  deps.memory ??= () => serverMemory(o.pool, trimmer?.stats);
  metrics.watchWarehouse(() => warehouseBytes(deps.db));
  const scheduler = o.alerts?.scheduler ?? false;
  // Answer posts and the outbox send with a client of their own: no retries inside it (`deliver` and the outbox
  // tick are the retry, so a failing post is not retried 3 × 8 times) and 429s returned with their Retry-After
  // instead of waited out inside the SDK. The app's client keeps its retries for everything else (views, joins).
  const deliveryClient = new webApi.WebClient(settings.botToken, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    logger: boltLogger(deps.logger),
    ...o.clientOptions,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  deps.deliveryClient ??= deliveryClient;
  const outbox = new Outbox({ db: deps.db, shared: deps.shared, client: deliveryClient, now: deps.now, logger: deps.logger });
  metrics.watchOutbox(() => outbox.stats().pending);
  // Keeps the recent days' queue-model fits stored, so questions on read-only workers read them (serve() starts it).
  const warmer = o.pool ? new CalibrationWarmer({ db: deps.db, pool: o.pool, logger: deps.logger, now: deps.now }) : undefined;
  const app = buildApp(deps, { settings, botId: ids.botId, botUserId: ids.botUserId, clientOptions: o.clientOptions, scheduler, outbox: () => outbox.stats(), calibrations: warmer && (() => warmer.stats) });
  registerAlertListeners(app, deps, { scheduler: false, ...o.alerts });

  // Track every request from the moment the receiver hands it over, so idle() (tests, graceful shutdown)
  // knows when all answers are out — no sleeps, no polling.
  const dispatch = app.processEvent.bind(app);
  app.processEvent = (event) => {
    const p = dispatch(event);
    inflight.add(p);
    p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    return p;
  };
  let server: Server | undefined;
  const s = settings;
  return {
    app,
    settings: s,
    botUserId: ids.botUserId,
    dispatcher,
    outbox,
    warmer,
    async start(opts = {}) {
      if (s.mode === 'socket') {
        await app.start();
        return {};
      }
      server = (await app.start({ port: opts.port ?? s.port, host: opts.host })) as Server;
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      trimmer?.stop();
      server?.closeAllConnections?.();
      await app.stop();
    },
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

/** The LLM router (rules + narrator when no LLM is configured), if this build has it. */
async function defaultAnswerer(registry: Registry, logger: SlackDeps['logger']): Promise<AnswerQuestion | undefined> {
  try {
    const { llmAnswerer } = await import('./nl.js');
    return llmAnswerer(registry);
  } catch (err) {
    logger.warn({ err }, 'natural-language answers unavailable: mentions and DMs take command lines only');
    return undefined;
  }
}

/** The default answerer, imported on first use (or by `load()` once the server listens). */
function lazyAnswerer(registry: Registry, logger: SlackDeps['logger']): { answer: AnswerQuestion; load: () => void } {
  let loading: Promise<AnswerQuestion | undefined> | undefined;
  const load = () => (loading ??= defaultAnswerer(registry, logger));
  return {
    load: () => void load(),
    answer: async (question, ctx, thread, run) => {
      const a = await load();
      if (!a) throw new Error('natural-language answers are unavailable in this build');
      return a(question, ctx, thread, run);
    },
  };
}

export interface ServeOptions {
  dbPath: string;
  config: Config;
  registry: Registry;
  /** The natural-language answerer; default: src/llm's router (see nl.ts). */
  answerQuestion?: AnswerQuestion;
  /** Resolves to stop the server (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

/** How often serve() sends what waits in the outbox. */
export const OUTBOX_TICK_MS = 5_000;

/** `radar serve`: validate config, check the token, open the warehouse, listen; returns the exit code. */
export async function serve(o: ServeOptions): Promise<number> {
  const r = slackSettings(o.config);
  if (!r.ok) {
    process.stderr.write(formatProblems(r.problems) + '\n');
    return 2;
  }
  const logger = createLogger(o.config.LOG_LEVEL);
  const db = openWarehouse(o.dbPath);
  // Commands run on worker threads, each with its own read-only connection: the receiver only acks and delivers.
  const pool = o.dbPath === ':memory:' ? undefined : new WorkerPool({ dbPath: o.dbPath, config: o.config, size: o.config.RADAR_WORKERS, logger });
  // The LLM stack loads after the server listens (it costs a second or more of start-up): see below.
  const nl = o.answerQuestion ? null : lazyAnswerer(o.registry, logger);
  // This process's metrics take the engine and LLM timings of every thread (workers ship theirs with each job).
  const metrics = new RadarMetrics().adopt();
  const deps: SlackDeps = { db, config: o.config, registry: o.registry, now: () => new Date(), logger, answerQuestion: o.answerQuestion ?? nl!.answer, metrics };
  let slack: SlackApp;
  try {
    // Exactly one process evaluates alerts: the scheduler takes a lease in SQLite; others stay passive.
    slack = await createSlackApp(deps, { settings: r.settings, alerts: { scheduler: true }, pool });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    await pool?.close();
    db.close();
    return err instanceof SlackStartupError ? 2 : 1;
  }
  try {
    const { port } = await slack.start();
    logger.info(
      r.settings.mode === 'socket' ? { mode: 'socket', healthz: `http://localhost:${r.settings.port}/healthz` } : { mode: 'http', port, events: '/slack/events', healthz: '/healthz' },
      r.settings.mode === 'socket' ? 'SLA Radar is connected to Slack (Socket Mode)' : `SLA Radar is listening for Slack on port ${port}`,
    );
  } catch (err) {
    process.stderr.write(`Could not start the Slack app: ${(err as Error).message}\n`);
    await pool?.close();
    db.close();
    return 1;
  }
  // Answers that waited in the outbox (a Slack outage, a restart) go out now, then on every tick.
  const drain = () => slack.outbox.drain().catch((err: unknown) => logger.error({ err }, 'outbox tick failed'));
  void drain();
  const tick = setInterval(drain, OUTBOX_TICK_MS);
  tick.unref();
  slack.warmer?.start();
  // /healthz answers from here on. Load the natural-language stack and warm the chart renderer in the
  // background so the first question and the first chart are as quick as the rest.
  nl?.load();
  void import('../charts/index.js')
    .then(async (c) => {
      const w = c.fontWarning();
      if (w) logger.warn(w);
      await c.warmCharts();
    })
    .catch((err) => logger.warn({ err }, 'chart renderer unavailable; answers will carry sparklines only'));
  await (o.until ?? new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  }));
  logger.info('stopping: finishing answers in flight');
  clearInterval(tick);
  slack.warmer?.stop();
  await slack.idle();
  await slack.outbox.drain().catch(() => undefined);
  await slack.stop().catch(() => undefined);
  await pool?.close();
  db.close();
  return 0;
}
