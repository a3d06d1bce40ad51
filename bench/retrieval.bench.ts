/**
 * Retrieval bench: index speed, query latency, and ranking quality on labelled sets.
 *
 * Sample set: tickets from the deterministic generator (src/sample, seed 42), inserted into a fresh warehouse
 * (FTS5 kept by the triggers). Relevance: same topic (`category`). Queries: the subject of a sampled ticket
 * (short, like what a lead types), that ticket excluded from the ranking. Bitext set (when
 * ../shared/data/bitext_customer_support_v1 is present; read in place, never copied): each instruction is a
 * ticket subject, relevance = same intent, queries = sampled instructions.
 *
 * Metrics: MRR (1 / rank of the first relevant ticket, 0 if none in the top 100) and recall@10 capped as
 * |relevant ∩ top 10| / min(10, |relevant|) — topics have hundreds of tickets, so uncapped recall@10 would
 * measure topic size, not ranking. Hybrid = BM25 fused by RRF with vector search over a LOCAL stand-in
 * embedder (hashed character n-grams, src/engines/retrieval/hashEmbed.ts) through the same storage, search and
 * fusion code as an OpenAI-compatible endpoint; it is a spelling-overlap model, not a semantic one, so the
 * hybrid figures say what the code path does with weak vectors, not what a real embedding model would add.
 */
import { loadavg } from 'node:os';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { runSample, writeSample, type SampleLabels } from '../src/sample/generate.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { ftsQuery } from '../src/engines/retrieval/text.js';
import type { TicketRow, EventRow } from '../src/sample/index.js';
import {
  searchTickets, rankTickets, buildEmbeddings, vectorSearch, hashEmbedder, similarTickets, termLift, loadSqliteVec, hashedNgramVector, type Embedder,
} from '../src/engines/retrieval/index.js';
import { createRng } from '../src/engines/shared/rng.js';
import { summarize, type BenchContext, type BenchRow } from './types.js';

const GROUP = 'retrieval';
const here = dirname(fileURLToPath(import.meta.url));
const BITEXT = join(here, '..', '..', 'shared', 'data', 'bitext_customer_support_v1', 'Bitext_Sample_Customer_Support_Training_Dataset.csv');

interface Doc {
  id: string;
  subject: string;
  body: string;
  label: string;
}

function loadSample(db: Db, tickets: number): { docs: Doc[]; labels: SampleLabels; insertMs: number; events: number } {
  const rows: { t: TicketRow; e: EventRow[] }[] = [];
  const labels = runSample({ tickets, days: 90, queues: 4, seed: 42, end: '2026-11-20' }, {
    policy: (p) => db.prepare('INSERT OR REPLACE INTO sla_policy (queue, sl_target_pct, sl_target_seconds, interval_seconds, time_zone, display_name) VALUES (?, ?, ?, ?, ?, ?)').run(p.queue, p.sl_target_pct, p.sl_target_seconds, p.interval_seconds, p.time_zone, p.display_name),
    interval: () => undefined,
    agent: () => undefined,
    customer: () => undefined,
    ticket: (t, e) => rows.push({ t, e }),
  }, { intervals: false });
  const insT = db.prepare(
    `INSERT INTO tickets (ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id, agent_id, subject, body, category, csat, reopen_count, escalated, sla_breached, due_at)
     VALUES (@ticket_id, @created_at, @first_response_at, @resolved_at, @status, @priority, @channel, @queue, @customer_id, @agent_id, @subject, @body, @category, @csat, @reopen_count, @escalated, @sla_breached, @due_at)`,
  );
  const insE = db.prepare(
    `INSERT INTO ticket_events (event_id, ticket_id, at, type, author_type, agent_id, from_queue, to_queue, status, body) VALUES (@event_id, @ticket_id, @at, @type, @author_type, @agent_id, @from_queue, @to_queue, @status, @body)`,
  );
  let events = 0;
  const t0 = performance.now();
  db.transaction(() => {
    for (const r of rows) {
      insT.run(r.t);
      for (const e of r.e) {
        insE.run(e);
        events++;
      }
    }
  })();
  const insertMs = performance.now() - t0;
  return { docs: rows.map((r) => ({ id: r.t.ticket_id, subject: r.t.subject, body: r.t.body, label: r.t.category })), labels, insertMs, events };
}

