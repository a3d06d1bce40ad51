/**
 * `due` with a trained risk model on the committed sample: every listed ticket carries a risk, and it is the
 * same probability `risk T-…` gives that ticket (a separate command path: one ticket, with its reasons).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import type { DueResult } from '../commands/due.js';

const NOW = new Date('2026-11-20T15:00:00Z');
let dir: string;
let db: Db;

const run = async (line: string) => {
  const e = await execute(buildRegistry(), line, { db, now: NOW, config: loadConfig({}), surface: 'cli' });
  if (!e.ok) throw new Error(e.message);
  return e.result;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-due-sample-'));
  db = openWarehouse(join(dir, 'w.db'));
  expect((await ingestFiles(db, ['data/sample'], { now: NOW, workerMinBytes: Infinity })).ok).toBe(true);
  await run('risk train');
}, 180_000);

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('due with a risk model', () => {
  it('shows each ticket’s escalation risk, equal to what `risk <ticket>` says', async () => {
    const r = (await run('due')) as DueResult;
    expect(r.risk).toEqual({ model: true, note: null });
    expect(r.tickets.length).toBeGreaterThan(3);
    for (const t of r.tickets) {
      const one = (await run(`risk ${t.ticketId}`)) as { probability: number };
      expect(t.risk).toBeCloseTo(one.probability, 12);
    }
  });
});
