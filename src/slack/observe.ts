/**
 * Observability of the Slack app: every Web API call timed (with its error code and 429 pauses), GET /metrics
 * (Prometheus text) and GET /healthz (warehouse, alert ticks, Slack connection).
 *
 * Web API calls: Bolt makes its own WebClient per workspace token and the alert fan-out has another, so timing
 * is hooked once on WebClient.prototype.apiCall (every named method such as chat.postMessage is bound to it when
 * a client is constructed, so the hook must be in place before the clients exist — app.ts installs it at import).
 * The hook reports to the process's current metrics (`useSlackMetrics`), at most one instance at a time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { webApi, type CustomRoute } from '@slack/bolt';
import type { RadarMetrics } from '../metrics.js';
import type { Db } from '../warehouse/db.js';

let current: RadarMetrics | null = null;
const watched = new WeakSet<object>();

/** Routes Web API timings of every client in this process to `m` (the app being built). */
export function useSlackMetrics(m: RadarMetrics): void {
  current = m;
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string } };
  return e?.data?.error ?? e?.code ?? 'error';
}

type ApiCall = (this: webApi.WebClient, method: string, options?: Record<string, unknown>) => Promise<webApi.WebAPICallResult>;

/** Installs the prototype hook (idempotent). */
export function instrumentWebApi(): void {
  const proto = webApi.WebClient.prototype as unknown as { apiCall: ApiCall & { radarTimed?: true } };
  if (proto.apiCall.radarTimed) return;
  const original = proto.apiCall;
  const timedCall: ApiCall & { radarTimed?: true } = async function (this: webApi.WebClient, method, options) {
    if (!watched.has(this)) {
      watched.add(this);
      this.on(webApi.WebClientEvent.RATE_LIMITED, (retrySec: number, info: { url?: string }) => current?.slackRateLimit(String(info?.url ?? method).replace(/^.*\/api\//, ''), Number(retrySec)));
    }
    const t0 = performance.now();
    try {
      const r = await original.call(this, method, options);
      current?.slackCall(method, (performance.now() - t0) / 1000, null);
      return r;
    } catch (err) {
      current?.slackCall(method, (performance.now() - t0) / 1000, errorCode(err));
      throw err;
    }
  };
  timedCall.radarTimed = true;
  proto.apiCall = timedCall;
}

/** Bytes of the warehouse in use: page_count × page_size (WAL pages not yet checkpointed are not counted). */
export function warehouseBytes(db: Db): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  return pages * size;
}

/** GET /metrics: Prometheus text exposition of `m`. */
export function metricsRoute(m: RadarMetrics): CustomRoute {
  return {
    path: '/metrics',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      m.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics unavailable: ${(err as Error).message}\n`);
        },
      );
    },
  };
}

export interface Health {
  ok: boolean;
  mode: 'socket' | 'http';
  queues: number;
  warehouse: { ok: boolean; bytes: number | null; schemaVersion: number | null; lastLoadAt: string | null; error?: string };
  alerts: { scheduler: boolean; lastTickAt: string | null; lastTickAgeSeconds: number | null; leaseHolder: string | null; leaseHeartbeatAgeSeconds: number | null };
  slack: { mode: 'socket' | 'http'; connected: boolean | null; lastOkAt: string | null; lastErrorAt: string | null; lastError: string | null };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const age = (now: number, ms: number | null) => (ms === null ? null : Math.max(0, Math.round((now - ms) / 1000)));

/**
 * The health report: the warehouse answers (and its size, schema version, last load), when alerts were last
 * evaluated (this process, else the evaluator lease's heartbeat in the warehouse), and the Slack connection.
 * ok = the warehouse answers and, in Socket Mode, the socket is open.
 */
export function health(o: { db: Db; metrics: RadarMetrics; mode: 'socket' | 'http'; now: number; scheduler: boolean; connected: () => boolean | null }): Health {
  const h = o.metrics.health();
  const warehouse: Health['warehouse'] = { ok: true, bytes: null, schemaVersion: null, lastLoadAt: null };
  let queues = 0;
  let lease: { holder: string; heartbeatAt: number } | undefined;
  try {
    queues = (o.db.prepare('SELECT COUNT(*) AS n FROM v_queues').get() as { n: number }).n;
    warehouse.bytes = warehouseBytes(o.db);
    warehouse.schemaVersion = o.db.pragma('user_version', { simple: true }) as number;
    const load = o.db.prepare(`SELECT MAX(finished_at) AS t FROM etl_runs WHERE status = 'ok'`).get() as { t: string | null } | undefined;
    warehouse.lastLoadAt = load?.t ?? null;
    lease = o.db.prepare(`SELECT holder, heartbeat_at AS heartbeatAt FROM alert_lease WHERE name = 'alerts-evaluator'`).get() as typeof lease;
  } catch (err) {
    warehouse.ok = false;
    warehouse.error = (err as Error).message;
  }
  const connected = o.connected();
  return {
    ok: warehouse.ok && connected !== false,
    mode: o.mode,
    queues,
    warehouse,
    alerts: {
      scheduler: o.scheduler,
      lastTickAt: iso(h.lastAlertTickMs),
      lastTickAgeSeconds: age(o.now, h.lastAlertTickMs),
      leaseHolder: lease?.holder ?? null,
      leaseHeartbeatAgeSeconds: age(o.now, lease?.heartbeatAt ?? null),
    },
    slack: { mode: o.mode, connected, lastOkAt: iso(h.slack.lastOkMs), lastErrorAt: iso(h.slack.lastErrorMs), lastError: h.slack.lastError },
  };
}
