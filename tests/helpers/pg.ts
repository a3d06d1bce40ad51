/**
 * PostgreSQL for tests: `.ci/run` starts a throwaway cluster (.ci/pg.sh) and exports RADAR_TEST_PG_URL, a
 * superuser URL. Each test file gets its own fresh database (`freshDatabase`), dropped when the file is done.
 *
 * Without RADAR_TEST_PG_URL the Postgres suites are reported as skipped (never as passed); under CI (CI=true)
 * a missing URL fails the run instead, so a broken harness cannot hide the Postgres tests.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';

export const PG_ADMIN_URL = process.env.RADAR_TEST_PG_URL?.trim() || undefined;

/** `describe` when a test cluster is configured, `describe.skip` otherwise (an error under CI). */
export function describePg(name: string, body: () => void): void {
  if (PG_ADMIN_URL) return void describe(name, body);
  if (process.env.CI) {
    describe(name, () => {
      throw new Error('RADAR_TEST_PG_URL is not set under CI: .ci/run must start PostgreSQL (.ci/pg.sh)');
    });
    return;
  }
  describe.skip(`${name} (no PostgreSQL: set RADAR_TEST_PG_URL, e.g. source .ci/pg.sh && pg_start)`, body);
}

export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test cluster; `drop()` removes it (and its connections). */
export async function freshDatabase(prefix = 'radar_test'): Promise<FreshDatabase> {
  if (!PG_ADMIN_URL) throw new Error('freshDatabase needs RADAR_TEST_PG_URL');
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
