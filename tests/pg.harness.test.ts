/**
 * The Postgres test harness itself (tests/helpers/pg.ts): each test file's database is new, empty and its own,
 * and dropping it removes it from the cluster. Runs only with RADAR_TEST_PG_URL (.ci/run sets it).
 */
import { it, expect } from 'vitest';
import pg from 'pg';
import { describePg, freshDatabase, PG_ADMIN_URL } from './helpers/pg.js';

describePg('postgres test harness', () => {
  it('gives each caller a fresh, empty, separate database and drops it', async () => {
    const a = await freshDatabase();
    const b = await freshDatabase();
    expect(a.name).not.toBe(b.name);
    const ca = new pg.Client({ connectionString: a.url });
    await ca.connect();
    const tables = await ca.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.rows[0].n).toBe(0);
    await ca.query('CREATE TABLE only_in_a (x int)');
    await ca.end();
    const cb = new pg.Client({ connectionString: b.url });
    await cb.connect();
    const seen = await cb.query(`SELECT to_regclass('public.only_in_a') AS t, current_database() AS db`);
    expect(seen.rows[0]).toEqual({ t: null, db: b.name });
    await cb.end();
    await a.drop();
    await b.drop();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const left = await admin.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[a.name, b.name]]);
    await admin.end();
    expect(left.rows).toEqual([]);
  });
});
