/**
 * A compact gradient-boosted decision tree trainer for binary labels (logistic loss), in the style of
 * LightGBM/XGBoost "hist": features are binned once into ≤ 256 quantile bins, each tree is grown leaf-wise
 * (best gain first) from per-leaf gradient histograms with the sibling-subtraction trick.
 *
 * Objective: Σ wᵢ·logloss(yᵢ, σ(Fᵢ)) + λ/2·Σ leaf², Newton step per leaf: v = −η·G/(H+λ), split gain
 * ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ. Class weighting: positives weigh `positiveWeight`
 * ('balanced' = negatives/positives). Row subsampling (Bernoulli per tree) and column subsampling (per
 * tree). Early stopping on the validation log-loss (unweighted) with `earlyStoppingRounds` patience; the
 * returned ensemble is truncated to the best round.
 *
 * Missing values (NaN) fall in bin 0. Each threshold split learns where they go (XGBoost's sparsity-aware
 * split finding): both "missing left" and "missing right" are scored and the better kept, recorded per node
 * in `missingRight`; prediction sends NaN that way and `x > threshold` right otherwise, so binned training
 * and float prediction agree exactly.
 *
 * Cost: binning O(d·n log n) once; per tree O(nnz·depth) for histograms, nnz = cells outside their
 * feature's most frequent bin (sparse-aware, like XGBoost/LightGBM), built for the smaller child only.
 * Deterministic for a seed.
 */
import { createRng, type Rng } from '../shared/rng.js';

export interface GbdtParams {
  /** Maximum boosting rounds (trees). */
  nRounds: number;
  /** Shrinkage η. */
  learningRate: number;
  /** Maximum depth of a leaf (root = 0). */
  maxDepth: number;
  /** Maximum leaves per tree. */
  maxLeaves: number;
  /** Minimum hessian sum in a child (XGBoost's min_child_weight). */
  minChildWeight: number;
  /** L2 regularisation λ on leaf values. */
  lambda: number;
  /** Minimum split gain γ. */
  gamma: number;
  /** Row fraction per tree, (0, 1]. */
  subsample: number;
  /** Feature fraction per tree, (0, 1]. */
  colsample: number;
  /** Stop after this many rounds without a better validation log-loss (needs a validation set). */
  earlyStoppingRounds: number;
  /** Weight of a positive row relative to a negative one, or 'balanced'. */
  positiveWeight: number | 'balanced';
  /** Bins per feature including the missing-value bin (≤ 256). */
  maxBins: number;
  /** Rows sampled to place bin edges. */
  binSampleRows: number;
  /**
   * Columns split as categories: their bins (one per distinct value, e.g. one per level's target
   * statistic) are sorted within each node by their own leaf weight, −G/(H + λ), or 0 when the level's
   * hessian in the node is below minChildWeight (XGBoost's partition splits: a level too small to be a
   * leaf of its own sorts as neutral instead of at an extreme), and the best prefix of that order goes left,
   * so any subset of levels can be separated, not only a threshold on one ordering.
   */
  categoricalFeatures: number[];
  seed: number;
}

/**
 * Defaults: shallow, regularised trees (≤ 15 leaves, depth ≤ 4, λ = 5, half the features per tree) with a
 * large step. Ticket-risk signals are mostly additive (counts, delays, tiers), which small trees fit as
 * well as deep ones; small trees keep TreeSHAP cheap (cost ∝ leaves·depth²), and the large step keeps the
 * ensemble short (~150 trees on the sample data), which is what scoring throughput pays for. On the sample
 * data (bench/risk.bench.ts) these matched or beat XGBoost-style defaults (31 leaves, depth 6, η 0.08).
 */
export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  nRounds: 1000,
  learningRate: 0.2,
  maxDepth: 4,
  maxLeaves: 15,
  minChildWeight: 10,
  lambda: 5,
  gamma: 0,
  subsample: 0.8,
  colsample: 0.5,
  earlyStoppingRounds: 30,
  positiveWeight: 1,
  maxBins: 256,
  binSampleRows: 100_000,
  categoricalFeatures: [],
  seed: 42,
};

