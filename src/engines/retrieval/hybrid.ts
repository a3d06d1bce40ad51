/**
 * Hybrid retrieval: BM25 (always) fused with vector search (when an embedder is configured and tickets have
 * vectors for its model) by reciprocal-rank fusion. With no embedder, or when it fails, BM25 alone answers
 * and the result says why — retrieval never breaks because an endpoint is missing.
 */
import type { Db } from '../../warehouse/db.js';
import { searchMatch, searchTickets, ticketsById, type SearchFilters, type SearchOptions, type TicketHit } from './search.js';
import { embeddingCount, storedVector, vectorSearch, type Embedder, type VectorHit } from './embeddings.js';
import { reciprocalRankFusion } from './fusion.js';
import { ftsQuery, redact, terms } from './text.js';

export interface RankedHit extends TicketHit {
  /** 1-based ranks in the BM25 and vector lists (null = not in that list). */
  ranks: { bm25: number | null; vector: number | null };
  /** Cosine similarity when the vector list had it. */
  similarity: number | null;
}

export interface RankedResult {
  hits: RankedHit[];
  ranking: 'bm25' | 'hybrid';
  /** Tickets matching the words at all (BM25), capped. */
  matched: number;
  note: string | null;
}

export interface HybridOptions extends SearchOptions {
  embedder?: Embedder | null;
  /** Candidates taken from each list before fusion (default 50). */
  candidates?: number;
  /** RRF constant (default 60). */
  rrfK?: number;
  /** Vector search in SQL via sqlite-vec when it loads (default true). */
  useSqliteVec?: boolean;
}

function bodyPreview(body: string): string {
  const t = body.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 159)}…` : t;
}

/** Fuses a BM25 list and a vector list into hits (vector-only tickets get a body preview as snippet). */
export function fuse(db: Db, bm25: TicketHit[], vectors: VectorHit[], limit: number, rrfK = 60): RankedHit[] {
  const fused = reciprocalRankFusion([bm25.map((h) => h.ticketId), vectors.map((v) => v.ticketId)], rrfK).slice(0, limit);
  const byId = new Map(bm25.map((h) => [h.ticketId, h]));
  const sim = new Map(vectors.map((v) => [v.ticketId, v.similarity]));
  const missing = ticketsById(db, fused.filter((f) => !byId.has(f.id)).map((f) => f.id));
  return fused.flatMap((f) => {
    const h = byId.get(f.id);
    const base: TicketHit | null = h ?? (() => {
      const t = missing.get(f.id);
      return t ? { ticketId: t.ticketId, score: 0, subject: t.subject, queue: t.queue, createdAt: t.createdAt, priority: t.priority, status: t.status, category: t.category, snippet: bodyPreview(t.body), matchedIn: [] } : null;
    })();
    if (!base) return [];
    return [{ ...base, score: f.score, ranks: { bm25: f.ranks[0], vector: f.ranks[1] }, similarity: sim.get(f.id) ?? null }];
  });
}

function asRanked(hits: TicketHit[]): RankedHit[] {
  return hits.map((h, i) => ({ ...h, ranks: { bm25: i + 1, vector: null }, similarity: null }));
}

/**
 * Search tickets by words: BM25 over subject/body/comments, plus — with an embedder whose model has stored
 * vectors — the nearest tickets to the query's embedding, fused by RRF. The query is redacted before it is
 * sent to the embedder. O(BM25) + one embedding call + O(n·d) exact vector scan.
 */
export async function rankTickets(db: Db, query: string, opts: HybridOptions = {}): Promise<RankedResult> {
  const limit = opts.limit ?? 10;
  const cand = Math.max(opts.candidates ?? 50, limit);
  const bm = searchTickets(db, query, { ...opts, limit: cand });
  const embedder = opts.embedder ?? null;
  if (!embedder) return { hits: asRanked(bm.hits.slice(0, limit)), ranking: 'bm25', matched: bm.matched, note: null };
  if (embeddingCount(db, embedder.model) === 0) {
    return { hits: asRanked(bm.hits.slice(0, limit)), ranking: 'bm25', matched: bm.matched, note: `no ticket embeddings for ${embedder.model} yet (build them with \`radar tickets index\`); ranked by BM25` };
  }
  let qv: number[];
  try {
    qv = await embedder.embedQuery(redact(query));
    if (!qv?.length) throw new Error('empty vector');
  } catch (err) {
    return { hits: asRanked(bm.hits.slice(0, limit)), ranking: 'bm25', matched: bm.matched, note: `the embedding endpoint failed (${(err as Error).message}); ranked by BM25` };
  }
  const vec = vectorSearch(db, embedder.model, qv, opts, cand, { useSqliteVec: opts.useSqliteVec });
  return { hits: fuse(db, bm.hits, vec, limit, opts.rrfK), ranking: 'hybrid', matched: bm.matched, note: null };
}

export interface SimilarResult extends RankedResult {
  ticket: { ticketId: string; subject: string; queue: string; createdAt: string; category: string | null } | null;
}

/**
 * Tickets like a given one: BM25 with the ticket's own content words as the query (IDF does the weighting:
 * rare shared words count most), fused with its stored vector's nearest neighbours when `model` has one
 * (no network call: the vector is already stored). The ticket itself is excluded. Unknown id → ticket null.
 */
export function similarTickets(db: Db, ticketId: string, opts: SearchOptions & { model?: string | null; candidates?: number; rrfK?: number; useSqliteVec?: boolean } = {}): SimilarResult {
  const limit = opts.limit ?? 5;
  const t = db
    .prepare('SELECT ticket_id AS ticketId, subject, body, queue, created_at AS createdAt, category FROM tickets WHERE ticket_id = ? COLLATE NOCASE')
    .get(ticketId) as { ticketId: string; subject: string; body: string; queue: string; createdAt: string; category: string | null } | undefined;
  if (!t) return { ticket: null, hits: [], ranking: 'bm25', matched: 0, note: null };
  const words = [...terms(`${t.subject}\n${t.subject}\n${t.body}`, { bigrams: false })].slice(0, 24);
  const match = ftsQuery(words.join(' '));
  const filters: SearchOptions = { ...opts, exclude: [...(opts.exclude ?? []), t.ticketId] };
  const cand = Math.max(opts.candidates ?? 50, limit);
  const bm = match ? searchMatch(db, match, { ...filters, limit: cand }) : { hits: [], matched: 0, match: null };
  const { subject, queue, createdAt, category } = t;
  const ticket = { ticketId: t.ticketId, subject, queue, createdAt, category };
  const v = opts.model ? storedVector(db, t.ticketId, opts.model) : null;
  if (!v) return { ticket, hits: asRanked(bm.hits.slice(0, limit)), ranking: 'bm25', matched: bm.matched, note: null };
  const vec = vectorSearch(db, opts.model!, v, filters as SearchFilters, cand, { useSqliteVec: opts.useSqliteVec });
  return { ticket, hits: fuse(db, bm.hits, vec, limit, opts.rrfK), ranking: 'hybrid', matched: bm.matched, note: null };
}
