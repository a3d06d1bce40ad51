/**
 * The load bench's warehouse (bench/slack.bench.ts): 1 year × 20 queues of intervals from the sample generator,
 * with tickets (for `tickets` and `risk`) and a trained risk model, built once into `dir` and reused while its
 * spec is unchanged (a marker file holds the spec). Quick: 60 days × 5 queues.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSample } from '../../src/sample/generate.js';
import { openWarehouse } from '../../src/warehouse/db.js';
import { ingestFiles } from '../../src/warehouse/ingest.js';
import { loadConfig } from '../../src/config.js';
import { buildRegistry } from '../../commands/index.js';
import { execute } from '../../src/execute.js';

export interface WarehouseSpec {
  days: number;
  queues: number;
  tickets: number;
  end: string;
  /** Train the risk model (default true; needs tickets). */
  riskModel?: boolean;
}

export async function buildLoadWarehouse(dir: string, spec: WarehouseSpec, log: (s: string) => void = () => undefined): Promise<string> {
  const dbPath = join(dir, 'warehouse.db');
  const marker = join(dir, 'spec.json');
  const want = JSON.stringify(spec);
  if (existsSync(dbPath) && existsSync(marker) && readFileSync(marker, 'utf8') === want) return dbPath;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  await writeSample(join(dir, 'csv'), { days: spec.days, queues: spec.queues, tickets: spec.tickets, seed: 11, end: spec.end });
  const db = openWarehouse(dbPath);
  try {
    const report = await ingestFiles(db, [join(dir, 'csv')]);
    if (!report.ok) throw new Error(`bench data rejected: ${JSON.stringify(report).slice(0, 500)}`);
    if (spec.riskModel !== false) {
      const trained = await execute(buildRegistry(), 'risk train', { db, now: new Date(`${spec.end}T15:00:00Z`), config: loadConfig({ LOG_LEVEL: 'silent' }), surface: 'cli' });
      if (!trained.ok) throw new Error(`risk train failed: ${trained.message}`);
    }
  } finally {
    db.close();
  }
  rmSync(join(dir, 'csv'), { recursive: true, force: true });
  writeFileSync(marker, want);
  log(`  built ${dbPath} (${spec.days} d × ${spec.queues} queues, ${spec.tickets} tickets${spec.riskModel === false ? '' : ', risk model'}) in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return dbPath;
}
