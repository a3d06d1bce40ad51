/**
 * Intraday profile: the share of a day's contacts in each local time slot, per weekday, shrunk toward the
 * pooled profile of the weekdays with the same opening hours ("weekday type").
 *
 *   raw_d(m)    = C_d(m) / T_d                (contacts of weekday d in slot m over the window, ÷ their total)
 *   pooled_g(m) = Σ_{d∈g} C_d(m) / Σ_{d∈g} T_d
 *   X²_d        = Σ_m (C_d(m) − T_d·pooled_g(m))² / (T_d·pooled_g(m)),  df = slots − 1
 *   w_d         = max(0, 1 − df / X²_d)        (positive-part James–Stein: a weekday whose shape differs from
 *                                               its type by no more than Poisson noise takes the pooled shape)
 *   share_d(m)  = w_d·raw_d(m) + (1 − w_d)·pooled_g(m)
 *
 * A weekday with w_d ≥ 0.5 is then left out of its type's pooled shape and the weights are computed again.
 * Weekday types: weekdays whose open slots (slots with contacts on at least half their days) overlap with
 * Jaccard ≥ 0.8, grouped greedily in weekday order. Weekdays with no day in the window use the pooled
 * profile of all days. Cost O(days·slots).
 */

export interface ProfileDay {
  dow: number;
  /** Contacts per local minute-of-day slot. */
  slots: ReadonlyMap<number, number>;
  total: number;
}

export interface IntradayProfile {
  /** Share of the day's contacts in slot `minute` on weekday `dow` (0 when the slot is closed). */
  share(dow: number, minute: number): number;
  /** Weekday types (groups of weekdays sharing a pooled shape). */
  types: number[][];
  /** Own-shape weight w_d per weekday (NaN when the weekday has no day in the window). */
  ownWeight: number[];
}

function jaccard(a: Set<number>, b: Set<number>): number {
  if (!a.size && !b.size) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

function addInto(target: Map<number, number>, src: ReadonlyMap<number, number>): void {
  for (const [m, c] of src) target.set(m, (target.get(m) ?? 0) + c);
}

export function buildProfile(days: readonly ProfileDay[]): IntradayProfile {
  const counts: Map<number, number>[] = Array.from({ length: 7 }, () => new Map());
  const totals = new Array(7).fill(0);
  const nDays = new Array(7).fill(0);
  const openDays: Map<number, number>[] = Array.from({ length: 7 }, () => new Map());
  const all = new Map<number, number>();
  let allTotal = 0;
  for (const d of days) {
    if (!(d.total > 0)) continue;
    addInto(counts[d.dow], d.slots);
    totals[d.dow] += d.total;
    nDays[d.dow]++;
    addInto(all, d.slots);
    allTotal += d.total;
    for (const [m, c] of d.slots) if (c > 0) openDays[d.dow].set(m, (openDays[d.dow].get(m) ?? 0) + 1);
  }
  const openSet = openDays.map((o, d) => new Set([...o.entries()].filter(([, n]) => n * 2 >= nDays[d]).map(([m]) => m)));
  const types: number[][] = [];
  for (let d = 0; d < 7; d++) {
    if (!nDays[d]) continue;
    const g = types.find((t) => jaccard(openSet[t[0]], openSet[d]) >= 0.8);
    if (g) g.push(d);
    else types.push([d]);
  }
  const pooled: (Map<number, number> | null)[] = new Array(7).fill(null);
  const ownWeight = new Array(7).fill(NaN);
  const shares: Map<number, number>[] = Array.from({ length: 7 }, () => new Map());
  for (const t of types) {
    const c = new Map<number, number>();
    let total = 0;
    for (const d of t) {
      addInto(c, counts[d]);
      total += totals[d];
    }
    const weights = (p: Map<number, number>) =>
      t.map((d) => {
        let x2 = 0;
        let slots = 0;
        for (const [m, pm] of p) {
          if (pm <= 0) continue;
          slots++;
          const e = totals[d] * pm;
          x2 += ((counts[d].get(m) ?? 0) - e) ** 2 / e;
        }
        const df = Math.max(0, slots - 1);
        return t.length === 1 ? 1 : x2 > df ? 1 - df / x2 : 0;
      });
    let p = new Map([...c].map(([m, v]) => [m, v / total]));
    let w = weights(p);
    // A weekday whose own shape clearly differs (w ≥ 0.5) must not bend its type's pooled shape: pool again
    // over the others and weigh every weekday against that.
    const core = t.filter((_, i) => w[i] < 0.5);
    if (core.length && core.length < t.length) {
      const cc = new Map<number, number>();
      let ct = 0;
      for (const d of core) {
        addInto(cc, counts[d]);
        ct += totals[d];
      }
      for (const m of c.keys()) if (!cc.has(m)) cc.set(m, 0);
      p = new Map([...cc].map(([m, v]) => [m, v / ct]));
      w = weights(p);
    }
    t.forEach((d, i) => {
      pooled[d] = p;
      ownWeight[d] = w[i];
      for (const [m, pm] of p) shares[d].set(m, w[i] * ((counts[d].get(m) ?? 0) / totals[d]) + (1 - w[i]) * pm);
    });
  }
  const allShare = new Map([...all].map(([m, v]) => [m, allTotal > 0 ? v / allTotal : 0]));
  return {
    share: (dow, minute) => (pooled[dow] ? shares[dow].get(minute) ?? 0 : allShare.get(minute) ?? 0),
    types,
    ownWeight,
  };
}
