/**
 * Optional ticket embeddings: built incrementally from any embedder (an OpenAI-compatible endpoint
 * through `OpenAIEmbeddings`, or the local hashed n-gram stand-in), stored as float32 blobs in
 * `ticket_embeddings`, searched by exact cosine — in SQL with sqlite-vec's `vec_distance_cosine` where the
 * extension loads, else in JS over the blobs. Vectors are L2-normalised when stored, so cosine = dot.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Db } from '../../warehouse/db.js';
import { redact } from './text.js';
import { filterIds, type SearchFilters } from './search.js';

/** What retrieval needs from an embedding model (`OpenAIEmbeddings` satisfies it). */
export interface Embedder {
  /** Stored with each vector: vectors of different models never mix. */
  readonly model: string;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

/** The text embedded for a ticket: subject and body, redacted (it may leave the process), capped. */
export function embeddingText(subject: string, body: string, maxChars = 2000): string {
  return redact(`${subject}\n${body}`).slice(0, maxChars);
}

export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

/** L2-normalises into a Float32Array (a zero vector stays zero). */
export function normalise(v: ArrayLike<number>): Float32Array {
  const out = new Float32Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) out[i] = n > 0 ? v[i] / n : 0;
  return out;
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(b: Buffer): Float32Array {
  // Copy: the blob's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

const vecLoaded = new WeakMap<Db, boolean>();

/** Loads sqlite-vec into this connection once; false where the extension is unavailable. */
export function loadSqliteVec(db: Db): boolean {
  const known = vecLoaded.get(db);
  if (known !== undefined) return known;
  let ok = false;
  try {
    const require = createRequire(import.meta.url);
    const sqliteVec = require('sqlite-vec') as { load(db: unknown): void };
    sqliteVec.load(db);
    db.prepare('SELECT vec_version()').get();
    ok = true;
  } catch {
    ok = false;
  }
  vecLoaded.set(db, ok);
  return ok;
}

export interface BuildProgress {
  done: number;
  total: number;
}

export interface BuildReport {
  model: string;
  /** Tickets embedded now (new or changed text). */
  embedded: number;
  /** Tickets whose stored vector was current. */
  skipped: number;
  total: number;
  dim: number | null;
  seconds: number;
}

/**
 * Embeds every ticket without a current vector for `embedder.model` (new, or text changed since), in
 * batches, committing each batch, so an interrupted build resumes where it stopped. O(tickets) hashing +
 * O(changed) embedding calls. Throws what the embedder throws (the batches before it are kept).
 */
export async function buildEmbeddings(
  db: Db,
  embedder: Embedder,
  opts: { batchSize?: number; onProgress?: (p: BuildProgress) => void; now?: Date; limit?: number } = {},
): Promise<BuildReport> {
  const t0 = process.hrtime.bigint();
  const batchSize = opts.batchSize ?? 64;
  const stored = new Map(
    (db.prepare('SELECT ticket_id AS id, text_hash AS h FROM ticket_embeddings WHERE model = ?').all(embedder.model) as { id: string; h: string }[]).map((r) => [r.id, r.h]),
  );
  const todo: { id: string; text: string; hash: string }[] = [];
  let total = 0;
  for (const r of db.prepare('SELECT ticket_id AS id, subject, body FROM tickets ORDER BY created_at, ticket_id').iterate() as Iterable<{ id: string; subject: string; body: string }>) {
    total++;
    const text = embeddingText(r.subject, r.body);
    const hash = textHash(text);
    if (stored.get(r.id) !== hash) todo.push({ id: r.id, text, hash });
  }
  const work = opts.limit !== undefined ? todo.slice(0, opts.limit) : todo;
  const upsert = db.prepare(
    `INSERT INTO ticket_embeddings (ticket_id, model, dim, text_hash, vector, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (ticket_id, model) DO UPDATE SET dim = excluded.dim, text_hash = excluded.text_hash, vector = excluded.vector, created_at = excluded.created_at`,
  );
  const at = (opts.now ?? new Date()).toISOString().slice(0, 19) + 'Z';
  let dim: number | null = null;
  let done = 0;
  opts.onProgress?.({ done, total: work.length });
  for (let i = 0; i < work.length; i += batchSize) {
    const batch = work.slice(i, i + batchSize);
    const vectors = await embedder.embedDocuments(batch.map((b) => b.text));
    if (vectors.length !== batch.length || vectors.some((v) => !v?.length)) {
      throw new Error(`the embedding endpoint returned ${vectors.length} vectors for ${batch.length} texts (an OpenAI-compatible server answering floats needs encodingFormat 'float')`);
    }
    db.transaction(() => {
      batch.forEach((b, j) => {
        const v = normalise(vectors[j]);
        dim ??= v.length;
        if (v.length !== dim) throw new Error(`embedding dimension changed within a build (${dim} → ${v.length})`);
        upsert.run(b.id, embedder.model, v.length, b.hash, toBlob(v), at);
      });
    })();
    done += batch.length;
    opts.onProgress?.({ done, total: work.length });
  }
  if (dim === null) dim = (db.prepare('SELECT dim FROM ticket_embeddings WHERE model = ? LIMIT 1').get(embedder.model) as { dim: number } | undefined)?.dim ?? null;
  return { model: embedder.model, embedded: work.length, skipped: total - todo.length, total, dim, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** How many tickets have a vector for `model`. */
export function embeddingCount(db: Db, model: string): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM ticket_embeddings WHERE model = ?').get(model) as { n: number }).n;
}

/** The stored vector of one ticket, or null. */
export function storedVector(db: Db, ticketId: string, model: string): Float32Array | null {
  const r = db.prepare('SELECT vector FROM ticket_embeddings WHERE ticket_id = ? AND model = ?').get(ticketId, model) as { vector: Buffer } | undefined;
  return r ? fromBlob(r.vector) : null;
}

export interface VectorHit {
  ticketId: string;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

/**
 * Exact k nearest tickets by cosine similarity to `query` among vectors of `model` passing the filters.
 * sqlite-vec when loaded (SQL scan with vec_distance_cosine), else a JS scan of the blobs: both O(n·d).
 * Ties break by ticket id. A zero query vector → no hits.
 */
export function vectorSearch(db: Db, model: string, query: ArrayLike<number>, filters: SearchFilters = {}, k = 10, opts: { useSqliteVec?: boolean } = {}): VectorHit[] {
  const q = normalise(query);
  if (!q.some((x) => x !== 0)) return [];
  const useVec = opts.useSqliteVec !== false && loadSqliteVec(db);
  const hasFilters = Boolean((filters.queue && (!Array.isArray(filters.queue) || filters.queue.length)) || filters.createdFrom || filters.createdTo || filters.priority?.length || filters.status?.length || filters.exclude?.length || Object.keys(filters.attributes ?? {}).length);
  // Over-fetch when filtering afterwards; widen until enough pass or everything was seen.
  if (useVec) {
    const total = embeddingCount(db, model);
    let fetch = hasFilters ? Math.max(k * 20, 200) : k;
    for (;;) {
      const rows = db
        .prepare(
          `SELECT ticket_id AS ticketId, 1 - vec_distance_cosine(vector, ?) AS similarity FROM ticket_embeddings
           WHERE model = ? AND dim = ? ORDER BY similarity DESC, ticket_id LIMIT ?`,
        )
        .all(toBlob(q), model, q.length, fetch) as VectorHit[];
      const keep = hasFilters ? filterIds(db, rows.map((r) => r.ticketId), filters) : null;
      const hits = keep ? rows.filter((r) => keep.has(r.ticketId)) : rows;
      if (hits.length >= k || fetch >= total) return hits.slice(0, k);
      fetch *= 4;
    }
  }
  const all: VectorHit[] = [];
  for (const r of db.prepare('SELECT ticket_id AS ticketId, vector FROM ticket_embeddings WHERE model = ? AND dim = ?').iterate(model, q.length) as Iterable<{ ticketId: string; vector: Buffer }>) {
    const v = fromBlob(r.vector);
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * q[i];
    all.push({ ticketId: r.ticketId, similarity: dot });
  }
  all.sort((a, b) => b.similarity - a.similarity || (a.ticketId < b.ticketId ? -1 : 1));
  if (!hasFilters) return all.slice(0, k);
  const out: VectorHit[] = [];
  for (let i = 0; i < all.length && out.length < k; i += 500) {
    const chunk = all.slice(i, i + 500);
    const keep = filterIds(db, chunk.map((h) => h.ticketId), filters);
    for (const h of chunk) if (keep.has(h.ticketId) && out.length < k) out.push(h);
  }
  return out;
}
