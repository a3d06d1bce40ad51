/**
 * Seeded pseudo-random numbers for simulations, sampling and model training.
 * mulberry32: 32-bit state, period 2^32, fast and good enough for simulation (not cryptography).
 * Every consumer takes an `Rng` so runs are reproducible for a seed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box–Muller, caches the second variate). */
  normal(): number;
  /** Exponential with the given mean (mean > 0). */
  exponential(mean: number): number;
  /** Poisson with mean λ ≥ 0 (Knuth for λ < 30, normal approximation with continuity beyond). */
  poisson(lambda: number): number;
  /** Lognormal with the given arithmetic mean and coefficient of variation (sd / mean). */
  lognormal(mean: number, cv: number): number;
  /** A uniformly random element. */
  pick<T>(items: readonly T[]): T;
  /** Index drawn with probability proportional to weights (all ≥ 0, sum > 0). */
  weighted(weights: readonly number[]): number;
  /** A new independent stream derived from this one (for per-queue / per-tree streams). */
  fork(): Rng;
}

export function createRng(seed: number): Rng {
  let state = (seed >>> 0) || 0x9e3779b9;
  let spare: number | null = null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    exponential(mean) {
      let u = 0;
      while (u === 0) u = next();
      return -mean * Math.log(u);
    },
    poisson(lambda) {
      if (lambda <= 0) return 0;
      if (lambda < 30) {
        const l = Math.exp(-lambda);
        let k = 0;
        let p = 1;
        do {
          k++;
          p *= next();
        } while (p > l);
        return k - 1;
      }
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
    },
    lognormal(mean, cv) {
      const sigma2 = Math.log(1 + cv * cv);
      const mu = Math.log(mean) - sigma2 / 2;
      return Math.exp(mu + Math.sqrt(sigma2) * rng.normal());
    },
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted(weights) {
      let total = 0;
      for (const w of weights) total += w;
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i];
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    fork: () => createRng(Math.floor(next() * 4294967296)),
  };
  return rng;
}
