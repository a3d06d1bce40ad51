/**
 * Full-text ticket search over the FTS5 index of migration 002: BM25 with field weights, filters, snippets.
 *
 * Retrieval is the one engine that reads the warehouse: it is the warehouse's search index.
 */
import type { Db } from '../../warehouse/db.js';
import { ftsQuery } from './text.js';

export interface SearchFilters {
  /** One queue or several; empty/undefined = all. */
  queue?: string | string[] | null;
  /** Created at or after (ISO UTC, inclusive). */
  createdFrom?: string | null;
  /** Created before (ISO UTC, exclusive). */
  createdTo?: string | null;
  priority?: string[] | null;
  status?: string[] | null;
  /** Tickets to leave out (the ticket itself, for "similar"). */
  exclude?: string[];
  /** Ticket attributes (attr_<name> columns) that must equal these values, by name without the prefix. */
  attributes?: Record<string, string> | null;
}

/**
 * Field weights: multipliers of each field's BM25 score. Subject words say what a ticket is about; body
 * words often describe circumstances; comments are mostly agent replies and follow-ups.
 */
export interface FieldWeights {
  subject: number;
  body: number;
  comments: number;
}

export const DEFAULT_WEIGHTS: FieldWeights = { subject: 3, body: 1, comments: 0.5 };

export interface TicketHit {
  ticketId: string;
  score: number;
  subject: string;
  queue: string;
  createdAt: string;
  priority: string;
  status: string;
  category: string | null;
  /** A passage with the matched words between « and » (the best-matching field). */
  snippet: string;
  /** Where the query matched. */
  matchedIn: ('subject' | 'body' | 'comments')[];
}

export interface SearchResult {
  hits: TicketHit[];
  /** Number of tickets that matched at all (after filters), capped at `countCap`. */
  matched: number;
  /** The FTS5 expression that ran (null when the query had no searchable words). */
  match: string | null;
}

const OPEN = '\u0002';
const CLOSE = '\u0003';

/** Replaces the snippet sentinels with « » (and any « » already in the text with plain quotes). */
export function markSnippet(raw: string): string {
  return raw.replace(/[«»]/g, '"').split(OPEN).join('«').split(CLOSE).join('»').replace(/\s+/g, ' ').trim();
}

