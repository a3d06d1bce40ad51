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
 * BM25F search over one document per ticket — subject, body and its comments (migration 017) — ranked inside
 * FTS5: `rank MATCH 'bm25(wS, wB, wC)' ORDER BY rank LIMIT k`, so only the top k rows leave the index. FTS5's
 * bm25() with column weights: per query term q, tf_w = wS·tf_subject + wB·tf_body + wC·tf_comments and
 *   score = Σ_q IDF(q) · tf_w·(k1+1) / (tf_w + k1·(1 − b + b·|D|/avgdl)),  k1 = 1.2, b = 0.75,
 *   IDF(q) = ln((N − n_q + 0.5)/(n_q + 0.5)), floored at 1e-6 (terms in over half the tickets ≈ 0),
 * |D| = all the ticket's tokens. k1 saturates a term's weight, so a long thread does not win by volume.
 * Positive, higher is better; ties: newer first, then ticket id.
 * Filters and exact ties need rows beyond k: the top K are fetched (K = a few times the limit), joined and
 * filtered; when fewer than `limit` of them score strictly above the K-th row, K grows (×4) and FTS5 ranks
 * again — K reaching the number of matches is the exhaustive answer. Snippets and where the query matched
 * (highlight) are computed by FTS5 in the same query, on the K rows only.
 * Empty or stopword-only input → no hits.
 */
export function searchTickets(db: Db, query: string, opts: SearchOptions = {}): SearchResult {
  const match = ftsQuery(query);
  if (!match) return { hits: [], matched: 0, match: null };
  return searchMatch(db, match, opts);
}

type Ranked = Omit<TicketHit, 'snippet' | 'matchedIn'> & { pass: number; inSubject: number; inBody: number; inComments: number; snip: string | null };

/** The ranking query: FTS5's top K (with highlights), then tickets' columns and whether the filters pass. */
function rankedSql(where: string, snippets: boolean): string {
  const hl = (col: number) => `instr(highlight(ticket_search_fts, ${col}, '${OPEN}', '${CLOSE}'), '${OPEN}') > 0`;
  // The snippet of the body when it matched, else of the subject, else of the comments.
  const snip = snippets
    ? `snippet(ticket_search_fts, CASE WHEN ${hl(1)} THEN 1 WHEN ${hl(0)} THEN 0 ELSE 2 END, '${OPEN}', '${CLOSE}', '…', 18)`
    : 'NULL';
  return `SELECT t.ticket_id AS ticketId, f.score, t.subject, t.queue, t.created_at AS createdAt, t.priority, t.status, t.category,
            ${where ? `CASE WHEN ${where.replace(/^WHERE /, '')} THEN 1 ELSE 0 END` : '1'} AS pass, f.inSubject, f.inBody, f.inComments, f.snip
     FROM (SELECT rowid AS rid, -rank AS score, ${hl(0)} AS inSubject, ${hl(1)} AS inBody, ${hl(2)} AS inComments, ${snip} AS snip
           FROM ticket_search_fts WHERE ticket_search_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?) f
     JOIN tickets t ON t.rowid = f.rid
     ORDER BY f.score DESC, t.created_at DESC, t.ticket_id`;
}

/** The same with a ready FTS5 expression (see ftsQuery). */
export function searchMatch(db: Db, match: string, opts: SearchOptions = {}): SearchResult {
  const w = opts.weights ?? DEFAULT_WEIGHTS;
  for (const v of [w.subject, w.body, w.comments]) if (!Number.isFinite(v) || v < 0) throw new Error(`field weights must be numbers ≥ 0, got ${JSON.stringify(w)}`);
  const limit = Math.max(opts.limit ?? 10, 0);
  const cap = opts.countCap ?? 1000;
  const rank = `bm25(${w.subject}, ${w.body}, ${w.comments})`;
  const filterParams: unknown[] = [];
  const where = filterSql(opts, filterParams);
  const ranked = db.prepare(rankedSql(where, opts.snippets !== false));
  let k = Math.max(4 * limit, 40);
  let rows: Ranked[];
  let exhaustive: boolean;
  for (;;) {
    const fetched = ranked.all(...filterParams, match, rank, k) as Ranked[];
    rows = fetched.filter((r) => r.pass);
    exhaustive = fetched.length < k;
    // The K-th row's score bounds every row not fetched: fetched rows strictly above it are final.
    const low = fetched.length ? fetched[fetched.length - 1].score : 0;
    if (exhaustive || rows.filter((r) => r.score > low).length >= limit) break;
    k *= 4;
  }
  // How many tickets matched (after filters), up to the cap: known when the ranking saw every match.
  const matched = exhaustive
    ? Math.min(rows.length, cap)
    : (db
        .prepare(`SELECT count(*) FROM (SELECT 1 FROM ticket_search_fts JOIN tickets t ON t.rowid = ticket_search_fts.rowid ${where ? `${where} AND` : 'WHERE'} ticket_search_fts MATCH ? LIMIT ?)`)
        .pluck()
        .get(...filterParams, match, cap) as number);
  const hits = rows.slice(0, limit).map((r) => {
    const { pass: _pass, inSubject, inBody, inComments, snip, ...rest } = r;
    const matchedIn: TicketHit['matchedIn'] = [];
    if (inSubject) matchedIn.push('subject');
    if (inBody) matchedIn.push('body');
    if (inComments) matchedIn.push('comments');
    const snippet = snip === null ? '' : inSubject || inBody ? markSnippet(snip) : `comment: ${markSnippet(snip)}`;
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
