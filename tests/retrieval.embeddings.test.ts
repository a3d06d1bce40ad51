import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import {
  reciprocalRankFusion, buildEmbeddings, vectorSearch, embeddingCount, hashEmbedder, hashedNgramVector, rankTickets, similarTickets, loadSqliteVec, embeddingText, type Embedder,
} from '../src/engines/retrieval/index.js';
import { createEmbedder } from '../src/llm/models.js';
import { startFakeOpenAI, toyEmbedding, type FakeOpenAI } from './helpers/fakeOpenAI.js';

function seed(db: Db): void {
  const ins = db.prepare(`INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject, body) VALUES (?, ?, 'open', 'normal', 'email', ?, ?, ?)`);
  const rows: [string, string, string, string][] = [
    ['T-1', 'billing', 'Invoice portal error', 'The invoice portal shows error 500, mail me at ann@example.com'],
    ['T-2', 'billing', 'Cannot open invoices', 'Invoice page fails to load with an error'],
    ['T-3', 'billing', 'Refund request', 'Please refund my last order'],
    ['T-4', 'tech', 'Login fails after update', 'Since the app release I cannot log in'],
    ['T-5', 'tech', 'App login broken', 'The new app version will not let me login'],
    ['T-6', 'tech', 'Password reset', 'Reset link expired'],
  ];
  rows.forEach(([id, q, s, b], i) => ins.run(id, `2026-11-1${i}T10:00:00Z`, q, s, b));
}

describe('reciprocal-rank fusion', () => {
  test('hand-computed scores and order', () => {
    const f = reciprocalRankFusion([['a', 'b', 'c'], ['b', 'c', 'd']], 60);
    expect(f.map((x) => x.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(f[0].score).toBeCloseTo(1 / 62 + 1 / 61, 15);
    expect(f[1].score).toBeCloseTo(1 / 63 + 1 / 62, 15);
    expect(f[2].score).toBeCloseTo(1 / 61, 15);
    expect(f[3]).toMatchObject({ id: 'd', ranks: [null, 3] });
  });

  test('properties: one list keeps its order; total score = Σ 1/(k+rank); agreement wins', () => {
    const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(ids, ids, fc.integer({ min: 1, max: 100 }), (a, b, k) => {
        expect(reciprocalRankFusion([a], k).map((x) => x.id)).toEqual(a);
        const f = reciprocalRankFusion([a, b], k);
        const total = [a, b].reduce((s, l) => s + l.reduce((t, _, i) => t + 1 / (k + i + 1), 0), 0);
        expect(f.reduce((s, x) => s + x.score, 0)).toBeCloseTo(total, 9);
        // An id first in both lists is first overall.
        if (a[0] === b[0]) expect(f[0].id).toBe(a[0]);
      }),
    );
  });
});

describe('embedding store and vector search (local stand-in embedder)', () => {
  test('incremental build: only new or changed tickets are embedded; deletes cascade', async () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const emb = hashEmbedder(64);
    const progress: number[] = [];
    const r1 = await buildEmbeddings(db, emb, { batchSize: 4, onProgress: (p) => progress.push(p.done) });
    expect(r1).toMatchObject({ embedded: 6, skipped: 0, total: 6, dim: 64 });
    expect(progress).toEqual([0, 4, 6]);
    expect((await buildEmbeddings(db, emb)).embedded).toBe(0);
    db.prepare(`UPDATE tickets SET body = 'Refund still missing' WHERE ticket_id = 'T-3'`).run();
    expect(await buildEmbeddings(db, emb)).toMatchObject({ embedded: 1, skipped: 5 });
    db.prepare(`DELETE FROM tickets WHERE ticket_id = 'T-6'`).run();
    expect(embeddingCount(db, emb.model)).toBe(5);
  });

  test('nearest neighbours equal an independent cosine ranking; sqlite-vec and the JS scan agree', async () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const emb = hashEmbedder(128);
    await buildEmbeddings(db, emb);
    const q = hashedNgramVector('invoice error', 128);
    const texts = db.prepare('SELECT ticket_id AS id, subject, body FROM tickets').all() as { id: string; subject: string; body: string }[];
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));
    const expected = texts
      .map((t) => ({ id: t.id, s: cos(q, hashedNgramVector(embeddingText(t.subject, t.body), 128)) }))
      .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1));
    const js = vectorSearch(db, emb.model, q, {}, 6, { useSqliteVec: false });
    expect(js.map((h) => h.ticketId)).toEqual(expected.map((e) => e.id));
    js.forEach((h, i) => expect(h.similarity).toBeCloseTo(expected[i].s, 5));
    if (loadSqliteVec(db)) {
      const vec = vectorSearch(db, emb.model, q, {}, 6);
      expect(vec.map((h) => h.ticketId)).toEqual(js.map((h) => h.ticketId));
      vec.forEach((h, i) => expect(h.similarity).toBeCloseTo(js[i].similarity, 5));
    }
    // Filters apply to vector candidates too.
    expect(vectorSearch(db, emb.model, q, { queue: 'tech' }, 10).every((h) => ['T-4', 'T-5', 'T-6'].includes(h.ticketId))).toBe(true);
  });

  test('hybrid ranking fuses BM25 and vectors; no embedder or a failing one → BM25 with a reason', async () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const emb = hashEmbedder(128);
    const bm = await rankTickets(db, 'invoice error');
    expect(bm.ranking).toBe('bm25');
    expect(bm.hits[0].ticketId).toBe('T-1');
    const none = await rankTickets(db, 'invoice error', { embedder: emb });
    expect(none).toMatchObject({ ranking: 'bm25' });
    expect(none.note).toMatch(/no ticket embeddings/);
    await buildEmbeddings(db, emb);
    const hy = await rankTickets(db, 'invoice error', { embedder: emb, limit: 3 });
    expect(hy.ranking).toBe('hybrid');
    expect(hy.hits[0].ticketId).toBe('T-1');
    expect(hy.hits[0].ranks.bm25).toBe(1);
    expect(hy.hits[0].ranks.vector).not.toBeNull();
    const failing: Embedder = { model: emb.model, embedDocuments: emb.embedDocuments, embedQuery: async () => { throw new Error('503 from endpoint'); } };
    const fb = await rankTickets(db, 'invoice error', { embedder: failing });
    expect(fb.ranking).toBe('bm25');
    expect(fb.note).toMatch(/503 from endpoint/);
    expect(fb.hits.map((h) => h.ticketId)).toEqual(bm.hits.map((h) => h.ticketId));
  });

  test('similar tickets: same topic first, itself excluded, unknown id → null', async () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const s = similarTickets(db, 't-4');
    expect(s.ticket?.ticketId).toBe('T-4');
    expect(s.hits[0].ticketId).toBe('T-5');
    expect(s.hits.some((h) => h.ticketId === 'T-4')).toBe(false);
    const emb = hashEmbedder(128);
    await buildEmbeddings(db, emb);
    const h = similarTickets(db, 'T-1', { model: emb.model });
    expect(h.ranking).toBe('hybrid');
    expect(h.hits[0].ticketId).toBe('T-2');
    expect(similarTickets(db, 'T-999').ticket).toBeNull();
  });
});