/**
 * One tree in flat arrays. Node 0 is the root; a leaf has left = right = −1 and its value in `value`.
 * `cover` = training rows (of the tree's subsample) that reached the node: TreeSHAP's weights.
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  /**
   * Categorical splits: for node i, null (a threshold split) or the bin edges of its feature and which bins
   * go left (1) — a value v goes left when left[bin(v)] = 1, bin(v) = 0 for NaN else 1 + #edges < v.
   */
  cat?: (CategoricalSplit | null)[];
  /** Threshold splits that send missing values (NaN) right: 1 at such a node (absent = all left). */
  missingRight?: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  cover: Float64Array;
}

export interface CategoricalSplit {
  edges: Float64Array;
  left: Uint8Array;
}

/** Whether value v goes to the right child of `node` (NaN goes left of a threshold split). */
export function goesRight(t: Tree, node: number, v: number): boolean {
  const c = t.cat?.[node];
  if (c) return c.left[binOf(c.edges, v)] === 0;
  if (Number.isNaN(v)) return t.missingRight?.[node] === 1;
  return v > t.threshold[node];
}

export interface Booster {
  /** Initial log-odds (weighted positive rate). */
  baseScore: number;
  nFeatures: number;
  trees: Tree[];
}

export interface TrainResult {
  booster: Booster;
  /** Trees kept (best round + 1). */
  bestRounds: number;
  /** Rounds actually run. */
  roundsRun: number;
  /** Validation log-loss after each round (empty without a validation set). */
  validLoss: number[];
  positiveWeight: number;
}

/** Threshold used for a "missing vs present" split (bin 0 vs the rest); JSON-safe unlike −∞. */
const MISSING_SPLIT = -Number.MAX_VALUE;

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

interface Binned {
  edges: Float64Array[];
  nBins: Int32Array;
  offset: Int32Array;
  totalBins: number;
  /** Column-major bin codes, d × n (for partitioning on a split feature). */
  codes: Uint8Array;
  /** Most frequent bin per feature: rows in it are not stored in the row-wise layout. */
  defaultBin: Int32Array;
  /** Row-wise sparse layout (CSR): for row r, entries rowPtr[r]…rowPtr[r+1]−1 hold 2·(offset[f] + bin) of every non-default cell. */
  rowPtr: Int32Array;
  entries: Int32Array;
}

/** Bin edges of one feature: midpoints between distinct values, or between quantile cut points when there are too many. */
function featureEdges(values: Float64Array, maxEdges: number): Float64Array {
  const v = values.slice().sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (distinct.length > 0 && v[i] === distinct[distinct.length - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(v[i]);
      counts.push(1);
    }
  }
  const edges: number[] = [];
  if (distinct.length <= maxEdges + 1) {
    for (let i = 0; i + 1 < distinct.length; i++) edges.push((distinct[i] + distinct[i + 1]) / 2);
  } else {
    const step = v.length / (maxEdges + 1);
    let acc = 0;
    let next = step;
    for (let i = 0; i + 1 < distinct.length && edges.length < maxEdges; i++) {
      acc += counts[i];
      if (acc >= next) {
        edges.push((distinct[i] + distinct[i + 1]) / 2);
        while (next <= acc) next += step;
      }
    }
  }
  return Float64Array.from(edges);
}