function loadBitext(db: Db, max: number): Doc[] | null {
  if (!existsSync(BITEXT)) return null;
  const recs = parse(readFileSync(BITEXT), { columns: true, skip_empty_lines: true }) as { instruction: string; intent: string }[];
  const rng = createRng(7);
  const picked = recs.length > max ? [...recs].sort(() => rng.next() - 0.5).slice(0, max) : recs;
  const ins = db.prepare(`INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject, body, category) VALUES (?, '2026-01-01T00:00:00Z', 'open', 'normal', 'web', 'bitext', ?, '', ?)`);
  const docs = picked.map((r, i) => ({ id: `B-${i}`, subject: r.instruction, body: '', label: r.intent }));
  db.transaction(() => docs.forEach((d) => ins.run(d.id, d.subject, d.label)))();
  return docs;
}

interface Quality {
  mrr: number;
  recall10: number;
  p50: number;
  p95: number;
}

async function evaluate(docs: Doc[], queries: Doc[], rank: (q: Doc) => Promise<string[]>): Promise<Quality> {
  const byLabel = new Map<string, number>();
  for (const d of docs) byLabel.set(d.label, (byLabel.get(d.label) ?? 0) + 1);
  const label = new Map(docs.map((d) => [d.id, d.label]));
  let mrr = 0;
  let recall = 0;
  const ms: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const ids = (await rank(q)).filter((id) => id !== q.id).slice(0, 100);
    ms.push(performance.now() - t0);
    const relevant = (byLabel.get(q.label) ?? 1) - 1;
    const first = ids.findIndex((id) => label.get(id) === q.label);
    mrr += first >= 0 ? 1 / (first + 1) : 0;
    const hits = ids.slice(0, 10).filter((id) => label.get(id) === q.label).length;
    recall += relevant > 0 ? hits / Math.min(10, relevant) : 0;
  }
  const s = summarize(ms);
  return { mrr: mrr / queries.length, recall10: recall / queries.length, p50: s.p50, p95: s.p95 };
}

function sampleQueries(docs: Doc[], n: number, seed: number): Doc[] {
  const rng = createRng(seed);
  const out: Doc[] = [];
  const used = new Set<number>();
  while (out.length < Math.min(n, docs.length)) {
    const i = rng.int(docs.length);
    if (used.has(i)) continue;
    used.add(i);
    out.push(docs[i]);
  }
  return out;
}

function qualityRows(set: string, method: string, q: Quality, n: number, note?: string): BenchRow[] {
  return [
    { group: GROUP, name: `${set}: MRR, ${method} (${n} queries)`, value: q.mrr, unit: '', note },
    { group: GROUP, name: `${set}: recall@10 (capped), ${method}`, value: q.recall10, unit: '' },
    { group: GROUP, name: `${set}: query p50 / p95, ${method}`, value: q.p50, unit: `ms (p95 ${q.p95.toFixed(2)} ms)` },
  ];
}