describe('embeddings through an OpenAI-compatible endpoint (fake server, real client)', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  test('createEmbedder asks for floats; vectors are stored and ranked; text is redacted before it leaves', async () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const emb = createEmbedder({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.baseURL, LLM_MODEL: 'm', LLM_TIMEOUT_MS: 5000, EMBEDDINGS_MODEL: 'fake-embed' })!;
    expect(emb).not.toBeNull();
    const r = await buildEmbeddings(db, emb);
    expect(r).toMatchObject({ embedded: 6, dim: 32, model: 'fake-embed' });
    const sent = fake.embeddingRequests.flatMap((q) => q.input).join('\n');
    expect(sent).toContain('[email]');
    expect(sent).not.toContain('ann@example.com');
    const first = fake.embeddingRequests[0].input.find((t) => t.startsWith('Invoice portal error'))!;
    const v = vectorSearch(db, 'fake-embed', toyEmbedding(first), {}, 1);
    expect(v[0].ticketId).toBe('T-1');
    expect(v[0].similarity).toBeCloseTo(1, 5);
    const hy = await rankTickets(db, 'invoice portal', { embedder: emb });
    expect(hy.ranking).toBe('hybrid');
    expect(createEmbedder({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.baseURL, LLM_MODEL: 'm', LLM_TIMEOUT_MS: 5000, EMBEDDINGS_MODEL: undefined })).toBeNull();
  });

  test('the request asks for floats, and a build that gets empty vectors fails loudly instead of storing them', async () => {
    expect(fake.embeddingRequests.length).toBeGreaterThan(0);
    expect(fake.embeddingRequests.every((r) => r.encodingFormat === 'float')).toBe(true);
    const db = openWarehouse(':memory:');
    seed(db);
    // What a client decoding base64 from a float-answering server returns: no numbers.
    const empty: Embedder = { model: 'broken', embedDocuments: async (t) => t.map(() => []), embedQuery: async () => [] };
    await expect(buildEmbeddings(db, empty)).rejects.toThrow(/encodingFormat 'float'/);
    expect(embeddingCount(db, 'broken')).toBe(0);
  });
});
