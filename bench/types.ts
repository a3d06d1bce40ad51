/** One printed figure of `npm run bench`. */
export interface BenchRow {
  /** Area, e.g. 'ingest', 'queueing', 'slack'. */
  group: string;
  /** What was measured, with the data size: 'erlangC evaluations/s, N=100'. */
  name: string;
  value: number;
  unit: string;
  /** The target, in words: '< 2 s', '≥ 0.5× sqlite3 .import'. */
  target?: string;
  /** 'pass' | 'fail' | undefined (no target) */
  verdict?: 'pass' | 'fail';
  note?: string;
}

export interface BenchContext {
  /** `--quick`: smaller sizes, for a fast look. */
  quick: boolean;
  /** A scratch directory for generated data (bench/out/). */
  outDir: string;
}

export type BenchModule = (ctx: BenchContext) => Promise<BenchRow[]>;

/** Times fn over `iterations` runs after `warmup` runs; returns ms per run (p50, p95, mean). */
export function timeIt(fn: () => unknown, iterations: number, warmup = 3): { p50: number; p95: number; mean: number } {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(samples);
}

export function summarize(samples: number[]): { p50: number; p95: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { p50: q(0.5), p95: q(0.95), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}