export default async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const nTickets = ctx.quick ? 4000 : 20_000;
  const nQueries = ctx.quick ? 100 : 300;
  const db = openWarehouse(':memory:');
  const { docs, labels, insertMs, events } = loadSample(db, nTickets);
  rows.push({ group: GROUP, name: `insert ${docs.length} tickets + ${events} events with FTS triggers`, value: (docs.length / insertMs) * 1000, unit: 'tickets/s' });
  const pages = (db.prepare(`SELECT SUM(pgsize) AS b FROM dbstat WHERE name LIKE 'ticket_search_fts%'`).get() as { b: number | null } | undefined)?.b;
  if (pages) rows.push({ group: GROUP, name: 'FTS index size (subject, body, comments)', value: pages / 1e6, unit: 'MB' });

  const queries = sampleQueries(docs, nQueries, 11);
  const asQuery = (q: Doc) => q.subject;
  const bm25 = await evaluate(docs, queries, async (q) => searchTickets(db, asQuery(q), { limit: 100, snippets: false, exclude: [q.id] }).hits.map((h) => h.ticketId));
  rows.push(...qualityRows('sample', 'BM25 (subject 3, body 1, comments 0.5)', bm25, queries.length, 'relevant = same topic (category); query = a ticket subject'));
  const flat = await evaluate(docs, queries, async (q) => searchTickets(db, asQuery(q), { limit: 100, snippets: false, exclude: [q.id], weights: { subject: 1, body: 1, comments: 1 } }).hits.map((h) => h.ticketId));
  rows.push(...qualityRows('sample', 'BM25 equal field weights', flat, queries.length));

  const emb: Embedder = hashEmbedder(256);
  const t0 = performance.now();
  const built = await buildEmbeddings(db, emb, { batchSize: 256 });
  const buildMs = performance.now() - t0;
  rows.push({ group: GROUP, name: `embed + store ${built.embedded} tickets (local hashed n-grams, 256-d)`, value: (built.embedded / buildMs) * 1000, unit: 'tickets/s' });
  const t1 = performance.now();
  const again = await buildEmbeddings(db, emb);
  rows.push({ group: GROUP, name: 'incremental rebuild with nothing changed', value: performance.now() - t1, unit: `ms (${again.embedded} embedded)` });
  const hybrid = await evaluate(docs, queries, async (q) => (await rankTickets(db, asQuery(q), { embedder: emb, limit: 100, snippets: false, exclude: [q.id] })).hits.map((h) => h.ticketId));
  rows.push(...qualityRows('sample', 'hybrid RRF (BM25 + local stand-in vectors)', hybrid, queries.length, 'stand-in embedder: hashed character n-grams, not a semantic model'));
  const vecOnly = await evaluate(docs, queries, async (q) => vectorSearch(db, emb.model, hashedNgramVector(asQuery(q), 256), { exclude: [q.id] }, 100).map((h) => h.ticketId));
  rows.push(...qualityRows('sample', 'vectors only (local stand-in)', vecOnly, queries.length));

  const qv = hashedNgramVector('invoice portal error', 256);
  const vec = loadSqliteVec(db);
  const ms: number[] = [];
  const msJs: number[] = [];
  for (let i = 0; i < (ctx.quick ? 10 : 30); i++) {
    let t = performance.now();
    if (vec) vectorSearch(db, emb.model, qv, {}, 10);
    ms.push(performance.now() - t);
    t = performance.now();
    vectorSearch(db, emb.model, qv, {}, 10, { useSqliteVec: false });
    msJs.push(performance.now() - t);
  }
  if (vec) rows.push({ group: GROUP, name: `exact k-NN, ${built.total} × 256-d, sqlite-vec vec_distance_cosine`, value: summarize(ms).p50, unit: 'ms p50' });
  rows.push({ group: GROUP, name: `exact k-NN, ${built.total} × 256-d, JS scan of float32 blobs`, value: summarize(msJs).p50, unit: 'ms p50' });

  // Similar tickets: the query is a whole ticket.
  const sim = await evaluate(docs, queries.slice(0, Math.min(150, queries.length)), async (q) => similarTickets(db, q.id, { limit: 100, snippets: false }).hits.map((h) => h.ticketId));
  rows.push(...qualityRows('sample', 'similar tickets (BM25 on the ticket’s words)', sim, Math.min(150, queries.length)));

  // Term lift on the sample's stories: does the top term name the story's topic?
  for (const ep of labels.episodes.filter((e) => e.topic)) {
    const onsetDay = ep.onset.slice(0, 10);
    const to = new Date(Date.parse(ep.onset) + 2 * 86_400_000).toISOString().slice(0, 10);
    const tl0 = performance.now();
    const r = termLift(db, { queue: ep.queue, from: onsetDay, to });
    const tlMs = performance.now() - tl0;
    const topicWords = ep.topic!.split('_').filter((w) => w.length > 3);
    const rank = r.terms.findIndex((t) => topicWords.some((w) => t.term.includes(w.slice(0, 5))));
    rows.push({
      group: GROUP,
      name: `term lift ${ep.queue} ${onsetDay}..${to}: rank of first term naming "${ep.topic}"`,
      value: rank >= 0 ? rank + 1 : NaN,
      unit: `(top: ${r.terms.slice(0, 3).map((t) => t.term).join(', ') || 'none'}; ${tlMs.toFixed(0)} ms)`,
      target: 'top 3',
      verdict: rank >= 0 && rank < 3 ? 'pass' : 'fail',
    });
  }

  rows.push(...(await searchLatency(ctx)));

  // Bitext (public, generated utterances, 27 intents) — only when present beside the checkout.
  const bdb = openWarehouse(':memory:');
  const bdocs = loadBitext(bdb, ctx.quick ? 1500 : 4514);
  if (bdocs) {
    const bq = sampleQueries(bdocs, ctx.quick ? 150 : 400, 13);
    const b1 = await evaluate(bdocs, bq, async (q) => searchTickets(bdb, q.subject, { limit: 100, snippets: false, exclude: [q.id] }).hits.map((h) => h.ticketId));
    rows.push(...qualityRows('bitext', 'BM25', b1, bq.length, 'relevant = same intent (27 intents); query = another instruction'));
    // Stemming: the same set and queries on an index without the porter stemmer (plain unicode61).
    const plain = openWarehouse(':memory:');
    plain.exec(`DROP TABLE ticket_search_fts; CREATE VIRTUAL TABLE ticket_search_fts USING fts5(subject, body, comments, content = 'v_ticket_search_text', content_rowid = 'rid', tokenize = 'unicode61 remove_diacritics 2')`);
    loadBitext(plain, ctx.quick ? 1500 : 4514);
    plain.exec(`INSERT INTO ticket_search_fts (ticket_search_fts) VALUES ('rebuild')`);
    const b0 = await evaluate(bdocs, bq, async (q) => searchTickets(plain, q.subject, { limit: 100, snippets: false, exclude: [q.id] }).hits.map((h) => h.ticketId));
    rows.push(...qualityRows('bitext', 'BM25 without stemming (unicode61 only)', b0, bq.length, 'same documents and queries as the porter rows; the product indexes with porter'));
    plain.close();
    const bemb = hashEmbedder(256);
    await buildEmbeddings(bdb, bemb, { batchSize: 512 });
    const b2 = await evaluate(bdocs, bq, async (q) => (await rankTickets(bdb, q.subject, { embedder: bemb, limit: 100, snippets: false, exclude: [q.id] })).hits.map((h) => h.ticketId));
    rows.push(...qualityRows('bitext', 'hybrid RRF (BM25 + local stand-in vectors)', b2, bq.length));
  } else {
    rows.push({ group: GROUP, name: 'bitext set', value: NaN, unit: '', note: `skipped: ${BITEXT} not present` });
  }
  return rows;
}

