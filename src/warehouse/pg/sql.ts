/**
 * The async query interface (../sql.ts) on a node-postgres pool: each SQL text, written once for both
 * dialects with `?` placeholders, is rendered once by the dialect layer (`?` → `$1…`, json_each, MIN/MAX, …)
 * and cached.
 */
import type { Pool as PgPool, PoolClient } from 'pg';
import type { Sql } from '../sql.js';
import { newDialectState, outsideStrings, renderStatement } from './dialect.js';

const rendered = new Map<string, string>();

/** One query text in the Postgres dialect, `?` placeholders numbered. */
export function renderQuery(sql: string): string {
  let out = rendered.get(sql);
  if (out === undefined) {
    const stmts = renderStatement(sql.trim(), newDialectState());
    if (stmts.length !== 1) throw new Error(`not a single query: ${sql.slice(0, 120)}`);
    let n = 0;
    out = outsideStrings(stmts[0], (code) => code.replace(/\?/g, () => `$${++n}`));
    rendered.set(sql, out);
  }
  return out;
}

/** Anything that runs a query: the pool, or one client inside a transaction. */
type Queryable = Pick<PgPool | PoolClient, 'query'>;

export function pgSql(db: Queryable): Sql {
  const query = async <T>(q: string, p: unknown[]) => db.query(renderQuery(q), p) as unknown as Promise<{ rows: T[]; rowCount: number | null }>;
  return {
    dialect: 'postgres',
    all: async <T>(q: string, ...p: unknown[]) => (await query<T>(q, p)).rows,
    get: async <T>(q: string, ...p: unknown[]) => (await query<T>(q, p)).rows[0],
    run: async (q: string, ...p: unknown[]) => (await query(q, p)).rowCount ?? 0,
  };
}
