/**
 * Alerting in the Slack app, in one call: `registerAlertListeners(app, deps)` registers the alert buttons and
 * modals and, when the app starts (`app.start`), starts the alert scheduler with its own fan-out WebClient;
 * `app.stop` stops it and hands the evaluator lease over. Pass `{ scheduler: false }` to register listeners only
 * (tests, or a process that must never evaluate).
 */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { AlertRuntime } from '../../alerts/runtime.js';
import { loadEngines, type Engines } from '../../alerts/engines.js';
import type { SlackTransport } from '../../alerts/poster.js';
import type { PgPool } from '../../warehouse/pg/db.js';
import { registerButtons, registerRuleModal } from './listeners.js';
import { fanoutClient, webClientTransport } from './transport.js';
import { renderIntent } from './messages.js';
import { snapshotUploader } from './snapshot.js';

export { renderIntent, alertBlocks, digestBlocks, replyText, ACTIONS } from './messages.js';
export { webClientTransport, fanoutClient } from './transport.js';
export { snapshotUploader } from './snapshot.js';
export { ruleModal } from './modals.js';

export interface AlertSlackOptions {
  /** Start the scheduler with the app (default true when a bot token is configured). */
  scheduler?: boolean;
  /** Transport for alert posts (default: a dedicated WebClient on SLACK_BOT_TOKEN / SLACK_API_URL). */
  transport?: SlackTransport;
  engines?: Engines;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  leaseTtlMs?: number;
  heartbeatMs?: number;
  /** A Postgres shared by several server processes: the fenced evaluator lease and the intent log live there. */
  shared?: PgPool;
}

/** Builds the alert runtime for a Slack app's dependencies (not started). */
export async function createAlertRuntime(deps: SlackDeps, o: AlertSlackOptions = {}): Promise<AlertRuntime> {
  const log = {
    info: (obj: object, m?: string) => deps.logger.info(obj, m),
    warn: (obj: object, m?: string) => deps.logger.warn(obj, m),
    error: (obj: object, m?: string) => deps.logger.error(obj, m),
  };
  const engines = o.engines ?? (await loadEngines(log));
  const token = deps.config.SLACK_BOT_TOKEN;
  const transport = o.transport ?? (token ? webClientTransport(fanoutClient(token, deps.config.SLACK_API_URL)) : null);
  const clock = o.clock ?? (() => deps.now().getTime());
  return new AlertRuntime({
    db: deps.db,
    config: deps.config,
    engines,
    poster: transport ? { transport, render: (p) => renderIntent(p, clock()), afterPost: snapshotUploader(deps.db, deps.config.RADAR_TZ, log) } : null,
    clock,
    shared: o.shared,
    sleep: o.sleep,
    leaseTtlMs: o.leaseTtlMs,
    heartbeatMs: o.heartbeatMs,
    log,
    metrics: deps.metrics,
  });
}

/**
 * Registers the alert listeners on `app`; unless told otherwise, starts the alert scheduler when the app starts
 * and stops it when the app stops. Returns a handle to the runtime once started (for status and tests).
 */
export function registerAlertListeners(app: App, deps: SlackDeps, o: AlertSlackOptions = {}): { runtime: () => AlertRuntime | null } {
  registerRuleModal(app, deps);
  registerButtons(app, deps);
  let runtime: AlertRuntime | null = null;
  const wantScheduler = o.scheduler ?? Boolean(deps.config.SLACK_BOT_TOKEN);
  if (wantScheduler) {
    const start = app.start.bind(app);
    const stop = app.stop.bind(app);
    app.start = (async (...args: Parameters<App['start']>) => {
      const server = await start(...args);
      try {
        runtime = await createAlertRuntime(deps, o);
        runtime.start();
        deps.logger.info({ cron: deps.config.ALERTS_CRON, tz: deps.config.ALERTS_TZ }, 'alerts: scheduler started');
      } catch (err) {
        deps.logger.error({ err }, 'alerts: scheduler did not start; alerts are off');
      }
      return server;
    }) as App['start'];
    app.stop = (async (...args: Parameters<App['stop']>) => {
      if (runtime) await runtime.stop(true);
      runtime = null;
      return stop(...args);
    }) as App['stop'];
  }
  return { runtime: () => runtime };
}
