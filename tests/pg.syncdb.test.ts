/**
 * The synchronous Postgres facade (src/warehouse/pg/syncDb.ts) against better-sqlite3 as the reference: the
 * same statements, written once in SQLite's dialect, give the same answers on both (row shapes, column-name
 * case, 0 / 1 booleans, pluck / raw / iterate, named parameters, INSERT OR IGNORE / REPLACE, LIKE ignoring
 * case, json_each over arrays, ROUND) and the same transaction semantics (rollback on a throw, nested
 * transactions as savepoints).
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { openPgSync, type PgSyncDb } from '../src/warehouse/pg/syncDb.js';
import { describePg, freshDatabase, type FreshDatabase } from './helpers/pg.js';

type Both = { name: string; db: Database.Database | PgSyncDb }[];

const SETUP = `
CREATE TABLE IF NOT EXISTS t_items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL, price REAL);
CREATE TABLE IF NOT EXISTS t_pairs (a TEXT NOT NULL, b TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (a, b));
`;

describePg('the synchronous Postgres facade answers like better-sqlite3', () => {
  let fresh: FreshDatabase;
  let pg: PgSyncDb;
  let lite: Database.Database;
  let both: Both;
  beforeAll(async () => {
    fresh = await freshDatabase();
    pg = openPgSync(fresh.url); // migrated: the prelude (round, radar_json_each) comes with the warehouse schema
    lite = new Database(':memory:');
    both = [
      { name: 'sqlite', db: lite },
      { name: 'postgres', db: pg },
    ];
    for (const { db } of both) db.exec(SETUP);
  });
  afterAll(async () => {
    pg?.close();
    lite?.close();
    await fresh?.drop();
  });

  /** Runs `f` on both databases and expects equal answers; returns SQLite's. */
  function same<T>(f: (db: Database.Database) => T): T {
    const [a, b] = both.map(({ db }) => f(db as Database.Database));
    expect(b).toEqual(a);
    return a;
  }

  it('inserts, reads rows, plucks, raw arrays and iterates the same', () => {
    same((db) => {
      const ins = db.prepare('INSERT INTO t_items (label, qty, price) VALUES (?, ?, ?)');
      return [ins.run('apple', 3, 0.5).changes, ins.run('Banana', 5, 0.25).changes, ins.run(['cherry', 7, null]).changes];
    });
    same((db) => db.prepare('SELECT label, qty * 2 AS doubleQty, price FROM t_items ORDER BY label').all());
    same((db) => db.prepare('SELECT label FROM t_items WHERE qty > ? ORDER BY qty').pluck().all(3));
    same((db) => db.prepare('SELECT label, qty FROM t_items ORDER BY id').raw().all());
    same((db) => [...db.prepare('SELECT qty FROM t_items ORDER BY qty DESC').pluck().iterate()]);
    same((db) => db.prepare('SELECT COUNT(*) AS n, SUM(qty) AS total, AVG(price) AS meanPrice FROM t_items').get());
    same((db) => db.prepare('SELECT label FROM t_items WHERE id = ?').get(999));
  });

  it('comparisons come back as 0 / 1, as in SQLite', () => {
    const r = same((db) => db.prepare('SELECT label, qty > 4 AS many, price IS NULL AS unpriced FROM t_items ORDER BY id').all());
    expect(r).toEqual([
      { label: 'apple', many: 0, unpriced: 0 },
      { label: 'Banana', many: 1, unpriced: 0 },
      { label: 'cherry', many: 1, unpriced: 1 },
    ]);
  });

  it('named parameters, LIKE ignoring ASCII case, ROUND(x, n), json_each over an array', () => {
    same((db) => db.prepare('SELECT label FROM t_items WHERE qty >= @min AND label <> @skip ORDER BY label').pluck().all({ min: 3, skip: 'cherry' }));
    expect(same((db) => db.prepare("SELECT label FROM t_items WHERE label LIKE 'b%'").pluck().all())).toEqual(['Banana']);
    expect(same((db) => db.prepare('SELECT ROUND(price * 3, 1) AS r FROM t_items WHERE label = ?').pluck().get('Banana'))).toBe(0.8);
    same((db) => db.prepare('SELECT label FROM t_items WHERE label IN (SELECT value FROM json_each(?)) ORDER BY label').pluck().all(JSON.stringify(['apple', 'cherry', 'none'])));
  });

  it('INSERT OR IGNORE keeps the first row; INSERT OR REPLACE overwrites on the primary key', () => {
    same((db) => {
      db.prepare('INSERT OR IGNORE INTO t_pairs (a, b, n) VALUES (?, ?, ?)').run('x', 'y', 1);
      const second = db.prepare('INSERT OR IGNORE INTO t_pairs (a, b, n) VALUES (?, ?, ?)').run('x', 'y', 2).changes;
      db.prepare('INSERT OR REPLACE INTO t_pairs (a, b, n) VALUES (?, ?, ?)').run('x', 'z', 3);
      db.prepare('INSERT OR REPLACE INTO t_pairs (a, b, n) VALUES (?, ?, ?)').run('x', 'z', 4);
      return { second, rows: db.prepare('SELECT a, b, n FROM t_pairs ORDER BY a, b').all() };
    });
  });

  it('lastInsertRowid is the new row id', () => {
    same((db) => {
      const r = db.prepare('INSERT INTO t_items (label, qty) VALUES (?, ?)').run('date', 1);
      return db.prepare('SELECT label FROM t_items WHERE id = ?').pluck().get(Number(r.lastInsertRowid));
    });
  });

  it('a throw inside transaction() rolls everything back; a nested transaction is a savepoint', () => {
    same((db) => {
      const add = db.prepare('INSERT INTO t_items (label, qty) VALUES (?, ?)');
      const outer = db.transaction(() => {
        add.run('elder', 1);
        try {
          db.transaction(() => {
            add.run('fig', 1);
            throw new Error('inner fails');
          })();
        } catch {
          /* the inner savepoint is rolled back, the outer goes on */
        }
        add.run('grape', 1);
      });
      outer();
      expect(() =>
        db.transaction(() => {
          add.run('kiwi', 1);
          add.run('kiwi', 2); // UNIQUE(label): the whole transaction goes
        })(),
      ).toThrow();
      return db.prepare('SELECT label FROM t_items ORDER BY label').pluck().all();
    });
    expect(pg.inTransaction).toBe(false);
  });

  it('a constraint error names the problem and carries no SQLite code; a statement with a wrong parameter count throws', () => {
    expect(() => pg.prepare('INSERT INTO t_items (label, qty) VALUES (?, ?)').run('apple', 1)).toThrow(/duplicate key|unique/i);
    expect(() => pg.prepare('SELECT 1 FROM t_items WHERE id = ?').all()).toThrow(RangeError);
    expect(() => lite.prepare('SELECT 1 FROM t_items WHERE id = ?').all()).toThrow(RangeError);
  });

  it('a closed facade refuses further calls', async () => {
    const other = openPgSync(fresh.url, { migrate: false });
    expect(other.prepare('SELECT 41 + 1 AS n').pluck().get()).toBe(42);
    other.close();
    expect(other.open).toBe(false);
    expect(() => other.prepare('SELECT 1').get()).toThrow(/not open/);
  });
});