/**
 * Search latency on a large warehouse (200k tickets with their comments; 20k with --quick), side by side in
 * the same run: a plain FTS5 query (`ORDER BY rank LIMIT 10`, ticket rowids only: the floor) and the
 * product's search (every match scored, comments included, joined, filtered, snippets). Queries: subjects
 * of sampled tickets.
 */
async function searchLatency(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 20_000 : 200_000;
  const dir = join(ctx.outDir, `search-${n}`);
  const dbPath = join(ctx.outDir, `search-${n}.db`);
  if (!existsSync(dbPath)) {
    if (!existsSync(join(dir, 'ticket_events.csv'))) await writeSample(dir, { days: 90, queues: 8, tickets: n, seed: 5, end: '2026-11-20' });
    rmSync(dbPath + '.tmp', { force: true });
    const db0 = openWarehouse(dbPath + '.tmp');
    const r = await ingestFiles(db0, [dir]);
    db0.close();
    if (!r.ok) throw new Error(`search bench data rejected: ${JSON.stringify(r.problems.slice(0, 3))}`);
    for (const s of ['-wal', '-shm']) rmSync(dbPath + '.tmp' + s, { force: true });
    (await import('node:fs')).renameSync(dbPath + '.tmp', dbPath);
  }
  // Peer of the issue's figure (39 ms): a plain FTS5 index of subject + body only, as 002's tickets_fts was
  // (bench-only, built once in the cached file).
  const rw = openWarehouse(dbPath);
  if (!rw.prepare("SELECT 1 FROM sqlite_master WHERE name = 'bench_subject_body_fts'").get()) {
    rw.exec(`CREATE VIRTUAL TABLE bench_subject_body_fts USING fts5(subject, body, content = 'tickets', content_rowid = 'rowid', tokenize = 'porter unicode61 remove_diacritics 2');
      INSERT INTO bench_subject_body_fts (bench_subject_body_fts) VALUES ('rebuild')`);
  }
  rw.close();
  const db = openWarehouse(dbPath, { readonly: true });
  const total = (db.prepare('SELECT COUNT(*) FROM tickets').pluck().get() as number);
  const subjects = db.prepare('SELECT subject FROM tickets WHERE rowid % 997 = 0 LIMIT 60').pluck().all() as string[];
  const plain = db.prepare('SELECT rowid FROM bench_subject_body_fts WHERE bench_subject_body_fts MATCH ? ORDER BY rank LIMIT 10').pluck();
  const plainSame = db.prepare('SELECT rowid FROM ticket_search_fts WHERE ticket_search_fts MATCH ? ORDER BY rank LIMIT 10').pluck();
  const runs: Record<string, number[]> = { plain: [], same: [], ours: [] };
  for (const q of subjects) {
    const match = ftsQuery(q);
    if (!match) continue;
    let t = performance.now();
    plain.all(match);
    runs.plain.push(performance.now() - t);
    t = performance.now();
    plainSame.all(match);
    runs.same.push(performance.now() - t);
    t = performance.now();
    searchTickets(db, q, { limit: 10 });
    runs.ours.push(performance.now() - t);
  }
  db.close();
  const p = (k: string) => summarize(runs[k]);
  const ratio = p('ours').p50 / p('plain').p50;
  const label = `${total.toLocaleString('en-US')} tickets, ${runs.plain.length} subject queries`;
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  return [
    { group: GROUP, name: `search ${label}: plain FTS5 ORDER BY rank LIMIT 10 on subject + body, p50`, value: p('plain').p50, unit: `ms (p95 ${p('plain').p95.toFixed(1)} ms)` },
    { group: GROUP, name: `search ${label}: plain FTS5 ORDER BY rank LIMIT 10 on the search index (+ comments), p50`, value: p('same').p50, unit: `ms (p95 ${p('same').p95.toFixed(1)} ms)` },
    { group: GROUP, name: `search ${label}: radar search (comments, filters, snippets), p50`, value: p('ours').p50, unit: `ms (p95 ${p('ours').p95.toFixed(1)} ms)` },
    { group: GROUP, name: `search ${label}: radar / plain FTS5 on subject + body (p50)`, value: ratio, unit: '×', target: '≤ 2×', verdict: ratio <= 2 ? 'pass' : 'fail', note: `issue 16 measured 264 vs 39 ms (6.8×); load average ${load}` },
  ];
}
