/**
 * Term lift: what customers wrote about more than usual in a window, against a baseline window.
 *
 * Log-odds ratio with an informative Dirichlet prior ("Fightin' Words": Monroe, Colaresi & Quinn 2008,
 * Political Analysis 16(4), §3.5), over words and bigrams. The unit is the ticket: a term counts once per
 * ticket that mentions it (a customer repeating "error" five times is one customer), so y_w is the number
 * of tickets mentioning w and n = Σ_w y_w.
 */
import type { Db } from '../../warehouse/db.js';
import { addDays, isoSeconds, localMidnightUtc } from '../../time.js';
import { terms as termsOf } from './text.js';

export interface TermCounts {
  /** Documents (tickets) in the corpus. */
  docs: number;
  /** Term → number of documents mentioning it. */
  counts: Map<string, number>;
}

export interface LiftedTerm {
  term: string;
  /** δ / σ: how many standard errors the window's log-odds exceed the baseline's. */
  z: number;
  /** δ: log-odds ratio (window vs baseline), prior-smoothed, natural log. */
  delta: number;
  /** Tickets mentioning the term in the window / in the baseline. */
  windowCount: number;
  baselineCount: number;
  /** Share of tickets mentioning it (count / docs), window and baseline. */
  windowShare: number;
  baselineShare: number;
  /** windowShare / baselineShare (Infinity when the baseline never mentions it). */
  lift: number;
}

export interface FightinWordsOptions {
  /**
   * α0, the prior's total pseudo-count; α_w = α0 · π_w with π_w the pooled (window + baseline) frequency.
   * Default 0.1 · (n_window + n_baseline). The size matters most for a term the baseline never saw (a new
   * outage): its variance carries 1/α_w, so a much weaker prior would bury exactly the terms "why" is for
   * (12 new mentions in a 3-day window score z ≈ 2.5 with a tenth of the smaller corpus, ≈ 4 with this).
   */
  priorStrength?: number;
  /** Smallest window count reported (default 3). */
  minCount?: number;
  /** Smallest z reported (default 2.5, one-sided p ≈ 0.006: many terms are tested at once, so 1.96 would list noise). */
  zMin?: number;
  /** At most this many terms (default 10). */
  limit?: number;
  /** Drop a word when a higher-ranked bigram containing it explains most of its mentions (default true). */
  collapse?: boolean;
}

/**
 * For each term w with window count y_i, baseline count y_j, totals n_i, n_j and prior α_w = α0·π_w:
 *   δ_w = ln[(y_i+α_w) / (n_i+α0−y_i−α_w)] − ln[(y_j+α_w) / (n_j+α0−y_j−α_w)]
 *   σ²_w ≈ 1/(y_i+α_w) + 1/(y_j+α_w)            (Monroe et al. eq. 20)
 *   z_w = δ_w / σ_w
 * Returns terms with δ > 0, y_i ≥ minCount and z ≥ zMin, by z descending (ties: term). O(V log V) over the
 * vocabulary V. An empty window or baseline → [] (nothing to compare).
 */
export function fightinWords(window: TermCounts, baseline: TermCounts, opts: FightinWordsOptions = {}): LiftedTerm[] {
  let ni = 0;
  let nj = 0;
  for (const c of window.counts.values()) ni += c;
  for (const c of baseline.counts.values()) nj += c;
  if (ni === 0 || nj === 0) return [];
  const a0 = opts.priorStrength ?? 0.1 * (ni + nj);
  const minCount = opts.minCount ?? 3;
  const zMin = opts.zMin ?? 2.5;
  const out: LiftedTerm[] = [];
  for (const [w, yi] of window.counts) {
    if (yi < minCount) continue;
    const yj = baseline.counts.get(w) ?? 0;
    const aw = (a0 * (yi + yj)) / (ni + nj);
    const delta = Math.log((yi + aw) / (ni + a0 - yi - aw)) - Math.log((yj + aw) / (nj + a0 - yj - aw));
    // A term at the same share in both corpora has δ = 0 exactly; rounding can leave ±2e-16 either side.
    if (!(delta > 1e-12)) continue;
    const z = delta / Math.sqrt(1 / (yi + aw) + 1 / (yj + aw));
    if (z < zMin) continue;
    const windowShare = window.docs ? yi / window.docs : 0;
    const baselineShare = baseline.docs ? yj / baseline.docs : 0;
    out.push({ term: w, z, delta, windowCount: yi, baselineCount: yj, windowShare, baselineShare, lift: baselineShare > 0 ? windowShare / baselineShare : Infinity });
  }
  out.sort((a, b) => b.z - a.z || (a.term < b.term ? -1 : 1));
  const kept = opts.collapse === false ? out : collapse(out);
  return kept.slice(0, opts.limit ?? 10);
}

/**
 * Drops a word mostly explained by a reported bigram containing it ("portal" when "invoice portal" accounts
 * for ≥ 80 % of its mentions), then a bigram whose two words are both still listed on their own.
 */
