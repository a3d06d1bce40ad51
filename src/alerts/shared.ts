/**
 * Alerting on a Postgres shared by several `radar serve` processes (docs/postgres.md §5): the evaluator lease
 * is the fenced `radar_lease` row (src/warehouse/pg/lease.ts) and every write the leader's poster makes to the
 * intent log runs inside that fence, so an instance that lost the lease (paused past its expiry, partitioned)
 * writes nothing — in particular it never marks an intent `sending` and so never calls Slack for it. The new
 * leader reconciles open intents against Slack history by their metadata key before posting (poster.ts), so an
 * alert is posted once even when the old leader died between "sending" and Slack's ok.
 */
import type { PgPool } from '../warehouse/pg/db.js';
import { acquireLease, fenced, releaseLease, type Lease } from '../warehouse/pg/lease.js';
import { pgSql } from '../warehouse/pg/sql.js';
import type { Sql } from '../warehouse/sql.js';
import { EVALUATOR_LEASE, LeaseLostError, type LeaseKeeper } from './lease.js';
import { IntentStore } from './store.js';

export interface PgLeaseKeeper extends LeaseKeeper {
  /** The lease as last acquired (with its fencing token), or null. */
  current(): Lease | null;
  /** Runs `fn` in one transaction only while this instance still holds the lease; LeaseLostError otherwise. */
  fence<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

export function pgLease(pool: PgPool, clock: () => number, name = EVALUATOR_LEASE): PgLeaseKeeper {
  let lease: Lease | null = null;
  let holderId = '';
  return {
    async acquire(holder, now, ttlMs) {
      holderId = holder;
      lease = await acquireLease(pool, name, holder, now, ttlMs);
      return lease !== null;
    },
    async release() {
      if (lease) await releaseLease(pool, lease);
      lease = null;
    },
    current: () => lease,
    async fence(fn) {
      if (!lease) throw new LeaseLostError(name, holderId || 'this instance');
      const r = await fenced(pool, lease, clock(), (c) => fn(pgSql(c)));
      if (!r.ok) throw new LeaseLostError(name, lease.holder);
      return r.value;
    },
  };
}

/** The intent log on the shared Postgres, every write fenced by `lease`. */
export function pgIntentStore(pool: PgPool, lease: PgLeaseKeeper): IntentStore {
  return new IntentStore(pgSql(pool), (fn) => lease.fence(fn));
}
