/**
 * One `radar serve` process's alerting for tests/pg.shared.test.ts: the real AlertRuntime (scheduler, lease,
 * poster) with its lease and intent log on the shared Postgres and its Slack calls going over HTTP to the
 * test's fake Slack. The test drives it through stdin, one JSON command per line, and reads one JSON answer
 * per command: the clock is the test's (no sleeping), so lease expiry is decided by the `now` it sends.
 *   {"op":"heartbeat","now":N}  → {"leader":bool}   (a takeover reconciles open intents before answering)
 *   {"op":"tick","now":N}       → {"ticked":bool}   (the scheduler's tick: heartbeat, then evaluate + drain)
 *   {"op":"drain","now":N}      → {"report"} | {"error"}  (the poster alone, as a paused leader would run it)
 * The evaluator's own warehouse here is an empty SQLite in memory (no rules): the intents the test records in
 * Postgres are what gets posted.
 */
import { createInterface } from 'node:readline';
import { openWarehouse } from '../../src/warehouse/db.js';
import { pgPool } from '../../src/warehouse/pg/db.js';
import { AlertRuntime } from '../../src/alerts/runtime.js';
import { fanoutClient, webClientTransport } from '../../src/slack/alerts/transport.js';

const [url, holder, apiUrl, token, ttl] = process.argv.slice(2);
let now = 0;
const pool = pgPool(url, 3);
const runtime = new AlertRuntime({
  db: openWarehouse(':memory:'),
  shared: pool,
  config: { ALERTS_CRON: '*/15 * * * *', ALERTS_TZ: 'UTC', RADAR_TZ: 'UTC' },
  engines: {},
  poster: { transport: webClientTransport(fanoutClient(token, apiUrl)), render: (p) => ({ text: `alert ${JSON.stringify(p.view)}` }) },
  clock: () => now,
  sleep: async () => undefined,
  holderId: holder,
  leaseTtlMs: Number(ttl),
});
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line) as { op: string; now: number };
  now = cmd.now;
  if (cmd.op === 'heartbeat') say({ leader: await runtime.scheduler.heartbeat() });
  else if (cmd.op === 'tick') say({ ticked: await runtime.scheduler.runTick() });
  else if (cmd.op === 'drain') {
    try {
      say({ report: await runtime.poster!.drain() });
    } catch (err) {
      say({ error: (err as Error).name, message: (err as Error).message });
    }
  } else if (cmd.op === 'exit') break;
}
await pool.end();
