/**
 * Reciprocal-rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): combines rankings from retrievers
 * whose scores are not comparable (BM25, cosine) using ranks only.
 */

export interface Fused {
  id: string;
  /** Σ over lists of 1 / (k + rank), rank starting at 1. */
  score: number;
  /** 1-based rank of the item in each input list (null = absent from that list). */
  ranks: (number | null)[];
}

/**
 * RRF score(d) = Σ_lists 1 / (k + rank_list(d)); items missing from a list contribute nothing from it.
 * k = 60 (the paper's constant) damps the head so one list's first place cannot dominate.
 * Ties break by best single rank, then id, so the result is deterministic. O(Σ list lengths · log).
 * A duplicate id within one list counts at its first (best) rank only.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = 60): Fused[] {
  const byId = new Map<string, Fused>();
  lists.forEach((list, li) => {
    const seen = new Set<string>();
    list.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      let f = byId.get(id);
      if (!f) {
        f = { id, score: 0, ranks: lists.map(() => null) };
        byId.set(id, f);
      }
      f.score += 1 / (k + i + 1);
      f.ranks[li] = i + 1;
    });
  });
  const best = (f: Fused) => Math.min(...f.ranks.map((r) => r ?? Infinity));
  return [...byId.values()].sort((a, b) => b.score - a.score || best(a) - best(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
