/**
 * Opens the SQLite warehouse: WAL, foreign keys, schema (user_version 0 → 1), numbered migrations
 * (sql/migrations/NNN_name.sql moves user_version to NNN), then the views (sql/views.sql, sql/views/*.sql),
 * recreated only when their text changed. Read-only opens skip all of that when the file is current.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { isPostgresUrl } from './pg/url.js';
import { openPgSync } from './pg/syncDb.js';

export type Db = Database.Database;

/** Prepared statements per connection: preparing is far dearer than running a small read. */
const statements = new WeakMap<Db, Map<string, Database.Statement>>();
export function stmt(db: Db, sql: string): Database.Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

const sqlDir = join(PROJECT_ROOT, 'sql');

export { listMigrations, type Migration } from './migrations.js';
import { listMigrations } from './migrations.js';

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** The view files: sql/views.sql, then sql/views/*.sql in name order (one per engine area). */
function viewFiles(): string[] {
  const dir = join(sqlDir, 'views');
  const extra = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f)) : [];
  return [join(sqlDir, 'views.sql'), ...extra];
}

/** The schema version the code on disk expects: 1, or the highest migration's number. */
export function targetVersion(): number {
  const dir = join(sqlDir, 'migrations');
  const versions = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).map((f) => Number(f.slice(0, 3))) : [];
  return Math.max(1, ...versions);
}

/**
 * A fingerprint of the view definitions, kept in the database as the one-row view radar_views_version:
 * the views are recreated only when their text changed (or after a migration), not on every open.
 */
function viewsFingerprint(texts: string[]): string {
  return createHash('sha256').update(texts.join('\n;\n')).digest('hex').slice(0, 16);
}

function storedFingerprint(db: Db): string | null {
  try {
    return (db.prepare('SELECT hash FROM radar_views_version').pluck().get() as string | undefined) ?? null;
  } catch {
    return null; // no such view yet
  }
}

/** Whether a database at this schema version and views fingerprint needs migrate() before use. */
function isCurrent(db: Db): boolean {
  if (schemaVersion(db) !== targetVersion()) return false;
  return storedFingerprint(db) === viewsFingerprint(viewFiles().map((f) => readFileSync(f, 'utf8')));
}

/**
 * Applies the schema and pending migrations, each in its own transaction, then recreates the views when
 * their definitions changed or a migration ran.
 */
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
  const texts = viewFiles().map((f) => readFileSync(f, 'utf8'));
  const fingerprint = viewsFingerprint(texts);
  if (schemaVersion(db) !== from || storedFingerprint(db) !== fingerprint) {
    db.transaction(() => {
      for (const t of texts) db.exec(t);
      db.exec(`DROP VIEW IF EXISTS radar_views_version; CREATE VIEW radar_views_version AS SELECT '${fingerprint}' AS hash`);
    })();
  }
  return { from, to: schemaVersion(db) };
}

export interface OpenOptions {
  /**
   * Open for reading only (the CLI's read commands, server workers): no write lock, no migration work.
   * A missing or out-of-date file is first created / migrated by a short read-write open.
   */
  readonly?: boolean;
}

/** Opens (creating if needed) the warehouse at `path` (':memory:' allowed) and migrates it. */
export function openWarehouse(path: string, opts: OpenOptions = {}): Db {
  // A postgres:// URL: the synchronous facade over Postgres (pg/syncDb.ts) with the part of this API the
  // commands use, so every command runs unchanged (docs/postgres.md §2).
  if (isPostgresUrl(path)) return openPgSync(path) as unknown as Db;
  if (opts.readonly && path !== ':memory:') {
    if (existsSync(path)) {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      if (isCurrent(db)) return db;
      db.close();
    }
    openWarehouse(path).close();
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