function collapse(ranked: LiftedTerm[]): LiftedTerm[] {
  const bigrams = ranked.filter((t) => t.term.includes(' '));
  const words = ranked.filter((t) => !t.term.includes(' ') && !bigrams.some((b) => b.term.split(' ').includes(t.term) && t.windowCount <= 1.25 * b.windowCount));
  const wordSet = new Set(words.map((w) => w.term));
  return ranked.filter((t) => (t.term.includes(' ') ? !t.term.split(' ').every((w) => wordSet.has(w)) : wordSet.has(t.term)));
}

export interface TermLiftOptions extends FightinWordsOptions {
  queue?: string | null;
  /** Window start: a local date YYYY-MM-DD (in `tz`) or an ISO UTC timestamp. */
  from: string;
  /** Window end: a local date (inclusive) or an ISO timestamp (exclusive). */
  to: string;
  /** Baseline, same formats; default the 28 days before the window. */
  baselineFrom?: string;
  baselineTo?: string;
  /** Time zone of date bounds; default the queue's (sla_policy), else UTC. */
  tz?: string;
  /** Example tickets per term (default 3). */
  examples?: number;
}

export interface TermLiftExample {
  ticketId: string;
  subject: string;
  createdAt: string;
  queue: string;
}

export interface TermLiftResult {
  queue: string | null;
  tz: string;
  window: { from: string; to: string; tickets: number };
  baseline: { from: string; to: string; tickets: number };
  terms: (LiftedTerm & { examples: TermLiftExample[] })[];
  method: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function bound(v: string, tz: string, end: boolean): string {
  if (DATE.test(v)) return isoSeconds(localMidnightUtc(end ? addDays(v, 1) : v, tz));
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`term lift: "${v}" is neither a date YYYY-MM-DD nor an ISO timestamp`);
  return isoSeconds(ms);
}

/**
 * Term lift of a queue's tickets (subject, body and the customer's own comments) created in [from, to]
 * against [baselineFrom, baselineTo], with example tickets per term (newest first). See fightinWords.
 * O(text of both windows). The why command calls this to name what customers wrote about during a drift.
 */
export function termLift(db: Db, opts: TermLiftOptions): TermLiftResult {
  const queue = opts.queue ?? null;
  const tz =
    opts.tz ??
    (queue ? (db.prepare('SELECT time_zone AS tz FROM sla_policy WHERE queue = ?').get(queue) as { tz: string } | undefined)?.tz : undefined) ??
    'UTC';
  const wFrom = bound(opts.from, tz, false);
  const wTo = bound(opts.to, tz, true);
  const bFrom = opts.baselineFrom ? bound(opts.baselineFrom, tz, false) : isoSeconds(Date.parse(wFrom) - 28 * 86_400_000);
  const bTo = opts.baselineTo ? bound(opts.baselineTo, tz, true) : wFrom;
  const lo = wFrom < bFrom ? wFrom : bFrom;
  const hi = wTo > bTo ? wTo : bTo;
  const rows = db
    .prepare(
      `SELECT t.ticket_id AS ticketId, t.subject, t.body, t.created_at AS createdAt, t.queue,
              (SELECT group_concat(e.body, ' ') FROM ticket_events e
                WHERE e.ticket_id = t.ticket_id AND e.type = 'comment' AND e.body IS NOT NULL
                  AND (e.author_type IS NULL OR e.author_type = 'customer')) AS comments
       FROM tickets t
       WHERE t.created_at >= ? AND t.created_at < ? ${queue ? 'AND t.queue = ?' : ''}
       ORDER BY t.created_at DESC, t.ticket_id`,
    )
    .all(...[lo, hi, ...(queue ? [queue] : [])]) as { ticketId: string; subject: string; body: string; createdAt: string; queue: string; comments: string | null }[];

  const win: TermCounts = { docs: 0, counts: new Map() };
  const base: TermCounts = { docs: 0, counts: new Map() };
  const windowDocs: { row: (typeof rows)[number]; terms: Set<string> }[] = [];
  for (const r of rows) {
    const inWin = r.createdAt >= wFrom && r.createdAt < wTo;
    const inBase = r.createdAt >= bFrom && r.createdAt < bTo;
    if (!inWin && !inBase) continue;
    const ts = termsOf(`${r.subject}\n${r.body}\n${r.comments ?? ''}`);
    // A ticket in both windows (overlapping ranges) counts in both; callers normally keep them disjoint.
    for (const [c, on] of [[win, inWin], [base, inBase]] as const) {
      if (!on) continue;
      c.docs++;
      for (const t of ts) c.counts.set(t, (c.counts.get(t) ?? 0) + 1);
    }
    if (inWin) windowDocs.push({ row: r, terms: ts });
  }
  const lifted = fightinWords(win, base, opts);
  const nEx = opts.examples ?? 3;
  return {
    queue,
    tz,
    window: { from: wFrom, to: wTo, tickets: win.docs },
    baseline: { from: bFrom, to: bTo, tickets: base.docs },
    terms: lifted.map((t) => ({
      ...t,
      examples: windowDocs
        .filter((d) => d.terms.has(t.term))
        .slice(0, nEx)
        .map((d) => ({ ticketId: d.row.ticketId, subject: d.row.subject, createdAt: d.row.createdAt, queue: d.row.queue })),
    })),
    method: "log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008) over words and bigrams, counted once per ticket",
  };
}