/** Bin of a value: 0 for NaN, else 1 + #edges < v (so v ≤ edges[b−1] ⇔ bin ≤ b). */
function binOf(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

function binMatrix(X: Float64Array, n: number, d: number, maxBins: number, sampleRows: number, rng: Rng): Binned {
  const maxEdges = Math.max(1, Math.min(256, maxBins) - 2);
  let sample: Int32Array;
  if (n <= sampleRows) sample = Int32Array.from({ length: n }, (_, i) => i);
  else {
    // Partial Fisher–Yates: a uniform sample without replacement.
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < sampleRows; i++) {
      const j = i + rng.int(n - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    sample = idx.slice(0, sampleRows);
  }
  const edges: Float64Array[] = [];
  const nBins = new Int32Array(d);
  const offset = new Int32Array(d);
  const codes = new Uint8Array(d * n);
  let total = 0;
  const buf = new Float64Array(sample.length);
  for (let f = 0; f < d; f++) {
    let k = 0;
    for (let s = 0; s < sample.length; s++) {
      const v = X[sample[s] * d + f];
      if (!Number.isNaN(v)) buf[k++] = v;
    }
    const e = featureEdges(buf.subarray(0, k), maxEdges);
    edges.push(e);
    nBins[f] = e.length + 2;
    offset[f] = total;
    total += nBins[f];
    const col = f * n;
    for (let i = 0; i < n; i++) codes[col + i] = binOf(e, X[i * d + f]);
  }
  // Default (most frequent) bin per feature, then the CSR of the other cells.
  const defaultBin = new Int32Array(d);
  let nnz = 0;
  for (let f = 0; f < d; f++) {
    const counts = new Int32Array(nBins[f]);
    const col = f * n;
    for (let i = 0; i < n; i++) counts[codes[col + i]]++;
    let best = 0;
    for (let b = 1; b < counts.length; b++) if (counts[b] > counts[best]) best = b;
    defaultBin[f] = best;
    nnz += n - counts[best];
  }
  const rowPtr = new Int32Array(n + 1);
  const entries = new Int32Array(nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    rowPtr[i] = k;
    for (let f = 0; f < d; f++) {
      const c = codes[f * n + i];
      if (c !== defaultBin[f]) entries[k++] = 2 * (offset[f] + c);
    }
  }
  rowPtr[n] = k;
  return { edges, nBins, offset, totalBins: total, codes, defaultBin, rowPtr, entries };
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  /** Categorical split: bins going left (else null: bins ≤ bin go left). */
  catLeft: Uint8Array | null;
  /** Threshold split only: the missing-value bin 0 goes right (left = bins 1…bin). */
  missingRight: boolean;
  GL: number;
  HL: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: number;
  G: number;
  H: number;
  split: Split | null;
}

/**
 * Trains a booster on row-major `X` (n × d, NaN = missing) and labels `y` ∈ {0, 1}.
 * With `valid`, early-stops on its log-loss. See the module comment for the objective.
 */
export function trainGbdt(
  X: Float64Array,
  y: ArrayLike<number>,
  d: number,
  params: Partial<GbdtParams> = {},
  valid?: { X: Float64Array; y: ArrayLike<number>; w?: ArrayLike<number> },
  /** Row weights (default 1), multiplied with the class weight; e.g. 1 / rows of the ticket. */
  weights?: ArrayLike<number>,
): TrainResult {
  const p: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...params };
  const n = y.length;
  if (X.length !== n * d) throw new Error(`X has ${X.length} values, expected ${n}×${d}`);
  if (n === 0) throw new Error('no training rows');
  if (weights && weights.length !== n) throw new Error(`${weights.length} weights for ${n} rows`);
  const isCat = new Uint8Array(d);
  for (const f of p.categoricalFeatures) if (f >= 0 && f < d) isCat[f] = 1;
  const rng = createRng(p.seed);
  const binned = binMatrix(X, n, d, p.maxBins, p.binSampleRows, rng.fork());
  const { codes, nBins, offset, edges, totalBins, defaultBin, rowPtr, entries } = binned;

  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i] > 0 ? 1 : 0;
  const posW = p.positiveWeight === 'balanced' ? (pos > 0 ? (n - pos) / pos : 1) : p.positiveWeight;
  const w = new Float64Array(n);
  let wPos = 0;
  let wAll = 0;
  for (let i = 0; i < n; i++) {
    w[i] = (y[i] > 0 ? posW : 1) * (weights ? weights[i] : 1);
    wAll += w[i];
    if (y[i] > 0) wPos += w[i];
  }
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, wPos / wAll));
  const baseScore = Math.log(rate / (1 - rate));

  const F = new Float64Array(n).fill(baseScore);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rows = new Int32Array(n);
  const scratch = new Int32Array(n);
  const inSample = new Uint8Array(n);
  const maxLeaves = Math.max(2, p.maxLeaves);
  const pool: Float64Array[] = Array.from({ length: maxLeaves + 1 }, () => new Float64Array(totalBins * 2));
  const free: number[] = pool.map((_, i) => i);
  const nv = valid ? valid.y.length : 0;
  const Fv = new Float64Array(nv).fill(baseScore);
  const validLoss: number[] = [];
  const trees: Tree[] = [];
  let best = Infinity;
  let bestRounds = 0;
  const allFeatures = Int32Array.from({ length: d }, (_, i) => i);
  const nCols = Math.max(1, Math.round(p.colsample * d));
  let roundsRun = 0;
  let feats: Int32Array = allFeatures;

  for (let round = 0; round < p.nRounds; round++) {
    roundsRun++;
    for (let i = 0; i < n; i++) {
      const pr = sigmoid(F[i]);
      g[i] = w[i] * (pr - (y[i] > 0 ? 1 : 0));
      h[i] = Math.max(w[i] * pr * (1 - pr), 1e-16);
    }
    let m = 0;
    if (p.subsample >= 1) for (let i = 0; i < n; i++) rows[m++] = i;
    else for (let i = 0; i < n; i++) if (rng.next() < p.subsample) rows[m++] = i;
    if (m === 0) rows[m++] = rng.int(n);
    inSample.fill(0);
    for (let i = 0; i < m; i++) inSample[rows[i]] = 1;
    feats = allFeatures;
    if (nCols < d) {
      const perm = allFeatures.slice();
      for (let i = 0; i < nCols; i++) {
        const j = i + rng.int(d - i);
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      feats = perm.slice(0, nCols).sort();
    }

    const tree = growTree(m);
    trees.push(tree.tree);
    // Update margins: sampled rows by leaf range, the rest by walking the binned tree.
    for (const [start, end, v] of tree.leafRanges) for (let i = start; i < end; i++) F[rows[i]] += v;
    for (let i = 0; i < n; i++) if (!inSample[i]) F[i] += walkBinned(tree.tree, tree.splitBin, codes, n, i);

    if (valid) {
      let loss = 0;
      let wSum = 0;
      for (let i = 0; i < nv; i++) {
        Fv[i] += predictTree(tree.tree, valid.X, i * d);
        const pr = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(Fv[i])));
        const wi = valid.w ? valid.w[i] : 1;
        loss -= wi * (valid.y[i] > 0 ? Math.log(pr) : Math.log(1 - pr));
        wSum += wi;
      }
      loss /= Math.max(1e-12, wSum);
      validLoss.push(loss);
      if (loss < best - 1e-12) {
        best = loss;
        bestRounds = round + 1;
      } else if (round + 1 - bestRounds >= p.earlyStoppingRounds) break;
    } else bestRounds = round + 1;
  }

  return {
    booster: { baseScore, nFeatures: d, trees: trees.slice(0, bestRounds) },
    bestRounds,
    roundsRun,
    validLoss,
    positiveWeight: posW,
  };

  /**
   * Gradient histogram of rows[start, end): row-wise over the sparse layout (cost ∝ non-default cells),
   * then each sampled feature's default bin = node totals − its other bins.
   */
  function buildHist(buf: Float64Array, start: number, end: number, G: number, H: number): void {
    buf.fill(0);
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const gg = g[r];
      const hh = h[r];
      const e = rowPtr[r + 1];
      for (let j = rowPtr[r]; j < e; j++) {
        const b = entries[j];
        buf[b] += gg;
        buf[b + 1] += hh;
      }
    }
    for (const f of feats) {
      const base = offset[f] * 2;
      const z = base + nBins[f] * 2;
      let sg = 0;
      let sh = 0;
      for (let k = base; k < z; k += 2) {
        sg += buf[k];
        sh += buf[k + 1];
      }
      const db = base + defaultBin[f] * 2;
      buf[db] += G - sg;
      buf[db + 1] += H - sh;
    }
  }

  /** XGBoost's gain of a split with left sums (GL, HL), node gradient G and right hessian HR. */
  function splitGain(GL: number, HL: number, G: number, HR: number, parent: number): number {
    const GR = G - GL;
    return 0.5 * ((GL * GL) / (HL + p.lambda) + (GR * GR) / (HR + p.lambda) - parent) - p.gamma;
  }

  function bestSplit(buf: Float64Array, G: number, H: number): Split | null {
    const lam = p.lambda;
    const parent = (G * G) / (H + lam);
    let bestS: Split | null = null;
    let bestGain = 1e-12;
    for (const f of feats) {
      if (isCat[f]) {
        const c = bestCategoricalSplit(buf, f, G, H, parent, bestGain);
        if (c) {
          bestGain = c.gain;
          bestS = c;
        }
        continue;
      }
      const base = offset[f] * 2;
      const nb = nBins[f];
      // Two scans: bins 0…b left (missing left), then, when the node has missing values, bins 1…b left
      // with the missing bin 0 on the right.
      const hasMissing = buf[base + 1] > 0;
      for (let missingRight = 0; missingRight <= (hasMissing ? 1 : 0); missingRight++) {
        let GL = 0;
        let HL = 0;
        for (let b = missingRight; b < nb - 1; b++) {
          const k = base + b * 2;
          GL += buf[k];
          HL += buf[k + 1];
          if (HL < p.minChildWeight) continue;
          const HR = H - HL;
          if (HR < p.minChildWeight) break;
          const gain = splitGain(GL, HL, G, HR, parent);
          if (gain > bestGain) {
            bestGain = gain;
            bestS = { gain, feature: f, bin: b, catLeft: null, missingRight: missingRight === 1, GL, HL };
          }
        }
      }
    }
    return bestS;
  }

  /** The best subset split of categorical column f: its bins ordered by leaf weight (see categoricalFeatures), best prefix left. */
  function bestCategoricalSplit(buf: Float64Array, f: number, G: number, H: number, parent: number, floor: number): Split | null {
    const base = offset[f] * 2;
    const order: number[] = [];
    for (let b = 0; b < nBins[f]; b++) if (buf[base + 2 * b + 1] > 0) order.push(b);
    if (order.length < 2) return null;
    const ratio = (b: number) => (buf[base + 2 * b + 1] < p.minChildWeight ? 0 : buf[base + 2 * b] / (buf[base + 2 * b + 1] + p.lambda));
    order.sort((a, b) => ratio(a) - ratio(b) || a - b);
    let GL = 0;
    let HL = 0;
    let best: Split | null = null;
    let bestGain = floor;
    let bestK = -1;
    for (let k = 0; k + 1 < order.length; k++) {
      GL += buf[base + 2 * order[k]];
      HL += buf[base + 2 * order[k] + 1];
      if (HL < p.minChildWeight) continue;
      const HR = H - HL;
      if (HR < p.minChildWeight) break;
      const gain = splitGain(GL, HL, G, HR, parent);
      if (gain > bestGain) {
        bestGain = gain;
        bestK = k;
        best = { gain, feature: f, bin: -1, catLeft: null, missingRight: false, GL, HL };
      }
    }
    if (!best) return null;
    const left = new Uint8Array(nBins[f]);
    for (let k = 0; k <= bestK; k++) left[order[k]] = 1;
    best.catLeft = left;
    return best;
  }

  function growTree(m: number): { tree: Tree; splitBin: Int32Array; leafRanges: [number, number, number][] } {
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const cover: number[] = [];
    const splitBin: number[] = [];
    const catNodes = new Map<number, CategoricalSplit>();
    const missingRightNodes: number[] = [];
    const newNode = (c: number): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      value.push(0);
      cover.push(c);
      splitBin.push(-1);
      return feature.length - 1;
    };
    let G = 0;
    let H = 0;
    for (let k = 0; k < m; k++) {
      G += g[rows[k]];
      H += h[rows[k]];
    }
    const rootHist = free.pop() as number;
    buildHist(pool[rootHist], 0, m, G, H);
    const root: Leaf = { node: newNode(m), start: 0, end: m, depth: 0, hist: rootHist, G, H, split: null };
    root.split = p.maxDepth > 0 ? bestSplit(pool[rootHist], G, H) : null;
    const leaves: Leaf[] = [root];
    while (leaves.length < maxLeaves) {
      let bi = -1;
      for (let i = 0; i < leaves.length; i++) {
        const s = leaves[i].split;
        if (s && (bi < 0 || s.gain > (leaves[bi].split as Split).gain)) bi = i;
      }
      if (bi < 0) break;
      const leaf = leaves[bi];
      const s = leaf.split as Split;
      // Stable partition of rows[start, end) (bin ≤ s.bin first): rows stay in ascending order within a
      // leaf, so the histogram pass reads the row-wise layout front to back.
      const col = s.feature * n;
      let lo = leaf.start;
      let nr = 0;
      for (let k = leaf.start; k < leaf.end; k++) {
        const r = rows[k];
        const code = codes[col + r];
        if (s.catLeft ? s.catLeft[code] === 1 : code <= s.bin && !(s.missingRight && code === 0)) rows[lo++] = r;
        else scratch[nr++] = r;
      }
      rows.set(scratch.subarray(0, nr), lo);
      const mid = lo;
      const node = leaf.node;
      feature[node] = s.feature;
      splitBin[node] = s.bin;
      threshold[node] = s.catLeft ? 0 : s.bin === 0 ? MISSING_SPLIT : edges[s.feature][s.bin - 1];
      if (s.catLeft) catNodes.set(node, { edges: edges[s.feature], left: s.catLeft });
      if (s.missingRight) missingRightNodes.push(node);
      const ln = newNode(mid - leaf.start);
      const rn = newNode(leaf.end - mid);
      left[node] = ln;
      right[node] = rn;
      const L: Leaf = { node: ln, start: leaf.start, end: mid, depth: leaf.depth + 1, hist: -1, G: s.GL, H: s.HL, split: null };
      const R: Leaf = { node: rn, start: mid, end: leaf.end, depth: leaf.depth + 1, hist: -1, G: leaf.G - s.GL, H: leaf.H - s.HL, split: null };
      // Histogram of the smaller child; the larger one is parent − smaller, in the parent's buffer.
      const [small, large] = mid - leaf.start <= leaf.end - mid ? [L, R] : [R, L];
      small.hist = free.pop() as number;
      buildHist(pool[small.hist], small.start, small.end, small.G, small.H);
      const pb = pool[leaf.hist];
      const sb = pool[small.hist];
      for (const f of feats) {
        const a = offset[f] * 2;
        const z = a + nBins[f] * 2;
        for (let k = a; k < z; k++) pb[k] -= sb[k];
      }
      large.hist = leaf.hist;
      leaves.splice(bi, 1, L, R);
      for (const c of [L, R]) {
        c.split = c.depth < p.maxDepth && leaves.length < maxLeaves ? bestSplit(pool[c.hist], c.G, c.H) : null;
      }
    }
    const leafRanges: [number, number, number][] = [];
    for (const leaf of leaves) {
      const v = (-p.learningRate * leaf.G) / (leaf.H + p.lambda);
      value[leaf.node] = v;
      leafRanges.push([leaf.start, leaf.end, v]);
      free.push(leaf.hist);
    }
    return {
      tree: {
        feature: Int32Array.from(feature),
        threshold: Float64Array.from(threshold),
        left: Int32Array.from(left),
        right: Int32Array.from(right),
        value: Float64Array.from(value),
        cover: Float64Array.from(cover),
        ...(catNodes.size ? { cat: feature.map((_, i) => catNodes.get(i) ?? null) } : {}),
        ...(missingRightNodes.length ? { missingRight: Uint8Array.from(feature, (_, i) => (missingRightNodes.includes(i) ? 1 : 0)) } : {}),
      },
      splitBin: Int32Array.from(splitBin),
      leafRanges,
    };
  }
}

