/**
 * The async query interface of the stores a `radar serve` receiver shares with its sibling processes: event
 * de-duplication, the Slack outbox, the alert intents and the leader lease (docs/postgres.md §5). They run on
 * the server's event loop, so on Postgres they must not block it; on SQLite the same calls wrap the
 * synchronous connection and resolve at once (no change in speed or semantics).
 *
 * SQL is written once, with `?` placeholders, in the subset both dialects share; the Postgres side
 * (pg/sql.ts) renders each text once (`?` → `$n`, the dialect layer's rewrites) and caches it.
 */
import type { Db } from './db.js';

export interface Sql {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  get<T>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(sql: string, ...params: unknown[]): Promise<number>;
}

/** The SQLite connection behind the async interface (statements prepared once per connection). */
export function sqliteSql(db: Db): Sql {
  const cache = new Map<string, { all(...p: unknown[]): unknown[]; get(...p: unknown[]): unknown; run(...p: unknown[]): { changes: number } }>();
  const stmt = (q: string) => {
    let s = cache.get(q);
    if (!s) cache.set(q, (s = db.prepare(q) as unknown as NonNullable<typeof s>));
    return s;
  };
  return {
    dialect: 'sqlite',
    all: async <T>(q: string, ...p: unknown[]) => stmt(q).all(...p) as T[],
    get: async <T>(q: string, ...p: unknown[]) => stmt(q).get(...p) as T | undefined,
    run: async (q: string, ...p: unknown[]) => stmt(q).run(...p).changes,
  };
}
