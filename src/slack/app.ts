/**
 * The Slack app on one page: receiver (HTTP with /healthz, or Socket Mode), Web API client, and every
 * listener. Listeners live one per file under listeners/<surface>/ and each exports `register(app, deps)`.
 */
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute, type Receiver } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import type { SlackDeps } from './deps.js';
import type { SlackSettings } from './startup.js';
import { boltLogger } from './logger.js';
import type { OutboxStats } from './outbox.js';
import type { WarmStats } from './work/warm.js';
import { RadarMetrics } from '../metrics.js';
import { predictRoute } from './predictRoute.js';
import { health, instrumentWebApi, metricsRoute, useSlackMetrics } from './observe.js';
import * as radarCommand from './listeners/commands/radar.js';
import * as shortForms from './listeners/commands/shortForms.js';
import * as appMention from './listeners/events/appMention.js';
import * as directMessage from './listeners/events/directMessage.js';
import * as appHomeOpened from './listeners/events/appHomeOpened.js';
import * as runCommand from './listeners/actions/runCommand.js';
import * as shareInChannel from './listeners/actions/shareInChannel.js';
import * as openWhatif from './listeners/actions/openWhatif.js';
import * as whatifSubmit from './listeners/views/whatifSubmit.js';
import * as feedback from './listeners/actions/feedback.js';
import * as assistant from './listeners/events/assistant.js';

export const LISTENERS: { register: (app: App, deps: SlackDeps) => void }[] = [
  assistant,
  radarCommand,
  shortForms,
  appMention,
  directMessage,
  appHomeOpened,
  runCommand,
  shareInChannel,
  openWhatif,
  whatifSubmit,
  feedback,
];

export interface AppOptions {
  settings: SlackSettings;
  /** The bot's ids from auth.test (so Bolt does not call it again at construction). */
  botId?: string;
  botUserId?: string;
  /** Extra Web API client options (tests shorten retries). */
  clientOptions?: webApi.WebClientOptions;
  /** Whether this process runs the alert scheduler (reported by /healthz). */
  scheduler?: boolean;
  /** The outbox's depth (reported by /healthz). */
  outbox?: () => OutboxStats;
  /** The calibration upkeep's progress (reported by /healthz). */
  calibrations?: () => WarmStats;
}

// Before any WebClient exists: named Web API methods bind to apiCall at construction (see observe.ts).
instrumentWebApi();

/** What /healthz needs to know beyond the warehouse: whether this process evaluates alerts, and the Slack socket. */
export interface HealthSources {
  scheduler?: boolean;
  connected?: () => boolean | null;
  outbox?: () => OutboxStats;
  calibrations?: () => WarmStats;
}

/**
 * GET /healthz: 200 with the warehouse (answers, size, schema, last load), the last alert tick and its age, and
 * the Slack connection, the command queue's counters, the process's memory and each worker's heap; 503 when the warehouse does not answer or the Socket Mode
 * connection is down.
 */
export function healthRoute(deps: SlackDeps, mode: SlackSettings['mode'], src: HealthSources = {}): CustomRoute {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      const h = health({ db: deps.db, metrics: deps.metrics ?? new RadarMetrics({ defaultMetrics: false }), mode, now: deps.now().getTime(), scheduler: src.scheduler ?? false, connected: src.connected ?? (() => null) });
      let outbox: OutboxStats | { error: string } | undefined;
      try {
        outbox = src.outbox?.();
      } catch (err) {
        outbox = { error: (err as Error).message };
      }
      const send = (memory?: unknown) => {
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...h, ...(deps.work?.stats ? { work: deps.work.stats } : {}), ...(outbox ? { outbox } : {}), ...(src.calibrations ? { calibrations: src.calibrations() } : {}), ...(memory ? { memory } : {}) }));
      };
      if (!deps.memory) return send();
      deps.memory().then(send, () => send());
    },
  };
}

export function buildApp(deps: SlackDeps, o: AppOptions): App {
  const s = o.settings;
  const logger = boltLogger(deps.logger);
  const metrics = (deps.metrics ??= new RadarMetrics());
  useSlackMetrics(metrics);
  let receiver: Receiver | undefined;
  // Socket Mode: the socket's own state; HTTP: null (Slack reaches us; nothing to be connected to).
  const connected = () => (s.mode === 'socket' ? Boolean((receiver as SocketModeReceiver | undefined)?.client?.websocket?.isActive()) : null);
  const routes = [healthRoute(deps, s.mode, { scheduler: o.scheduler, connected, outbox: o.outbox, calibrations: o.calibrations }), metricsRoute(metrics), predictRoute({ db: deps.db, now: deps.now, logger: deps.logger, tokens: deps.config.RADAR_PREDICT_TOKEN, perMinute: deps.config.RADAR_PREDICT_RATE })];
  receiver =
    s.mode === 'socket'
      ? new SocketModeReceiver({ appToken: s.appToken!, logger, customRoutes: routes, installerOptions: { port: s.port } })
      : new HTTPReceiver({ signingSecret: s.signingSecret!, endpoints: '/slack/events', port: s.port, customRoutes: routes, logger });
  const app = new App({
    token: s.botToken,
    botId: o.botId,
    botUserId: o.botUserId,
    receiver,
    logger,
    clientOptions: {
      ...(s.apiUrl ? { slackApiUrl: s.apiUrl } : {}),
      // Answers are interactive: a few quick retries, not the SDK's default of ten over half an hour.
      // A 429 still waits for Retry-After, as Slack asks.
      retryConfig: { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 4000 },
      ...o.clientOptions,
    },
  });
  for (const l of LISTENERS) l.register(app, deps);
  app.error(async (err) => {
    deps.logger.error({ err }, 'unhandled Slack listener error');
  });
  return app;
}