function walkBinned(t: Tree, splitBin: Int32Array, codes: Uint8Array, n: number, i: number): number {
  let node = 0;
  while (t.left[node] >= 0) {
    const code = codes[t.feature[node] * n + i];
    const c = t.cat?.[node];
    const goLeft = c ? c.left[code] === 1 : code === 0 ? t.missingRight?.[node] !== 1 : code <= splitBin[node];
    node = goLeft ? t.left[node] : t.right[node];
  }
  return t.value[node];
}

/** Leaf value of one tree for the row starting at `off` in `X`. O(depth). */
export function predictTree(t: Tree, X: ArrayLike<number>, off: number): number {
  const { feature, threshold, left, right, cat, missingRight } = t;
  let node = 0;
  while (left[node] >= 0) {
    const v = X[off + feature[node]];
    const c = cat?.[node];
    // Missing values go where training sent them (left unless the node says right).
    const r = c ? c.left[binOf(c.edges, v)] === 0 : v !== v ? missingRight?.[node] === 1 : v > threshold[node];
    node = r ? right[node] : left[node];
  }
  return t.value[node];
}

/** Raw margin (log-odds) of one row: baseScore + Σ tree values. O(trees × depth). */
export function predictMarginRow(b: Booster, x: ArrayLike<number>, off = 0): number {
  let s = b.baseScore;
  for (const t of b.trees) s += predictTree(t, x, off);
  return s;
}

