/**
 * The commands on the Postgres warehouse (RADAR_DB=postgres://…, through the synchronous facade) against the
 * SQLite warehouse as the reference: data/sample ingested into both (SQLite's ingest, Postgres' COPY ingest),
 * the queue models refreshed on both as `radar ingest` does, then each command line's result — what
 * `--json` prints — must be the same on both. Numbers are compared to 10 significant digits: the two
 * engines add floats in different orders (sums of AHT over thousands of intervals differ in the last bits).
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { openPgWarehouse } from '../src/warehouse/pg/db.js';
import { ingestFilesPg } from '../src/warehouse/pg/ingest.js';
import { forgetCalibrations, refreshQueueCalibrations } from '../commands/queueModel.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { loadConfig } from '../src/config.js';
import { describePg, freshDatabase, type FreshDatabase } from './helpers/pg.js';

const NOW = new Date('2026-11-21T15:00:00Z');
const registry = buildRegistry();
const config = loadConfig({});

/** Numbers to 10 significant digits, recursively (JSON round trip first: what --json prints). */
function normal(v: unknown): unknown {
  if (typeof v === 'number') return Number(v.toPrecision(10));
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
  return v;
}

async function answer(db: Db, line: string): Promise<unknown> {
  const e = await execute(registry, line, { db, now: NOW, config, surface: 'cli' });
  if (!e.ok) throw new Error(`${line}: ${e.message} ${e.kind === 'internal' ? String((e.cause as Error)?.stack ?? e.cause) : ''}`);
  return normal(JSON.parse(JSON.stringify(e.result)));
}

describePg('the commands answer the same on Postgres as on SQLite (data/sample)', () => {
  let fresh: FreshDatabase;
  let dir: string;
  let lite: Db;
  let pg: Db;
  beforeAll(async () => {
    fresh = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'radar-pg-commands-'));
    lite = openWarehouse(join(dir, 'w.db'));
    expect((await ingestFiles(lite, ['data/sample'], { now: NOW, workerMinBytes: Infinity })).ok).toBe(true);
    const pool = await openPgWarehouse(fresh.url, { max: 2 });
    try {
      expect((await ingestFilesPg(pool, ['data/sample'], { now: NOW })).ok).toBe(true);
    } finally {
      await pool.end();
    }
    pg = openWarehouse(fresh.url);
    // Each backend fits its own queue models (the process remembers fits by their data: forget between).
    for (const db of [lite, pg]) {
      forgetCalibrations();
      refreshQueueCalibrations(db, undefined, NOW);
    }
  }, 240_000);
  afterAll(async () => {
    pg?.close();
    lite?.close();
    await fresh?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // First: later answers fit models for other days, and the process memory then skips the second backend's store.
  it('the stored queue models are the same rows', () => {
    const q = 'SELECT queue, fit_through, fit_from, data_fingerprint, model, days, intervals, inputs, fit FROM queue_calibrations ORDER BY queue, fit_through';
    expect(normal(pg.prepare(q).all())).toEqual(normal(lite.prepare(q).all()));
  });

  it.each([
    'sla',
    'sla billing last week',
    'sla tech_support 2026-11-01..2026-11-20',
    'why billing 2026-11-12',
    'why tech_support 2026-11-18',
    'whatif billing 2026-11-19 agents+2',
    'kpi',
    'kpi fcr billing',
    'kpi csat drivers',
    'drift billing',
    'due',
    'forecast billing',
    'staffing billing 2026-11-20',
  ])('%s', async (line) => {
    const [a, b] = [await answer(lite, line), await answer(pg, line)];
    expect(b).toEqual(a);
  }, 120_000);

  it('risk: training stores the same model, and scoring the open tickets ranks them the same', async () => {
    const [a, b] = [await answer(lite, 'risk train --label escalated'), await answer(pg, 'risk train --label escalated')];
    expect(b).toEqual(a);
    const q = "SELECT label, version, horizon_seconds, features, metrics, threshold, model, active FROM models WHERE label = 'escalated' ORDER BY version";
    expect(normal(pg.prepare(q).all())).toEqual(normal(lite.prepare(q).all()));
    for (const line of ['risk', 'risk billing', 'risk model', 'risk T-101932', 'risk simulate --speedup 30%']) {
      const [x, y] = [await answer(lite, line), await answer(pg, line)];
      expect(y, line).toEqual(x);
    }
    const scored = (await answer(pg, 'risk')) as { tickets: unknown[]; open: number };
    expect(scored.open).toBeGreaterThan(0);
    expect(scored.tickets.length).toBeGreaterThan(0);
  }, 240_000);

  /**
   * tickets search: on Postgres the index is a weighted tsvector (subject A, body B, comments C) ranked by
   * ts_rank_cd, not FTS5's BM25 (docs/postgres.md). What must agree exactly: which tickets match, and how many
   * (same Porter-family stemming, same filters). What may differ: the order and the scores. Measured on these
   * queries: top-10 overlap 4–7 of 10, the same first hit in 5 of 6; asserted with margin below that.
   */
  it('tickets: the same tickets match on both; the rankings agree at the top', async () => {
    type Hits = { matched: number; hits: { ticketId: string; matchedIn: string[] }[] };
    const lines = ['login loop', 'invoice portal error', 'refund', '"since new version"', 'billing double charge queue=billing', 'pass*'];
    let overlap = 0;
    let sameFirst = 0;
    for (const q of lines) {
      const [a, b] = [(await answer(lite, `tickets ${q}`)) as Hits, (await answer(pg, `tickets ${q}`)) as Hits];
      expect(b.matched, q).toBe(a.matched);
      expect(a.matched, q).toBeGreaterThan(0);
      const [ia, ib] = [a.hits.map((h) => h.ticketId), b.hits.map((h) => h.ticketId)];
      expect(ib.length, q).toBe(ia.length);
      overlap += ia.filter((id) => ib.includes(id)).length / ia.length;
      if (ia[0] === ib[0]) sameFirst++;
    }
    expect(overlap / lines.length).toBeGreaterThanOrEqual(0.45);
    expect(sameFirst).toBeGreaterThanOrEqual(4);
    // Every match, not only the top: the full sets are equal.
    const ids = (db: Db) =>
      new Set(
        (db.prepare("SELECT t.ticket_id FROM ticket_search_fts JOIN tickets t ON t.rowid = ticket_search_fts.rowid WHERE ticket_search_fts MATCH ?").pluck().all('"refund" OR "invoice"') as string[]),
      );
    const [sa, sb] = [ids(lite), ids(pg)];
    expect(sa.size).toBeGreaterThan(100);
    expect([...sb].sort()).toEqual([...sa].sort());
  }, 120_000);

});
