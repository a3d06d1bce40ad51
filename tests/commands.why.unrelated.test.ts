import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import type { CommandContext } from '../src/registry.js';
import { why, whyArgs, type WhyResult } from '../commands/why.js';

/**
 * `why` on one queue must not depend on unrelated queues (issue 16): the same question on the committed sample
 * and on the sample plus 80 more queues whose talk time and ACW never change (shipping's arrivals, handled and
 * agents, with a constant handle time), so billing's talk-time story cannot be seen on them. The answers are
 * the same, field for field. (The cost side is `npm run bench -- --only why`.)
 */
const NOW = new Date('2026-11-21T15:00:00Z');
let dir: string;
const dbs: Db[] = [];
const ctxOf = (db: Db): CommandContext => ({ db, now: NOW, config: loadConfig({}), surface: 'cli' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-why-unrelated-'));
  const lines = readFileSync('data/sample/intervals.csv', 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const shipping = lines.slice(1).map((l) => l.split(',')).filter((c) => c[col('queue')] === 'shipping' && c[col('interval_start')] >= '2026-10-10');
  const extra = [lines[0]];
  for (let k = 1; k <= 80; k++) {
    for (const c of shipping) {
      const row = [...c];
      row[col('queue')] = `unrelated_${String(k).padStart(2, '0')}`;
      if (row[col('aht_seconds')] !== '') {
        row[col('aht_seconds')] = '360';
        row[col('acw_seconds')] = '45';
      }
      extra.push(row.join(','));
    }
  }
  writeFileSync(join(dir, 'extra_intervals.csv'), `${extra.join('\n')}\n`);
  for (const [name, files] of [
    ['plain', ['data/sample']],
    ['wide', ['data/sample', join(dir, 'extra_intervals.csv')]],
  ] as const) {
    const db = openWarehouse(join(dir, `${name}.db`));
    const report = await ingestFiles(db, [...files], { now: NOW, workerMinBytes: Infinity });
    expect(report.ok).toBe(true);
    dbs.push(db);
  }
  expect((dbs[1].prepare('SELECT COUNT(DISTINCT queue) FROM v_interval_day_totals').pluck().get() as number) - (dbs[0].prepare('SELECT COUNT(DISTINCT queue) FROM v_interval_day_totals').pluck().get() as number)).toBe(80);
}, 180_000);

afterAll(() => {
  for (const db of dbs) db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const answers = async (args: Record<string, unknown>) => Promise.all(dbs.map(async (db) => (await why.run(ctxOf(db), whyArgs.parse(args))) as WhyResult));

describe('why is the same answer with or without 80 unrelated queues', () => {
  it('billing 2026-11-18 (talk time up): same split, same onset, same other queues, same customer terms', async () => {
    const [plain, wide] = await answers({ queue: 'billing', date: '2026-11-18' });
    expect(plain.facts[0].driver).toBe('talk');
    expect(wide).toEqual(plain);
  });

  it('billing over two explicit windows: the same answer', async () => {
    const [plain, wide] = await answers({ queue: 'billing', before: { from: '2026-11-02', to: '2026-11-08', label: 'week 45' }, after: { from: '2026-11-11', to: '2026-11-17', label: 'week 46' } });
    expect(plain.mode).toBe('ranges');
    expect(wide).toEqual(plain);
  });
});
