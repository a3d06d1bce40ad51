/**
 * The slack bench's question mix run warm in one worker-like loop (read-only connection, the worker's parse →
 * run path, no Slack, no start-up): CPU ms per command (process CPU, GC threads included). Used by
 * bench/slack.bench.ts for the load-independent "CPU per request" figure and by hand:
 *   npx tsx bench/workers/mix-cost.ts [warehouse.db] [lines] [only-command] [warm-up lines]
 */
import Database from 'better-sqlite3';
import { buildRegistry } from '../../commands/index.js';
import { runParsed } from '../../src/execute.js';
import { parseCommandLine } from '../../src/registry.js';
import { buildParseContext } from '../../src/parseContext.js';
import { loadConfig } from '../../src/config.js';
import { listQueues } from '../../src/warehouse/queries.js';
import { createLogger } from '../../src/logger.js';
import { questionMix } from './slack-load.js';

export interface MixCost {
  /** Per command word: runs, mean and p50 CPU ms. */
  byCommand: Record<string, { runs: number; meanMs: number; p50Ms: number; errors: number }>;
  /** Mean CPU ms per request over the mix as drawn. */
  meanMs: number;
  lines: number;
}

export async function mixCost(dbPath: string, end: string, now: Date, lines: number, seed = 1, warm = 20, only?: string): Promise<MixCost> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const registry = buildRegistry();
  const config = loadConfig({});
  const log = createLogger('silent');
  const queues = listQueues(db).map((q) => q.queue);
  const next = questionMix(queues, end, seed);
  const costs = new Map<string, { ms: number[]; errors: number }>();
  let total = 0;
  for (let i = 0; i < warm + lines; i++) {
    const line = next();
    if (only && !line.startsWith(only + ' ')) {
      i--;
      continue;
    }
    const c0 = process.cpuUsage();
    const parsed = parseCommandLine(registry, line, buildParseContext(db, config, now));
    let ok = parsed.ok;
    if (parsed.ok) ok = (await runParsed(parsed.command, parsed.args, parsed.public, { db, now, config, surface: 'slack', userId: 'U1', channelId: 'C1', log })).ok;
    const d = process.cpuUsage(c0);
    if (i < warm) continue;
    const ms = (d.user + d.system) / 1000;
    const word = line.split(' ')[0];
    const c = costs.get(word) ?? { ms: [], errors: 0 };
    c.ms.push(ms);
    if (!ok) c.errors++;
    costs.set(word, c);
    total += ms;
  }
  db.close();
  const byCommand: MixCost['byCommand'] = {};
  for (const [w, c] of [...costs].sort()) {
    const s = [...c.ms].sort((a, b) => a - b);
    byCommand[w] = { runs: s.length, meanMs: s.reduce((a, b) => a + b, 0) / s.length, p50Ms: s[Math.floor(s.length / 2)], errors: c.errors };
  }
  return { byCommand, meanMs: total / lines, lines };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dbPath = process.argv[2] ?? 'bench/out/slack-load-365x20/warehouse.db';
  const n = Number(process.argv[3] ?? 100);
  const r = await mixCost(dbPath, '2026-11-20', new Date('2026-11-20T15:00:00Z'), n, 1, Number(process.argv[5] ?? 20), process.argv[4]);
  for (const [w, c] of Object.entries(r.byCommand)) console.log(`${w.padEnd(8)} runs ${String(c.runs).padStart(4)}  mean ${c.meanMs.toFixed(1).padStart(7)} ms  p50 ${c.p50Ms.toFixed(1).padStart(7)} ms  errors ${c.errors}`);
  console.log(`mix mean ${r.meanMs.toFixed(1)} ms CPU per request over ${r.lines} lines`);
}
