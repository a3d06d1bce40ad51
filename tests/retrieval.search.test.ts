import { describe, expect, test, beforeEach } from 'vitest';
import fc from 'fast-check';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { searchTickets, ftsQuery, DEFAULT_WEIGHTS } from '../src/engines/retrieval/index.js';

type T = { id: string; subject: string; body: string; queue?: string; created?: string; priority?: string; status?: string; comments?: string[] };

function insert(db: Db, tickets: T[]): void {
  const ins = db.prepare(
    `INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject, body) VALUES (?, ?, ?, ?, 'email', ?, ?, ?)`,
  );
  const ev = db.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, author_type, body) VALUES (?, ?, '2026-11-10T11:00:00Z', 'comment', 'customer', ?)`);
  for (const t of tickets) {
    ins.run(t.id, t.created ?? '2026-11-10T10:00:00Z', t.status ?? 'open', t.priority ?? 'normal', t.queue ?? 'billing', t.subject, t.body);
    (t.comments ?? []).forEach((c, i) => ev.run(`${t.id}-c${i}`, t.id, c));
  }
}

// Filler tickets so the query words are rare (FTS5 floors the IDF of words in over half the rows at ~0).
const FILLER: T[] = Array.from({ length: 12 }, (_, i) => ({
  id: `F-${i}`,
  subject: ['Account settings', 'Password change', 'Shipping address', 'Delivery late'][i % 4],
  body: ['How do I change my email address', 'The parcel has not arrived yet', 'Where can I update settings', 'Need help with my account'][i % 4],
}));

/**
 * An independent BM25F reference (the formula FTS5 documents): whitespace/punctuation tokens, per query term
 * weighted tf over columns, document length over all columns, IDF floored at 1e-6, k1 = 1.2, b = 0.75.
 */
function referenceBm25(docs: T[], query: string[], w: [number, number, number]): Map<string, number> {
  const tok = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const rows = docs.map((d) => ({ id: d.id, cols: [tok(d.subject), tok(d.body), tok((d.comments ?? []).join(' '))] }));
  const N = rows.length;
  const len = (r: (typeof rows)[number]) => r.cols[0].length + r.cols[1].length + r.cols[2].length;
  const avgdl = rows.reduce((s, r) => s + len(r), 0) / N;
  const out = new Map<string, number>();
  for (const r of rows) {
    const D = len(r);
    let score = 0;
    for (const q of query) {
      const n = rows.filter((x) => x.cols.some((c) => c.includes(q))).length;
      let idf = Math.log((N - n + 0.5) / (n + 0.5));
      if (idf <= 0) idf = 1e-6;
      const tf = w.reduce((sum, wc, c) => sum + wc * r.cols[c].filter((t) => t === q).length, 0);
      score += (idf * (tf * 2.2)) / (tf + 1.2 * (1 - 0.75 + (0.75 * D) / avgdl));
    }
    if (score > 0) out.set(r.id, score);
  }
  return out;
}

describe('BM25 ranking', () => {
  let db: Db;
  const corpus: T[] = [
    ...FILLER,
    { id: 'A', subject: 'Printer jam', body: 'It stopped in the middle of a long job' },
    { id: 'B', subject: 'Paper stuck', body: 'The printer jam happens again every morning' },
    { id: 'C', subject: 'Toner', body: 'Toner low warning on the printer display' },
  ];
  beforeEach(() => {
    db = openWarehouse(':memory:');
    insert(db, corpus);
  });

  test('scores equal an independent BM25F computation (default weights)', () => {
    for (const q of [['printer'], ['printer', 'jam'], ['toner', 'morning']]) {
      const ref = referenceBm25(corpus, q, [DEFAULT_WEIGHTS.subject, DEFAULT_WEIGHTS.body, DEFAULT_WEIGHTS.comments]);
      const got = searchTickets(db, q.join(' '), { limit: 50 }).hits;
      expect(new Set(got.map((h) => h.ticketId))).toEqual(new Set(ref.keys()));
      for (const h of got) expect(h.score).toBeCloseTo(ref.get(h.ticketId)!, 9);
    }
  });

  test('a subject hit outranks a body hit, and the weights decide it', () => {
    const dflt = searchTickets(db, 'printer jam').hits.map((h) => h.ticketId);
    expect(dflt.indexOf('A')).toBeLessThan(dflt.indexOf('B'));
    const bodyFirst = searchTickets(db, 'printer jam', { weights: { subject: 0.2, body: 3, comments: 0.5 } }).hits.map((h) => h.ticketId);
    expect(bodyFirst.indexOf('B')).toBeLessThan(bodyFirst.indexOf('A'));
  });

  test('snippets highlight the matched words and say where the match was', () => {
    const [a] = searchTickets(db, 'toner').hits;
    expect(a.ticketId).toBe('C');
    expect(a.snippet).toContain('«Toner»');
    expect(a.matchedIn).toEqual(['subject', 'body']);
    const b = searchTickets(db, 'morning').hits[0];
    expect(b.ticketId).toBe('B');
    expect(b.snippet).toMatch(/every «morning»/);
    expect(b.matchedIn).toEqual(['body']);
  });

  test('stemming: "printers" finds "printer"', () => {
    expect(searchTickets(db, 'printers').hits.map((h) => h.ticketId).sort()).toEqual(['A', 'B', 'C']);
  });

  test('comments are searched; a comment-only match is found with a comment snippet', () => {
    db.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, author_type, body) VALUES ('E1', 'F-1', '2026-11-10T11:00:00Z', 'comment', 'customer', 'also the scanner is dead')`).run();
    const hits = searchTickets(db, 'scanner').hits;
    expect(hits.map((h) => h.ticketId)).toEqual(['F-1']);
    expect(hits[0].matchedIn).toEqual(['comments']);
    expect(hits[0].snippet).toBe('comment: also the «scanner» is dead');
  });

  test('FTS syntax in user input is inert', () => {
    for (const q of ['printer AND', '"unbalanced', 'NEAR(printer jam)', 'subject:printer', 'printer*', '-printer', '^printer', '((']) {
      expect(() => searchTickets(db, q)).not.toThrow();
    }
    expect(searchTickets(db, 'subject:printer').hits.length).toBeGreaterThan(0);
    expect(searchTickets(db, 'print*').hits.map((h) => h.ticketId).sort()).toEqual(['A', 'B', 'C']);
    expect(searchTickets(db, '!!! ...').hits).toEqual([]);
    expect(searchTickets(db, '   ').hits).toEqual([]);
  });

  test('any text never throws (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (q) => {
        searchTickets(db, q);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('ranking inside FTS5', () => {
  test('with comments, scores equal the independent BM25F over subject, body and all comments', () => {
    const db = openWarehouse(':memory:');
    const corpus: T[] = [
      ...FILLER,
      { id: 'A', subject: 'Printer jam', body: 'It stopped', comments: ['the printer stopped again', 'still stuck, toner fine'] },
      { id: 'B', subject: 'Paper stuck', body: 'The tray is empty', comments: ['printer printer printer printer printer'] },
      { id: 'C', subject: 'Toner', body: 'low warning', comments: [] },
    ];
    insert(db, corpus);
    for (const q of [['printer'], ['toner'], ['printer', 'toner'], ['stuck', 'jam']]) {
      const ref = referenceBm25(corpus, q, [DEFAULT_WEIGHTS.subject, DEFAULT_WEIGHTS.body, DEFAULT_WEIGHTS.comments]);
      const got = searchTickets(db, q.join(' '), { limit: 50 }).hits;
      expect(new Set(got.map((h) => h.ticketId))).toEqual(new Set(ref.keys()));
      for (const h of got) expect(h.score).toBeCloseTo(ref.get(h.ticketId)!, 9);
    }
    // Five repeats in one comment do not outweigh one subject word (k1 saturates, comments weigh 0.5).
    expect(searchTickets(db, 'printer').hits[0].ticketId).toBe('A');
    expect(searchTickets(db, 'printer').hits.find((h) => h.ticketId === 'B')!.matchedIn).toEqual(['comments']);
  });

  test('the top k with filters and ties equal an exhaustive ranking of every match (property)', () => {
    const db = openWarehouse(':memory:');
    // 300 tickets over 3 queues, few distinct texts: many exact ties, matches far beyond the first K.
    const words = ['refund', 'invoice', 'login', 'parcel', 'refund refund', 'invoice login'];
    const corpus: T[] = Array.from({ length: 300 }, (_, i) => ({
      id: `T-${String(i).padStart(3, '0')}`,
      subject: words[i % words.length],
      body: words[(i * 7) % words.length] + (i % 11 === 0 ? ' urgent' : ''),
      queue: ['billing', 'sales', 'tech'][(i * 5) % 3],
      created: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
      priority: i % 13 === 0 ? 'high' : 'normal',
      comments: i % 4 === 0 ? [words[(i * 3) % words.length]] : [],
    }));
    insert(db, corpus);
    const all = db.prepare(
      `SELECT t.ticket_id AS id, -bm25(ticket_search_fts, 3, 1, 0.5) AS score, t.created_at AS created, t.queue, t.priority
       FROM ticket_search_fts JOIN tickets t ON t.rowid = ticket_search_fts.rowid WHERE ticket_search_fts MATCH ?`,
    );
    fc.assert(
      fc.property(
        fc.constantFrom('refund', 'invoice', 'login urgent', 'parcel refund', 'refund invoice login'),
        fc.integer({ min: 1, max: 60 }),
        fc.option(fc.constantFrom('billing', 'tech'), { nil: undefined }),
        fc.boolean(),
        (q, limit, queue, highOnly) => {
          const match = ftsQuery(q)!;
          const expected = (all.all(match) as { id: string; score: number; created: string; queue: string; priority: string }[])
            .filter((r) => (!queue || r.queue === queue) && (!highOnly || r.priority === 'high'))
            .sort((a, b) => b.score - a.score || b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
          const r = searchTickets(db, q, { limit, queue, priority: highOnly ? ['high'] : null, snippets: false });
          expect(r.hits.map((h) => h.ticketId)).toEqual(expected.slice(0, limit).map((e) => e.id));
          expect(r.matched).toBe(expected.length);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('filters', () => {
  test('queue, time window, priority and status', () => {
    const db = openWarehouse(':memory:');
    insert(db, [
      ...FILLER,
      { id: 'Q1', subject: 'Invoice wrong', body: 'x', queue: 'billing', created: '2026-11-01T09:00:00Z', priority: 'high', status: 'open' },
      { id: 'Q2', subject: 'Invoice missing', body: 'y', queue: 'billing', created: '2026-11-05T09:00:00Z', priority: 'low', status: 'solved' },
      { id: 'Q3', subject: 'Invoice copy', body: 'z', queue: 'sales', created: '2026-11-05T12:00:00Z', priority: 'high', status: 'pending' },
    ]);
    const ids = (o: Parameters<typeof searchTickets>[2]) => searchTickets(db, 'invoice', o).hits.map((h) => h.ticketId).sort();
    expect(ids({})).toEqual(['Q1', 'Q2', 'Q3']);
    expect(ids({ queue: 'billing' })).toEqual(['Q1', 'Q2']);
    expect(ids({ queue: ['sales', 'nope'] })).toEqual(['Q3']);
    expect(ids({ createdFrom: '2026-11-05T00:00:00Z' })).toEqual(['Q2', 'Q3']);
    expect(ids({ createdFrom: '2026-11-05T00:00:00Z', createdTo: '2026-11-05T12:00:00Z' })).toEqual(['Q2']);
    expect(ids({ priority: ['high'] })).toEqual(['Q1', 'Q3']);
    expect(ids({ status: ['open', 'pending'] })).toEqual(['Q1', 'Q3']);
    expect(ids({ exclude: ['Q1'] })).toEqual(['Q2', 'Q3']);
    expect(searchTickets(db, 'invoice', { queue: 'billing' }).matched).toBe(2);
  });
});

describe('trigger sync', () => {
  const matchIds = (db: Db, q: string) => searchTickets(db, q, { limit: 50 }).hits.map((h) => h.ticketId).sort();
  const integrity = (db: Db) => {
    db.exec(`INSERT INTO ticket_search_fts (ticket_search_fts, rank) VALUES ('integrity-check', 1)`);
  };

  test('upsert (as ingest does it), update, delete keep the index exact', () => {
    const db = openWarehouse(':memory:');
    insert(db, FILLER);
    const upsert = db.prepare(
      `INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject, body) VALUES (?, '2026-11-10T10:00:00Z', 'open', 'normal', 'email', 'billing', ?, ?)
       ON CONFLICT (ticket_id) DO UPDATE SET subject = excluded.subject, body = excluded.body, status = excluded.status`,
    );
    upsert.run('U', 'Refund pending', 'waiting for money');
    expect(matchIds(db, 'refund')).toEqual(['U']);
    upsert.run('U', 'Refund pending', 'waiting for money'); // unchanged text: no re-index, still exact
    integrity(db);
    upsert.run('U', 'Chargeback filed', 'bank dispute');
    expect(matchIds(db, 'refund')).toEqual([]);
    expect(matchIds(db, 'chargeback')).toEqual(['U']);
    db.prepare(`UPDATE tickets SET body = 'bank dispute and a voucher' WHERE ticket_id = 'U'`).run();
    expect(matchIds(db, 'voucher')).toEqual(['U']);
    integrity(db);
    db.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, body) VALUES ('E9', 'U', '2026-11-10T11:00:00Z', 'comment', 'escalating to legal')`).run();
    expect(matchIds(db, 'legal')).toEqual(['U']);
    db.prepare(`UPDATE ticket_events SET body = 'resolved kindly' WHERE event_id = 'E9'`).run();
    expect(matchIds(db, 'legal')).toEqual([]);
    integrity(db);
    db.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, body) VALUES ('E10', 'U', '2026-11-10T12:00:00Z', 'comment', 'second note about a courier')`).run();
    expect(matchIds(db, 'kindly courier')).toEqual(['U']);
    db.prepare(`UPDATE ticket_events SET ticket_id = 'F-0' WHERE event_id = 'E10'`).run(); // a comment moved to another ticket
    expect(matchIds(db, 'courier')).toEqual(['F-0']);
    integrity(db);
    db.prepare(`DELETE FROM ticket_events WHERE event_id = 'E9'`).run();
    expect(matchIds(db, 'resolved')).toEqual([]);
    // A comment that arrives before its ticket is indexed when the ticket arrives.
    db.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, body) VALUES ('E11', 'LATE', '2026-11-10T12:00:00Z', 'comment', 'hovercraft eels')`).run();
    expect(matchIds(db, 'hovercraft')).toEqual([]);
    insert(db, [{ id: 'LATE', subject: 'Late ticket', body: 'arrived after its comment' }]);
    expect(matchIds(db, 'hovercraft')).toEqual(['LATE']);
    integrity(db);
    db.prepare(`DELETE FROM tickets WHERE ticket_id = 'U'`).run();
    expect(matchIds(db, 'chargeback')).toEqual([]);
    integrity(db);
  });

  test('the migration indexes tickets that existed before it', () => {
    const db = openWarehouse(':memory:');
    insert(db, [{ id: 'OLD', subject: 'Legacy modem', body: 'blinking' }]);
    db.exec(`INSERT INTO ticket_search_fts (ticket_search_fts) VALUES ('delete-all'); INSERT INTO ticket_search_fts (ticket_search_fts) VALUES ('rebuild')`);
    expect(matchIds(db, 'modem')).toEqual(['OLD']);
  });
});

describe('ftsQuery', () => {
  test('quotes words, keeps phrases and prefixes, drops stopwords unless nothing else', () => {
    expect(ftsQuery('the invoice "payment portal" err*')).toBe('"payment portal" OR "invoice" OR "err"*');
    expect(ftsQuery('what is this')).toBe('"what" OR "is" OR "this"');
    expect(ftsQuery('printer "jam')).toBe('"printer" OR "jam"');
    expect(ftsQuery('')).toBeNull();
  });
});
