/**
 * The alert leader on a shared Postgres: a lease row with a fencing token (docs/postgres.md §5).
 *
 * One UPSERT decides who holds `name`: the holder renews it (same token); anyone else may take it only once
 * it expired, and taking it increments the token. Postgres row locks make the decision atomic across
 * processes and machines. A leader that paused (GC, a hung socket) past its expiry may still believe it
 * leads: every write it makes as leader goes through `fenced()`, which re-reads the row FOR SHARE in the
 * same transaction and refuses unless the token is still its own and unexpired — and the share lock keeps a
 * takeover from slipping in between the check and the commit.
 *
 * Time is the caller's clock in epoch ms (injected, as in src/alerts/lease.ts); instances must keep clock
 * skew well below the TTL.
 */
import type { Pool as PgPool, PoolClient } from 'pg';

export const LEASE_TABLE = `CREATE TABLE IF NOT EXISTS radar_lease (
  name         text PRIMARY KEY,
  holder       text NOT NULL,
  token        bigint NOT NULL,
  expires_at   bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  acquired_at  bigint NOT NULL
)`;

export interface Lease {
  name: string;
  holder: string;
  token: number;
  expiresAt: number;
}

/** Acquires or renews `name` for `holder` until now + ttl; the lease (with its fencing token) or null. */
export async function acquireLease(pool: PgPool, name: string, holder: string, nowMs: number, ttlMs: number): Promise<Lease | null> {
  const r = await pool.query<{ token: number; expires_at: number }>(
    `INSERT INTO radar_lease (name, holder, token, expires_at, heartbeat_at, acquired_at) VALUES ($1, $2, 1, $3, $4, $4)
     ON CONFLICT (name) DO UPDATE SET
       token = CASE WHEN radar_lease.holder = excluded.holder AND radar_lease.expires_at > $4 THEN radar_lease.token ELSE radar_lease.token + 1 END,
       acquired_at = CASE WHEN radar_lease.holder = excluded.holder AND radar_lease.expires_at > $4 THEN radar_lease.acquired_at ELSE $4 END,
       holder = excluded.holder, expires_at = excluded.expires_at, heartbeat_at = $4
     WHERE radar_lease.holder = excluded.holder OR radar_lease.expires_at <= $4
     RETURNING token, expires_at`,
    [name, holder, nowMs + ttlMs, nowMs],
  );
  const row = r.rows[0];
  return row ? { name, holder, token: row.token, expiresAt: row.expires_at } : null;
}

/** Gives the lease up (clean shutdown), only if `lease` still holds it. */
export async function releaseLease(pool: PgPool, lease: Lease): Promise<void> {
  await pool.query('DELETE FROM radar_lease WHERE name = $1 AND holder = $2 AND token = $3', [lease.name, lease.holder, lease.token]);
}

/**
 * Runs `fn` in a transaction only while `lease` is still the current, unexpired holder at `nowMs`; returns
 * `{ ok: false }` (nothing written) otherwise. Use for every write a leader makes as leader.
 */
export async function fenced<T>(pool: PgPool, lease: Lease, nowMs: number, fn: (c: PoolClient) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const cur = (await c.query<{ holder: string; token: number; expires_at: number }>('SELECT holder, token, expires_at FROM radar_lease WHERE name = $1 FOR SHARE', [lease.name])).rows[0];
    if (!cur || cur.holder !== lease.holder || cur.token !== lease.token || cur.expires_at <= nowMs) {
      await c.query('ROLLBACK');
      return { ok: false };
    }
    const value = await fn(c);
    await c.query('COMMIT');
    return { ok: true, value };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}