/** Raw margins of a row-major matrix (n × nFeatures). */
export function predictMargins(b: Booster, X: Float64Array): Float64Array {
  const d = b.nFeatures;
  const n = Math.floor(X.length / d);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = predictMarginRow(b, X, i * d);
  return out;
}

/** JSON form of a booster (typed arrays as plain arrays). */
export interface BoosterJson {
  baseScore: number;
  nFeatures: number;
  trees: { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[]; cover: number[]; cat?: ({ edges: number[]; left: number[] } | null)[]; missingRight?: number[] }[];
}

export function boosterToJson(b: Booster): BoosterJson {
  return {
    baseScore: b.baseScore,
    nFeatures: b.nFeatures,
    trees: b.trees.map((t) => ({
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      left: Array.from(t.left),
      right: Array.from(t.right),
      value: Array.from(t.value),
      cover: Array.from(t.cover),
      ...(t.cat ? { cat: t.cat.map((c) => (c ? { edges: Array.from(c.edges), left: Array.from(c.left) } : null)) } : {}),
      ...(t.missingRight ? { missingRight: Array.from(t.missingRight) } : {}),
    })),
  };
}

export function boosterFromJson(j: BoosterJson): Booster {
  return {
    baseScore: j.baseScore,
    nFeatures: j.nFeatures,
    trees: j.trees.map((t) => ({
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
      cover: Float64Array.from(t.cover),
      ...(t.cat ? { cat: t.cat.map((c) => (c ? { edges: Float64Array.from(c.edges), left: Uint8Array.from(c.left) } : null)) } : {}),
      ...(t.missingRight ? { missingRight: Uint8Array.from(t.missingRight) } : {}),
    })),
  };
}
