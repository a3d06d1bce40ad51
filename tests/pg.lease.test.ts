/**
 * The alert leader lease on Postgres (src/warehouse/pg/lease.ts) across real processes: two processes
 * contending at the same instant end with exactly one leader; after the leader is killed (SIGKILL, no clean
 * release) another instance takes over only once the lease expired, with a new fencing token, and a write
 * fenced with the dead leader's token is refused while the new leader's goes through. Time is injected.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openPgWarehouse, type PgPool } from '../src/warehouse/pg/db.js';
import { acquireLease, fenced, releaseLease, type Lease } from '../src/warehouse/pg/lease.js';
import { describePg, freshDatabase, type FreshDatabase } from './helpers/pg.js';

const NOW = Date.parse('2026-11-20T15:00:00Z');
const TTL = 60_000;

function child(url: string, holder: string, now: number, attempts: number, mode = '') {
  const p = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/pgLeaseChild.ts', url, holder, String(now), String(TTL), String(attempts), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<{ holder: string; won: number; token: number | null }>((resolve, reject) => {
    createInterface({ input: p.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
    p.once('exit', (code) => reject(new Error(`${holder} exited with ${code} before answering`)));
  });
  return { p, line };
}

describePg('alert leader lease on postgres', () => {
  let fresh: FreshDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    fresh = await freshDatabase();
    pool = await openPgWarehouse(fresh.url);
  });
  afterAll(async () => {
    await pool?.end();
    await fresh?.drop();
  });

  it('two processes contending at the same instant: exactly one leads, every renewal keeps its token', async () => {
    const a = child(fresh.url, 'proc-a', NOW, 40);
    const b = child(fresh.url, 'proc-b', NOW, 40);
    const [ra, rb] = await Promise.all([a.line, b.line]);
    const winners = [ra, rb].filter((r) => r.won > 0);
    expect(winners).toHaveLength(1);
    expect(winners[0].won).toBe(40);
    expect(winners[0].token).toBe(1);
    expect([ra, rb].find((r) => r.won === 0)!.token).toBeNull();
    const row = (await pool.query('SELECT holder, token FROM radar_lease')).rows[0];
    expect(row).toEqual({ holder: winners[0].holder, token: 1 });
    await pool.query('DELETE FROM radar_lease');
  });

  it('the leader killed mid-term: no takeover before expiry, then a new token; the dead token is fenced off', async () => {
    const leader = child(fresh.url, 'leader', NOW, 1, 'hold');
    const got = await leader.line;
    expect(got).toMatchObject({ won: 1, token: 1 });
    leader.p.kill('SIGKILL');
    await new Promise((r) => leader.p.once('exit', r));
    const stale: Lease = { name: 'alerts-evaluator', holder: 'leader', token: 1, expiresAt: NOW + TTL };

    expect(await acquireLease(pool, 'alerts-evaluator', 'standby', NOW + TTL - 1, TTL)).toBeNull();
    const mine = await acquireLease(pool, 'alerts-evaluator', 'standby', NOW + TTL, TTL);
    expect(mine).toMatchObject({ holder: 'standby', token: 2 });

    const post = (key: string) => async (c: import('pg').PoolClient) =>
      c.query(`INSERT INTO alert_intents (key, kind, channel, payload, status, created_at) VALUES ($1, 'post', 'C1', '{}', 'pending', $2)`, [key, NOW]);
    // The dead leader's token (say, a paused process waking up) writes nothing, even with a "valid" clock.
    expect(await fenced(pool, stale, NOW + 1, post('stale'))).toEqual({ ok: false });
    expect((await fenced(pool, mine!, NOW + TTL + 1, post('fresh'))).ok).toBe(true);
    // Past its own expiry the new leader is fenced too, until it renews.
    expect(await fenced(pool, mine!, NOW + 2 * TTL, post('late'))).toEqual({ ok: false });
    const renewed = await acquireLease(pool, 'alerts-evaluator', 'standby', NOW + 2 * TTL - 1, TTL);
    expect(renewed!.token).toBe(2);
    expect((await pool.query('SELECT key FROM alert_intents ORDER BY intent_id')).rows).toEqual([{ key: 'fresh' }]);
    await releaseLease(pool, stale); // not the holder: nothing happens
    expect((await pool.query('SELECT holder FROM radar_lease')).rows).toEqual([{ holder: 'standby' }]);
    await releaseLease(pool, renewed!);
    expect((await pool.query('SELECT count(*) AS n FROM radar_lease')).rows[0].n).toBe(0);
  });
});
