/**
 * Slack round trip over loopback, the real Bolt app in HTTP mode against the fake Slack API
 * (tests/helpers/fakeSlack.ts): a signed `/radar sla` → the HTTP ack → the answer POSTed to response_url;
 * plus the chart render (warm) and the public path (post + chart upload). Warehouse: 1 year × 20 queues
 * from the sample generator (quick: 60 days × 5 queues).
 * Targets (issue 3): ack p95 < 50 ms, full answer p95 < 300 ms, chart render < 150 ms warm.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { writeSample } from '../src/sample/generate.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { createSlackApp } from '../src/slack/index.js';
import { chartPng } from '../src/charts/index.js';
import { startFakeSlack, sendToApp, slashBody, FORM } from '../tests/helpers/fakeSlack.js';

const SECRET = 'bench-signing-secret-0123456789';

export default async function slackBench(ctx: BenchContext): Promise<BenchRow[]> {
  const spec = ctx.quick ? { days: 60, queues: 5 } : { days: 365, queues: 20 };
  const label = `${spec.days} d × ${spec.queues} queues`;
  const dir = join(ctx.outDir, `slack-${spec.days}x${spec.queues}`);
  const dbPath = join(dir, 'warehouse.db');
  const end = '2026-11-20';
  if (!existsSync(dbPath)) {
    const t0 = Date.now();
    await writeSample(join(dir, 'csv'), { ...spec, tickets: 0, seed: 11, end });
    const db = openWarehouse(dbPath);
    const report = await ingestFiles(db, [join(dir, 'csv')]);
    db.close();
    if (!report.ok) throw new Error(`bench data rejected: ${JSON.stringify(report).slice(0, 500)}`);
    process.stderr.write(`  built ${dbPath} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const db = openWarehouse(dbPath);
  const fake = await startFakeSlack();
  const now = new Date(`${end}T15:00:00Z`);
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent' });
  const deps = { db, config, registry: buildRegistry(), now: () => now, logger: pino({ level: 'silent' }) };
  const slack = await createSlackApp(deps);
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}/slack/events`;
  const rows: BenchRow[] = [];
  try {
    const queues = (db.prepare('SELECT COUNT(*) AS n FROM v_queues').get() as { n: number }).n;
    const intervals = (db.prepare('SELECT COUNT(*) AS n FROM interval_inputs').get() as { n: number }).n;

    // The command alone, for the breakdown.
    const run: number[] = [];
    for (let i = 0; i < (ctx.quick ? 10 : 30) + 3; i++) {
      const t0 = performance.now();
      const e = await execute(deps.registry, 'sla', { db, now, config, surface: 'slack' });
      if (!e.ok) throw new Error(e.message);
      if (i >= 3) run.push(performance.now() - t0);
    }

    // Slash round trips, one at a time (as a person would), after a warm-up.
    const n = ctx.quick ? 20 : 60;
    const ack: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < n + 5; i++) {
      fake.reset();
      const id = `b${i}`;
      const body = slashBody({ command: '/radar', text: 'sla', responseUrl: fake.responseUrl(id) });
      const t0 = performance.now();
      const res = await sendToApp(url, body, FORM, { secret: SECRET });
      const tAck = performance.now();
      await slack.idle();
      if (res.status !== 200 || fake.responses.length !== 1) throw new Error(`round trip ${i} failed: ${res.status}, ${fake.responses.length} responses`);
      if (i >= 5) {
        ack.push(tAck - t0);
        full.push(fake.responses[0].at - t0);
      }
    }

    // Public answer: join + post + chart upload into the thread.
    const pub: number[] = [];
    for (let i = 0; i < (ctx.quick ? 5 : 15) + 2; i++) {
      fake.reset();
      const t0 = performance.now();
      await sendToApp(url, slashBody({ command: '/radar', text: 'sla today public', responseUrl: fake.responseUrl(`p${i}`) }), FORM, { secret: SECRET });
      await slack.idle();
      const done = fake.callsTo('files.completeUploadExternal')[0];
      if (!done) throw new Error('public answer posted no chart');
      if (i >= 2) pub.push(done.at - t0);
    }

    // Chart render, warm, on the same 20-queue result.
    const e = await execute(deps.registry, 'sla', { db, now, config, surface: 'slack' });
    if (!e.ok) throw new Error(e.message);
    const chart: number[] = [];
    let bytes = 0;
    for (let i = 0; i < (ctx.quick ? 8 : 20) + 3; i++) {
      const t0 = performance.now();
      const png = await chartPng('sla', e.result);
      if (i >= 3) chart.push(performance.now() - t0);
      bytes = png?.length ?? 0;
    }

    const a = summarize(ack);
    const f = summarize(full);
    const c = summarize(chart);
    const r = summarize(run);
    const p = summarize(pub);
    const verdict = (v: number, max: number) => (v < max ? 'pass' : 'fail') as 'pass' | 'fail';
    const note = `${queues} queues, ${intervals.toLocaleString('en-US')} interval rows; sequential requests over loopback`;
    rows.push(
      { group: 'slack', name: `/radar sla ack p50 (${label})`, value: a.p50, unit: 'ms' },
      { group: 'slack', name: `/radar sla ack p95 (${label})`, value: a.p95, unit: 'ms', target: '< 50 ms', verdict: verdict(a.p95, 50), note },
      { group: 'slack', name: `/radar sla full answer p50 (${label})`, value: f.p50, unit: 'ms' },
      { group: 'slack', name: `/radar sla full answer p95 (${label})`, value: f.p95, unit: 'ms', target: '< 300 ms', verdict: verdict(f.p95, 300) },
      { group: 'slack', name: `sla command run() p50 (${label})`, value: r.p50, unit: 'ms' },
      { group: 'slack', name: `sla chart render warm p50 (${Math.min(queues, 8)} series)`, value: c.p50, unit: 'ms' },
      { group: 'slack', name: `sla chart render warm p95 (${Math.min(queues, 8)} series)`, value: c.p95, unit: 'ms', target: '< 150 ms', verdict: verdict(c.p95, 150), note: `PNG ${Math.round(bytes / 1024)} kB at 2×` },
      { group: 'slack', name: `/radar sla public → chart in thread p50 (${label})`, value: p.p50, unit: 'ms' },
    );
  } finally {
    await slack.stop();
    await fake.close();
    db.close();
  }
  return rows;
}
