/**
 * `radar status [--url URL] [--json]`: the running server's /healthz (warehouse, last alert tick, Slack
 * connection) when one answers at URL (default http://127.0.0.1:$PORT), else the same report from the warehouse
 * alone (no Slack connection to report; the alert evaluator's lease heartbeat stands in for the last tick).
 * Exit 0 when healthy, 1 when not, 2 for a bad --url.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { openWarehouse } from '../warehouse/db.js';
import { health, type Health } from '../slack/index.js';
import { RadarMetrics } from '../metrics.js';
import type { Io } from './actions.js';
import { cliNow } from './actions.js';

function bytes(n: number | null): string {
  if (n === null) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.round(n / 1e3)} kB`;
}

const ago = (s: number | null) => (s === null ? '' : s < 120 ? ` (${s} s ago)` : s < 7200 ? ` (${Math.round(s / 60)} min ago)` : ` (${(s / 3600).toFixed(1)} h ago)`);

export function statusText(h: Health, source: string): string {
  const w = h.warehouse;
  const a = h.alerts;
  const s = h.slack;
  return [
    `SLA Radar status — ${source}`,
    `  overall    ${h.ok ? 'ok' : 'NOT OK'}`,
    `  warehouse  ${w.ok ? 'ok' : `not answering (${w.error ?? 'unknown error'})`} · ${h.queues} queue${h.queues === 1 ? '' : 's'} · ${bytes(w.bytes)} · schema ${w.schemaVersion ?? '–'} · last load ${w.lastLoadAt ?? 'never'}`,
    `  alerts     ${a.lastTickAt ? `last tick ${a.lastTickAt}${ago(a.lastTickAgeSeconds)}` : 'no tick in this process'}${a.scheduler ? ' · scheduler here' : ''} · evaluator lease ${a.leaseHolder ? `${a.leaseHolder}, heartbeat${ago(a.leaseHeartbeatAgeSeconds)}` : 'never taken'}`,
    `  slack      ${s.mode} mode · connected ${s.connected === null ? 'n/a' : s.connected ? 'yes' : 'NO'} · last Web API success ${s.lastOkAt ?? '–'}${s.lastError ? ` · last error ${s.lastError} at ${s.lastErrorAt}` : ''}`,
  ].join('\n');
}

export async function runStatus(dbPath: string, cfg: Config, o: { url?: string; json?: boolean }, io: Io): Promise<number> {
  let url: URL;
  try {
    url = new URL('/healthz', o.url ?? `http://127.0.0.1:${cfg.PORT}`);
  } catch {
    io.err.write(`--url must be the server's base URL, e.g. http://127.0.0.1:${cfg.PORT} (got "${o.url}").\n`);
    return 2;
  }
  let h: Health | null = null;
  let source = `from the server at ${url.href}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as Health;
    if (body && typeof body === 'object' && 'warehouse' in body) h = body;
  } catch {
    /* no server: the local report below */
  }
  if (!h) {
    source = `no server answers at ${url.href} (is \`radar serve\` running?); from the warehouse ${dbPath}`;
    if (!existsSync(dbPath)) {
      io.err.write(`${source}: the file does not exist. Build it with \`npm run demo\` or \`radar ingest <files>\`.\n`);
      return 1;
    }
    const db = openWarehouse(dbPath, { readonly: true });
    try {
      h = health({ db, metrics: new RadarMetrics({ defaultMetrics: false }), mode: cfg.SLACK_APP_TOKEN ? 'socket' : 'http', now: cliNow().getTime(), scheduler: false, connected: () => null });
    } finally {
      db.close();
    }
  }
  io.out.write((o.json ? JSON.stringify({ source, ...h }, null, 2) : statusText(h, source)) + '\n');
  return h.ok ? 0 : 1;
}