function filterSql(f: SearchFilters, params: unknown[]): string {
  const where: string[] = [];
  const queues = f.queue == null ? [] : Array.isArray(f.queue) ? f.queue : [f.queue];
  if (queues.length) {
    where.push(`t.queue IN (${queues.map(() => '?').join(', ')})`);
    params.push(...queues);
  }
  if (f.createdFrom) {
    where.push('t.created_at >= ?');
    params.push(f.createdFrom);
  }
  if (f.createdTo) {
    where.push('t.created_at < ?');
    params.push(f.createdTo);
  }
  if (f.priority?.length) {
    where.push(`t.priority IN (${f.priority.map(() => '?').join(', ')})`);
    params.push(...f.priority);
  }
  if (f.status?.length) {
    where.push(`t.status IN (${f.status.map(() => '?').join(', ')})`);
    params.push(...f.status);
  }
  if (f.exclude?.length) {
    where.push(`t.ticket_id NOT IN (${f.exclude.map(() => '?').join(', ')})`);
    params.push(...f.exclude);
  }
  for (const [name, value] of Object.entries(f.attributes ?? {})) {
    // Compared as text, case-insensitively (values are stored as written).
    where.push(`lower(CAST(json_extract(t.attributes, ?) AS TEXT)) = lower(?)`);
    params.push(`$."${name.replace(/"/g, '')}"`, value);
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export interface SearchOptions extends SearchFilters {
  limit?: number;
  weights?: FieldWeights;
  /** Stop counting matches past this many (the count is for "n more"). */
  countCap?: number;
  /** Compute snippets (skipped by benchmarks that only rank). */
  snippets?: boolean;
}

/**
 * BM25 search over subject, body and comments. FTS5's bm25() with column weights is BM25F-like: per query
 * term q, tf_w = wS·tf_subject + wB·tf_body and
 *   score_doc = Σ_q IDF(q) · tf_w·(k1+1) / (tf_w + k1·(1 − b + b·|D|/avgdl)),  k1 = 1.2, b = 0.75,
 *   IDF(q) = ln((N − n_q + 0.5)/(n_q + 0.5)), floored at 1e-6 (terms in over half the tickets ≈ 0),
 * |D| = subject + body tokens. A ticket's score is score_doc + wC · (the best single comment's BM25) —
 * the best comment, so a long thread cannot win by volume. Positive, higher is better; ties: newer first.
 * Cost: FTS5 posting-list scans for the query terms, then the filters on the matching rows only.
 * Empty or stopword-only input → no hits.
 */
export function searchTickets(db: Db, query: string, opts: SearchOptions = {}): SearchResult {
  const match = ftsQuery(query);
  if (!match) return { hits: [], matched: 0, match: null };
  return searchMatch(db, match, opts);
}

/** The same with a ready FTS5 expression (see ftsQuery). */
export function searchMatch(db: Db, match: string, opts: SearchOptions = {}): SearchResult {
  const w = opts.weights ?? DEFAULT_WEIGHTS;
  const limit = opts.limit ?? 10;
  const cap = opts.countCap ?? 1000;
  const params: unknown[] = [w.subject, w.body, match, match, w.comments];
  const where = filterSql(opts, params);
  // bm25() only works in the query that does the MATCH, hence the materialised CTEs before any aggregate.
  const rows = db
    .prepare(
      `WITH d AS MATERIALIZED (
         SELECT rowid AS rid, -bm25(tickets_fts, ?, ?) AS s FROM tickets_fts WHERE tickets_fts MATCH ?
       ),
       cm AS MATERIALIZED (
         SELECT rowid AS erid, -bm25(ticket_comments_fts) AS s FROM ticket_comments_fts WHERE ticket_comments_fts MATCH ?
       ),
       f AS (
         SELECT rid, s, 1 AS in_doc, 0 AS in_comments FROM d
         UNION ALL
         SELECT tk.rowid, MAX(cm.s) * ?, 0, 1
         FROM cm JOIN ticket_events e ON e.rowid = cm.erid JOIN tickets tk ON tk.ticket_id = e.ticket_id
         GROUP BY tk.rowid
       )
       SELECT t.rowid AS rid, t.ticket_id AS ticketId, SUM(f.s) AS score, t.subject, t.queue, t.created_at AS createdAt,
              t.priority, t.status, t.category, MAX(f.in_doc) AS inDoc, MAX(f.in_comments) AS inComments
       FROM f JOIN tickets t ON t.rowid = f.rid
       ${where}
       GROUP BY t.rowid
       ORDER BY score DESC, t.created_at DESC, t.ticket_id
       LIMIT ?`,
    )
    .all(...params, Math.max(limit, 0) + cap) as (Omit<TicketHit, 'snippet' | 'matchedIn'> & { rid: number; inDoc: number; inComments: number })[];
  const matched = Math.min(rows.length, cap);
  const top = rows.slice(0, limit);
  const hits = top.map((r) => {
    const { rid, inDoc, inComments, ...rest } = r;
    const matchedIn: TicketHit['matchedIn'] = [];
    let snippet = '';
    if (inDoc) {
      const cols = db
        .prepare(
          `SELECT snippet(tickets_fts, -1, '${OPEN}', '${CLOSE}', '…', 18) AS snip,
                  instr(highlight(tickets_fts, 0, '${OPEN}', '${CLOSE}'), '${OPEN}') > 0 AS inSubject,
                  instr(highlight(tickets_fts, 1, '${OPEN}', '${CLOSE}'), '${OPEN}') > 0 AS inBody
           FROM tickets_fts WHERE tickets_fts MATCH ? AND rowid = CAST(? AS INTEGER)`,
        )
        .get(match, rid) as { snip: string; inSubject: number; inBody: number } | undefined;
      if (cols?.inSubject) matchedIn.push('subject');
      if (cols?.inBody) matchedIn.push('body');
      // Prefer the body passage when both match: the subject is shown beside the snippet anyway.
      if (opts.snippets !== false) {
        snippet = cols?.inBody && cols.inSubject
          ? markSnippet(
              (db
                .prepare(`SELECT snippet(tickets_fts, 1, '${OPEN}', '${CLOSE}', '…', 18) AS s FROM tickets_fts WHERE tickets_fts MATCH ? AND rowid = CAST(? AS INTEGER)`)
                .get(match, rid) as { s: string }).s,
            )
          : markSnippet(cols?.snip ?? '');
      }
    }
    if (inComments) {
      matchedIn.push('comments');
      if (!snippet && opts.snippets !== false) {
        // The ticket's few events by index, then FTS5 per event rowid: a MATCH joined on ticket_id would
        // score every matching comment in the warehouse to keep one.
        const snip = db.prepare(
          `SELECT snippet(ticket_comments_fts, 0, '${OPEN}', '${CLOSE}', '…', 18) AS s, bm25(ticket_comments_fts) AS b
           FROM ticket_comments_fts WHERE ticket_comments_fts MATCH ? AND rowid = CAST(? AS INTEGER)`,
        );
        let best: { s: string; b: number } | undefined;
        for (const ev of db.prepare('SELECT rowid AS id FROM ticket_events WHERE ticket_id = ? AND body IS NOT NULL').all(r.ticketId) as { id: number }[]) {
          const c = snip.get(match, ev.id) as { s: string; b: number } | undefined;
          if (c && (!best || c.b < best.b)) best = c;
        }
        snippet = best ? `comment: ${markSnippet(best.s)}` : '';
      }
    }
    return { ...rest, snippet, matchedIn };
  });
  return { hits, matched, match };
}

/** Tickets by id, in the order given (unknown ids skipped). For fused rankings and citations. */
export function ticketsById(db: Db, ids: string[]): Map<string, { ticketId: string; subject: string; body: string; queue: string; createdAt: string; priority: string; status: string; category: string | null }> {
  const out = new Map();
  if (!ids.length) return out;
  const stmt = db.prepare(
    `SELECT ticket_id AS ticketId, subject, body, queue, created_at AS createdAt, priority, status, category FROM tickets WHERE ticket_id = ?`,
  );
  for (const id of ids) {
    const r = stmt.get(id);
    if (r) out.set(id, r);
  }
  return out;
}

/** Whether the ticket passes the filters (for candidates that did not come from SQL, e.g. vectors). */
export function filterIds(db: Db, ids: string[], f: SearchFilters): Set<string> {
  if (!ids.length) return new Set();
  const params: unknown[] = [];
  const where = filterSql(f, params);
  const inList = `t.ticket_id IN (${ids.map(() => '?').join(', ')})`;
  const sql = `SELECT t.ticket_id AS id FROM tickets t ${where ? `${where} AND ${inList}` : `WHERE ${inList}`}`;
  return new Set((db.prepare(sql).all(...params, ...ids) as { id: string }[]).map((r) => r.id));
}
