/**
 * Opens the SQLite warehouse: WAL, foreign keys, schema (user_version 0 → 1), numbered migrations
 * (sql/migrations/NNN_name.sql moves user_version to NNN), then recreates the views (sql/views.sql).
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

const sqlDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations on disk, sorted by version. File names: NNN_name.sql with NNN ≥ 2. */
export function listMigrations(dir = join(sqlDir, 'migrations')): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the schema and pending migrations, each in its own transaction, then recreates the views. */
export function migrate(db: Db): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from < 1) {
    db.transaction(() => {
      db.exec(readFileSync(join(sqlDir, 'schema.sql'), 'utf8'));
      db.pragma('user_version = 1');
    })();
  }
  for (const m of listMigrations()) {
    if (m.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  db.exec(readFileSync(join(sqlDir, 'views.sql'), 'utf8'));
  for (const f of listViewFiles()) db.exec(readFileSync(f, 'utf8'));
  return { from, to: schemaVersion(db) };
}

/** Extra view files (sql/views/*.sql), applied after views.sql in name order: one per engine area. */
function listViewFiles(): string[] {
  const dir = join(sqlDir, 'views');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f));
}

export interface OpenOptions {
  readonly?: boolean;
}

/** Opens (creating if needed) the warehouse at `path` (':memory:' allowed) and migrates it. */
export function openWarehouse(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false });
  if (!opts.readonly) {
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  }
  return db;
}
