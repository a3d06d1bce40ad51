/**
 * The bulk path of ingest: a load into an empty table writes by plain INSERT with the table's named indexes
 * dropped and rebuilt after the file (ingest.ts dropIndexesIfEmpty), and validate.ts's SeenKeys finds keys
 * repeated inside a file without hashing. Both must be invisible: the same rows, indexes and reports as the
 * upsert path and as a Map.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { SeenKeys } from '../src/warehouse/validate.js';
import { searchTickets } from '../src/engines/retrieval/search.js';

const FIXTURE = 'tests/fixtures/small';
const HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'radar-bulk-'));
});

const indexes = (db: Db) => db.prepare("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all();
const rows = (db: Db, table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).all();

/** Interval rows of two queues, each every 30 minutes in time order, some of them plans (counts empty). */
function intervalLines(n: number, from = '2026-03-01T00:00:00Z'): string[] {
  const t0 = Date.parse(from);
  const out: string[] = [];
  for (const q of ['billing', 'tech_support']) {
    for (let i = 0; i < n; i++) {
      const ts = new Date(t0 + i * 1800_000).toISOString().slice(0, 19) + 'Z';
      out.push(i % 5 === 4 ? `${ts},${q},,,,,,,9,80,20,44,310` : `${ts},${q},${40 + (i % 9)},${38 + (i % 9)},2,${30 + (i % 7)},300,40,12,80,20,41,305`);
    }
  }
  return out;
}

describe('ingest into an empty table', () => {
  it('stores the same rows as the upsert path and leaves every index as the schema defines it', async () => {
    const file = join(dir, 'intervals.csv');
    writeFileSync(file, [HEADER, ...intervalLines(300)].join('\n') + '\n');
    const fresh = openWarehouse(join(dir, 'fresh.db'));
    const schemaIndexes = indexes(fresh);
    expect(schemaIndexes).toContainEqual(expect.objectContaining({ name: 'interval_inputs_queue_start' }));
    // Bulk: every table empty.
    expect((await ingestFiles(fresh, [file, FIXTURE])).ok).toBe(true); // file first: the 600 rows go in bulk
    // Upsert: the same files into a warehouse whose interval table already holds one other row (removed after).
    const upserted = openWarehouse(join(dir, 'upserted.db'));
    const other = join(dir, 'other.csv');
    writeFileSync(other, [HEADER, '2020-01-01T00:00:00Z,billing,1,1,0,1,300,40,1,80,20,,'].join('\n') + '\n');
    expect((await ingestFiles(upserted, [join(FIXTURE, 'sla_policy.csv'), other])).ok).toBe(true);
    expect((await ingestFiles(upserted, [file, FIXTURE])).ok).toBe(true);
    upserted.prepare("DELETE FROM interval_inputs WHERE interval_start = '2020-01-01T00:00:00Z'").run();
    for (const t of ['interval_inputs', 'tickets', 'ticket_events', 'agents', 'customers']) expect(rows(fresh, t)).toEqual(rows(upserted, t));
    expect(indexes(fresh)).toEqual(schemaIndexes);
    // The rebuilt unique index still guards the key and is the upsert target of the next run.
    expect(() => fresh.prepare("INSERT INTO interval_inputs SELECT * FROM interval_inputs WHERE queue = 'billing' LIMIT 1").run()).toThrow(/UNIQUE/);
    const again = await ingestFiles(fresh, [file]);
    expect(again.ok).toBe(true);
    expect(rows(fresh, 'interval_inputs')).toEqual(rows(upserted, 'interval_inputs'));
  });

  it('a rejected load into an empty table keeps its indexes and writes nothing', async () => {
    const db = openWarehouse(join(dir, 'w.db'));
    const before = indexes(db);
    const lines = intervalLines(200);
    lines[150] = lines[150].replace(/,300,40,/, ',300,400,'); // ACW above AHT
    const file = join(dir, 'intervals.csv');
    writeFileSync(file, [HEADER, ...lines].join('\n') + '\n');
    const r = await ingestFiles(db, [join(FIXTURE, 'sla_policy.csv'), file], { workerMinBytes: 0 });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ line: 152, column: 'acw_seconds' });
    expect(indexes(db)).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM interval_inputs').pluck().get()).toBe(0);
  });

  it('two files of one table in one run: the second, overlapping one upserts over the first', async () => {
    const db = openWarehouse(join(dir, 'w.db'));
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, [HEADER, ...intervalLines(100)].join('\n') + '\n');
    // b: the last 50 of a's intervals again with other counts, then 50 new ones.
    writeFileSync(b, [HEADER, ...intervalLines(100, '2026-03-02T01:00:00Z').map((l) => l.replace(/,9,80,20,44,310$/, ',7,80,20,55,320'))].join('\n') + '\n');
    const r = await ingestFiles(db, [join(FIXTURE, 'sla_policy.csv'), a, b]);
    expect(r.ok).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM interval_inputs').pluck().get()).toBe(2 * 150);
    // b's rows replaced a's where they overlap: 03:00 is a plan in both (a: i = 54, b: j = 4; b's forecast 55),
    // 03:30 an outcome in both (a: offered 40 + 55 % 9 = 41, b: 40 + 5 % 9 = 45).
    const at = (ts: string) => db.prepare("SELECT has_outcome, offered, forecast_offered FROM interval_inputs WHERE queue = 'billing' AND interval_start = ?").get(ts);
    expect(at('2026-03-02T03:00:00Z')).toEqual({ has_outcome: 0, offered: 0, forecast_offered: 55 });
    expect(at('2026-03-02T03:30:00Z')).toEqual({ has_outcome: 1, offered: 45, forecast_offered: 41 });
    expect(r.warnings.filter((w) => /plan rows? left out/.test(w))).toEqual([]);
  });
});

