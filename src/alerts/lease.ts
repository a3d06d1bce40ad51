/**
 * Exactly one evaluator: a lease row in SQLite. The holder renews it by heartbeat; another process can take it
 * only once it has expired (the holder died or hung). One UPSERT statement decides, and SQLite serialises writers
 * across processes, so two instances can never both hold it.
 */
import type { Db } from '../warehouse/db.js';

export const EVALUATOR_LEASE = 'alerts-evaluator';

/** Acquires or renews the lease for `holder` until now + ttl. True when `holder` holds it afterwards. */
export function tryAcquire(db: Db, name: string, holder: string, now: number, ttlMs: number): boolean {
  const r = db
    .prepare(
      `INSERT INTO alert_lease (name, holder, expires_at, heartbeat_at, acquired_at) VALUES (@name, @holder, @exp, @now, @now)
       ON CONFLICT (name) DO UPDATE SET
         acquired_at = CASE WHEN alert_lease.holder = excluded.holder THEN alert_lease.acquired_at ELSE excluded.acquired_at END,
         holder = excluded.holder, expires_at = excluded.expires_at, heartbeat_at = excluded.heartbeat_at
       WHERE alert_lease.holder = excluded.holder OR alert_lease.expires_at <= @now`,
    )
    .run({ name, holder, exp: now + ttlMs, now });
  return r.changes === 1;
}

/** Gives the lease up (clean shutdown) so a standby takes over at its next heartbeat instead of after the TTL. */
export function release(db: Db, name: string, holder: string): void {
  db.prepare(`DELETE FROM alert_lease WHERE name = ? AND holder = ?`).run(name, holder);
}

export interface LeaseInfo {
  holder: string;
  expiresAt: number;
  heartbeatAt: number;
  acquiredAt: number;
}

export function leaseInfo(db: Db, name: string): LeaseInfo | null {
  return (
    (db.prepare(`SELECT holder, expires_at AS expiresAt, heartbeat_at AS heartbeatAt, acquired_at AS acquiredAt FROM alert_lease WHERE name = ?`).get(name) as
      | LeaseInfo
      | undefined) ?? null
  );
}

/** A write refused because this instance no longer holds the evaluator lease (another one leads now). */
export class LeaseLostError extends Error {
  constructor(name: string, holder: string) {
    super(`${holder} no longer holds the ${name} lease; another instance leads`);
    this.name = 'LeaseLostError';
  }
}

/** How the scheduler holds its lease: the SQLite row here, or the fenced Postgres row (src/warehouse/pg/lease.ts). */
export interface LeaseKeeper {
  /** Acquires or renews the lease for `holder` until now + ttl; true when `holder` holds it afterwards. */
  acquire(holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives it up (clean shutdown). */
  release(holder: string): Promise<void>;
}

export function sqliteLease(db: Db, name = EVALUATOR_LEASE): LeaseKeeper {
  return {
    acquire: async (holder, now, ttlMs) => tryAcquire(db, name, holder, now, ttlMs),
    release: async (holder) => release(db, name, holder),
  };
}
