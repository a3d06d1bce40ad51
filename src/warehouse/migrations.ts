/** The numbered migrations on disk (sql/migrations/NNN_name.sql), shared by the SQLite and Postgres warehouses. */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Migrations on disk, sorted by version. File names: NNN_name.sql with NNN ≥ 2. */
export function listMigrations(dir = join(PROJECT_ROOT, 'sql', 'migrations')): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}
