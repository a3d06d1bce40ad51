/**
 * Exact percentiles, numpy's default ("linear"): for n sorted values x[0..n-1] and p in [0, 100],
 * h = (n − 1)·p/100 and P = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) — linear interpolation between the
 * closest ranks. n = 0 → null; n = 1 → that value for every p.
 */

/** Percentile of an ascending array. O(1). */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Number of values ≤ v in an ascending array (binary search, O(log n)). */
export function countAtMost(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The k-th smallest (0-based) value of the union of several ascending runs of **integers** (e.g. one run of
 * first-response seconds per queue-day), without merging them: binary search on the value, counting with a
 * binary search per run. O(R · log n · log(max − min)) for R runs. k outside [0, total) → null.
 */
export function kthOfRuns(runs: readonly ArrayLike<number>[], k: number): number | null {
  let total = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs) {
    if (!r.length) continue;
    total += r.length;
    if (r[0] < lo) lo = r[0];
    if (r[r.length - 1] > hi) hi = r[r.length - 1];
  }
  if (k < 0 || k >= total) return null;
  // Smallest integer v with count(≤ v) > k.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let c = 0;
    for (const r of runs) c += countAtMost(r, mid);
    if (c > k) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Total length of the runs. */
export function runsLength(runs: readonly ArrayLike<number>[]): number {
  let n = 0;
  for (const r of runs) n += r.length;
  return n;
}

/** numpy-linear percentile of the union of ascending integer runs (exact; see kthOfRuns). */
export function percentileOfRuns(runs: readonly ArrayLike<number>[], p: number): number | null {
  const n = runsLength(runs);
  if (n === 0) return null;
  if (runs.length === 1) return percentileSorted(runs[0], p);
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const a = kthOfRuns(runs, lo)!;
  if (h === lo || lo + 1 >= n) return a;
  const b = kthOfRuns(runs, lo + 1)!;
  return a + (h - lo) * (b - a);
}
