/**
 * A second `radar serve`-like process for tests/pg.lease.test.ts: contends for the lease `attempts` times at
 * the given clock and prints {"holder", "won", "token"} as one JSON line; with "hold" it then stays alive
 * (the test kills it) after printing.
 */
import { pgPool } from '../../src/warehouse/pg/db.js';
import { acquireLease } from '../../src/warehouse/pg/lease.js';

const [url, holder, now, ttl, attempts, mode] = process.argv.slice(2);
const pool = pgPool(url, 1);
let won = 0;
let token: number | null = null;
for (let i = 0; i < Number(attempts); i++) {
  const l = await acquireLease(pool, 'alerts-evaluator', holder, Number(now), Number(ttl));
  if (l) {
    won++;
    token = l.token;
  }
}
process.stdout.write(JSON.stringify({ holder, won, token }) + '\n');
if (mode === 'hold') setInterval(() => undefined, 1 << 30);
else await pool.end();