describe('SeenKeys', () => {
  it('reports a repeated key with its first line, exactly as a Map of key → first line does', () => {
    fc.assert(
      fc.property(
        // Mostly rising keys (the usual file), with runs out of order and repeats.
        fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: 0 }) }), { maxLength: 600 }),
        (steps) => {
          const seen = new SeenKeys();
          const reference = new Map<number, number>();
          let key = 29_000_000;
          steps.forEach((step, i) => {
            key += step;
            const line = i + 2;
            const expected = reference.get(key) ?? -1;
            if (expected < 0) reference.set(key, line);
            expect(seen.add(key, line)).toBe(expected);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ticket search index after a bulk load', () => {
  it('a first load (triggers paused, index built once) gives the index the triggers build row by row', async () => {
    const search = (db: Db, q: string) => searchTickets(db, q, { limit: 50 }).hits.map((h) => [h.ticketId, h.score, h.matchedIn, h.snippet]);
    const bulk = openWarehouse(join(dir, 'bulk.db'));
    expect((await ingestFiles(bulk, [FIXTURE])).ok).toBe(true);
    // Row by row: one ticket already there, so the run keeps the triggers on; it is removed afterwards.
    const rowwise = openWarehouse(join(dir, 'rowwise.db'));
    rowwise.prepare(`INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject) VALUES ('X', '2026-01-01T00:00:00Z', 'open', 'low', 'email', 'billing', 'placeholder')`).run();
    expect((await ingestFiles(rowwise, [FIXTURE])).ok).toBe(true);
    rowwise.prepare(`DELETE FROM tickets WHERE ticket_id = 'X'`).run();
    for (const db of [bulk, rowwise]) {
      expect(db.prepare('SELECT COUNT(*) FROM ticket_search_paused').pluck().get()).toBe(0);
      db.exec(`INSERT INTO ticket_search_fts (ticket_search_fts, rank) VALUES ('integrity-check', 1)`);
    }
    const words = (bulk.prepare(`SELECT subject || ' ' || body FROM tickets UNION ALL SELECT body FROM ticket_events WHERE body IS NOT NULL`).pluck().all() as string[]).join(' ');
    const queries = [...new Set(words.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 3))];
    expect(queries.length).toBeGreaterThan(5);
    for (const q of queries) expect(search(bulk, q)).toEqual(search(rowwise, q));
    expect(bulk.prepare('SELECT COUNT(*) FROM ticket_comment_text').pluck().get()).toBeGreaterThan(0);
    expect(bulk.prepare('SELECT * FROM ticket_comment_text ORDER BY 1').all()).toEqual(rowwise.prepare('SELECT * FROM ticket_comment_text ORDER BY 1').all());
    // After the bulk load the triggers are on again: a new comment is found.
    bulk.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, body) SELECT 'E-new', ticket_id, created_at, 'comment', 'zeppelin' FROM tickets LIMIT 1`).run();
    expect(search(bulk, 'zeppelin')).toHaveLength(1);
  });

  it('a later load of events (comment triggers paused, touched tickets redone at the end) gives what row-by-row triggers give', async () => {
    const later = join(dir, 'later_events.csv');
    writeFileSync(later, [
      'event_id,ticket_id,at,type,author_type,agent_id,from_queue,to_queue,status,body',
      'E-4,T-2,2026-11-20T11:30:00Z,comment,customer,,,,,Third time I ask!', // moved from T-1 to T-2
      'E-5,T-1,2026-11-20T13:00:00Z,comment,customer,,,,,still waiting for the gyroscope', // body changed
      'E-6,T-2,2026-11-21T09:00:00Z,comment,agent,A-1,,,,refund of the gyroscope sent',
    ].join('\n') + '\n');
    const viaIngest = openWarehouse(join(dir, 'a.db'));
    const viaTriggers = openWarehouse(join(dir, 'b.db'));
    for (const db of [viaIngest, viaTriggers]) expect((await ingestFiles(db, [FIXTURE])).ok).toBe(true);
    expect((await ingestFiles(viaIngest, [later])).ok).toBe(true);
    viaTriggers.exec(`UPDATE ticket_events SET ticket_id = 'T-2' WHERE event_id = 'E-4';
      UPDATE ticket_events SET body = 'still waiting for the gyroscope' WHERE event_id = 'E-5';
      INSERT INTO ticket_events (event_id, ticket_id, at, type, author_type, agent_id, body) VALUES ('E-6', 'T-2', '2026-11-21T09:00:00Z', 'comment', 'agent', 'A-1', 'refund of the gyroscope sent')`);
    const search = (db: Db, q: string) => searchTickets(db, q, { limit: 50 }).hits.map((h) => [h.ticketId, h.score, h.matchedIn, h.snippet]);
    for (const db of [viaIngest, viaTriggers]) {
      db.exec(`INSERT INTO ticket_search_fts (ticket_search_fts, rank) VALUES ('integrity-check', 1)`);
      expect(db.prepare('SELECT COUNT(*) FROM ticket_search_paused').pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM ticket_search_stale').pluck().get()).toBe(0);
    }
    expect(viaIngest.prepare('SELECT * FROM ticket_comment_text ORDER BY 1').all()).toEqual(viaTriggers.prepare('SELECT * FROM ticket_comment_text ORDER BY 1').all());
    for (const q of ['gyroscope', 'third time', 'waiting', 'looking', 'refund']) expect(search(viaIngest, q)).toEqual(search(viaTriggers, q));
    expect(search(viaIngest, 'third').map((h) => h[0])).toEqual(['T-2']);
  });

  it('a rejected first load leaves the triggers on and the index empty', async () => {
    const db = openWarehouse(join(dir, 'w.db'));
    const bad = join(dir, 'tickets.csv');
    const lines = readFileSync(join(FIXTURE, 'tickets.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(bad, [...lines, lines[1]].join('\n') + '\n'); // a repeated ticket id
    expect((await ingestFiles(db, [bad])).ok).toBe(false);
    expect(db.prepare('SELECT COUNT(*) FROM ticket_search_paused').pluck().get()).toBe(0);
    insert1(db);
    expect(searchTickets(db, 'zeppelin').hits.map((h) => h.ticketId)).toEqual(['Z']);
  });
});

function insert1(db: Db) {
  db.prepare(`INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject) VALUES ('Z', '2026-01-01T00:00:00Z', 'open', 'low', 'email', 'billing', 'zeppelin down')`).run();
}
