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
 * binary search per run inside the index window each run still has between the current value bounds (the
 * windows shrink with the bounds). O(R · log n · log(max − min)) for R runs at worst. k outside [0, total) → null.
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
  // Per run: values before from[i] are < lo, values from to[i] on are > hi.
  const from = new Int32Array(runs.length);
  const to = Int32Array.from(runs, (r) => r.length);
  const counts = new Int32Array(runs.length);
  let below = 0; // values < lo, over all runs
  // Smallest integer v with count(≤ v) > k.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let c = below;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      let a = from[i];
      let b = to[i];
      while (a < b) {
        const m = (a + b) >>> 1;
        if (r[m] <= mid) a = m + 1;
        else b = m;
      }
      counts[i] = a;
      c += a - from[i];
    }
    if (c > k) {
      hi = mid;
      to.set(counts);
    } else {
      lo = mid + 1;
      below = c;
      from.set(counts);
    }
  }
  return lo;
}

/**
 * Moves the value an ascending sort would put at index k of a[from..to) there, with values ≤ it before and
 * ≥ it after (quickselect, median of three; a range that stops shrinking fast is sorted instead). O(n) expected.
 */
export function selectInPlace(a: Float64Array, k: number, from = 0, to = a.length): void {
  let lo = from;
  let hi = to - 1;
  let budget = 2 * Math.ceil(Math.log2(to - from + 1)) + 8;
  while (hi > lo) {
    if (budget-- <= 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot.
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * numpy-linear percentiles of values in any order (left as they are), several at once by selection instead
 * of a sort: the same numbers as percentileSorted on the sorted values. O(n · ps) expected. No values → nulls.
 */
export function percentilesOf(values: ArrayLike<number>, ps: readonly number[]): (number | null)[] {
  const n = values.length;
  if (n === 0) return ps.map(() => null);
  const a = Float64Array.from(values);
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number | null>(ps.length).fill(null);
  // Ranks are placed in ascending order; each selection works on the part above the last rank placed.
  let last = -1;
  const place = (rank: number) => {
    if (rank > last) {
      selectInPlace(a, rank, last + 1);
      last = rank;
    }
  };
  for (const [p, i] of order) {
    const h = ((n - 1) * p) / 100;
    const lo = Math.floor(h);
    const hi = Math.min(n - 1, lo + 1);
    place(lo);
    place(hi);
    out[i] = a[lo] + (h - lo) * (a[hi] - a[lo]);
  }
  return out;
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
  // The next rank: a again when more than lo + 1 values are ≤ a, else the smallest value above a.
  let atMost = 0;
  let next = Infinity;
  for (const r of runs) {
    const c = countAtMost(r, a);
    atMost += c;
    if (c < r.length && r[c] < next) next = r[c];
  }
  const b = atMost > lo + 1 ? a : next;
  return a + (h - lo) * (b - a);
}
