/**
 * The PostgreSQL warehouse (RADAR_DB=postgres://…): a node-postgres pool whose numbers arrive as numbers,
 * and the same schema, migrations and views as the SQLite file, rendered by dialect.ts from the one SQL
 * source. The schema version lives in radar_schema (SQLite keeps it in PRAGMA user_version); migrations run
 * under a transaction-scoped advisory lock, so several `radar serve` processes starting at once migrate once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../../paths.js';
import { listMigrations } from '../migrations.js';
import { PRELUDE, newDialectState, renderSql, type DialectState } from './dialect.js';
import { LEASE_TABLE } from './lease.js';

export type PgPool = pg.Pool;

const sqlDir = join(PROJECT_ROOT, 'sql');
/** Any fixed key: every radar process takes the same advisory lock to migrate. */
const MIGRATE_LOCK = 0x5ad7_0001;

export { isPostgresUrl } from './url.js';

// COUNT/SUM arrive as int8 and numeric, which node-postgres returns as strings by default. The warehouse's
// counts are far below 2^53 and its sums are floats in SQLite too.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** A pool on `url` (not yet migrated). */
export function pgPool(url: string, max = 10): PgPool {
  return new pg.Pool({ connectionString: url, max, types });
}

export interface RenderedStep {
  version: number;
  name: string;
  statements: string[];
}

function viewTexts(): string[] {
  const dir = join(sqlDir, 'views');
  const extra = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f)) : [];
  return [join(sqlDir, 'views.sql'), ...extra].map((f) => readFileSync(f, 'utf8'));
}

/** schema.sql (version 1), every migration and the views, rendered for Postgres in order. */
export function renderedWarehouse(): { steps: RenderedStep[]; views: string[]; target: number; state: DialectState } {
  const state: DialectState = newDialectState();
  const steps: RenderedStep[] = [{ version: 1, name: 'schema.sql', statements: renderSql(readFileSync(join(sqlDir, 'schema.sql'), 'utf8'), state) }];
  for (const m of listMigrations()) steps.push({ version: m.version, name: m.name, statements: renderSql(m.sql, state) });
  const views = viewTexts().flatMap((t) => renderSql(t, state));
  return { steps, views, target: steps[steps.length - 1].version, state };
}

function fingerprint(statements: string[]): string {
  return createHash('sha256').update(statements.join('\n;\n')).digest('hex').slice(0, 16);
}

/**
 * Brings the database to the code's schema in ONE transaction (Postgres DDL is transactional: a failed step
 * leaves the database as it was): prelude functions, pending steps, radar_schema.version, then the views
 * when their rendered text changed or a step ran.
 */
export async function migratePg(pool: PgPool): Promise<{ from: number; to: number }> {
  const { steps, views, target } = renderedWarehouse();
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS radar_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL, views_hash text)');
    await c.query('INSERT INTO radar_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
    const from = (await c.query<{ version: number; views_hash: string | null }>('SELECT version, views_hash FROM radar_schema WHERE id = 1')).rows[0];
    for (const p of PRELUDE) await c.query(p);
    // Postgres only: the alert leader lease with its fencing token (lease.ts).
    await c.query(LEASE_TABLE);
    for (const step of steps) {
      if (step.version <= from.version) continue;
      try {
        for (const s of step.statements) await c.query(s);
      } catch (e) {
        throw new Error(`Postgres migration ${step.name} failed: ${(e as Error).message}`);
      }
      await c.query('UPDATE radar_schema SET version = $1 WHERE id = 1', [step.version]);
    }
    const hash = fingerprint(views);
    if (from.version !== target || from.views_hash !== hash) {
      for (const v of views) await c.query(v);
      await c.query('UPDATE radar_schema SET views_hash = $1 WHERE id = 1', [hash]);
    }
    await c.query('COMMIT');
    return { from: from.version, to: Math.max(from.version, target) };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** Opens and migrates the Postgres warehouse at `url`. */
export async function openPgWarehouse(url: string, opts: { max?: number } = {}): Promise<PgPool> {
  const pool = pgPool(url, opts.max);
  try {
    await migratePg(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return pool;
}
