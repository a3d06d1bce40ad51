/**
 * Why did SL change? Exact Shapley attribution of an SL change between two windows to the players
 * {arrivals, talk, ACW, agents}, through the queue model.
 *
 * 1. Slots are matched by time of week (dow + local minute; time of day when the windows share no weekday):
 *    each window's slot value is the average over its occurrences — arrivals and agents per interval,
 *    talk and ACW handled-weighted.
 * 2. For each of the 16 coalitions C, every matched slot is evaluated with the after-value of the drivers in
 *    C and the before-value of the rest: SL_s(C) from the given interval model (`slModel`, e.g. the queue's
 *    calibration), else Erlang A (patience fitted on both windows) or Erlang C (no abandonment, or patience not
 *    identifiable). v(C) = Σ_s λ_s(C)·SL_s(C) / Σ_s λ_s(C) — the
 *    volume-weighted SL, with the arrivals of the coalition as weights, like realised SL (a ratio of sums).
 *    Before that, the after-window's per-slot arrivals, talk and ACW are denoised toward the window-level
 *    change (shrinkSlotChanges): arrivals keep the after-window's call total, talk and ACW its handled seconds.
 * 3. φ = exact Shapley values of v (shapley.ts): they sum to v(all) − v(none) = the modelled change, and
 *    no player order enters. residual = observed change − modelled change, reported, never spread.
 *
 * Units: SL and all deltas in percentage points (0 … 100); driver changes relative (0.19 = +19 %).
 * Cost: 16 × matched slots queue-model evaluations (+ the patience fit), milliseconds for a day.
 */
import { erlangA, erlangC, estimatePatience, type SlModel } from '../queueing/index.js';
import { shapleyValues } from './shapley.js';
import { PLAYERS, type IntervalRecord, type Player } from './types.js';

export type QueueModel = 'erlang-a' | 'erlang-c';

export interface AttributionOptions {
  /** 'auto' (default): Erlang A when patience can be fitted from abandonment, else Erlang C. */
  model?: 'auto' | QueueModel;
  /** Use this mean patience (seconds) instead of fitting one (Erlang A). */
  meanPatienceSeconds?: number;
  /**
   * The interval model to attribute through (e.g. the queue's calibration: effective AHT k × AHT, agents, patience,
   * as whatif and staffing use it); replaces `model`, `meanPatienceSeconds` and the patience fit. It gets each
   * matched slot's inputs without slot index or previous interval.
   */
  slModel?: SlModel;
  /** Slot matching (default 'auto': time of week when every after-weekday occurs before, else time of day). */
  matchBy?: 'auto' | 'time-of-week' | 'time-of-day';
}

export interface WindowSummary {
  /** Realised SL over the matched intervals, percent (answered within target ÷ offered). */
  sl: number;
  /** The queue model's SL for the window's own driver values, percent. */
  slModel: number;
  /** Offered calls per occurrence of the matched slots (e.g. per day when a window holds whole days). */
  offeredPerDay: number;
  offeredTotal: number;
  talkSeconds: number;
  acwSeconds: number;
  ahtSeconds: number;
  /** Mean agents staffed over the matched slots. */
  agents: number;
  abandonRate: number;
  intervals: number;
  days: number;
}

export interface AttributionFact {
  driver: Player;
  /** Relative change of the driver (mix-free: both windows weighted by the after-window's arrivals). */
  change: number;
  /** Shapley contribution in SL points. */
  contribution: number;
  text: string;
}

export interface Attribution {
  queue: string;
  /** Realised SL after − before, points. */
  observedDelta: number;
  /** Modelled SL after − before, points (= Σ contributions up to float rounding). */
  modelDelta: number;
  contributions: Record<Player, number>;
  /** observedDelta − modelDelta: what the queue model does not explain. */
  residual: number;
  model: QueueModel;
  meanPatienceSeconds: number | null;
  before: WindowSummary;
  after: WindowSummary;
  driverChanges: Record<Player, number>;
  /** Sentences' facts, largest |contribution| first. */
  facts: AttributionFact[];
  /** Model SL (points) of every coalition, indexed by bitmask over PLAYERS order (bit 0 = arrivals). */
  coalitionSl: number[];
  matchBy: 'time-of-week' | 'time-of-day';
  /**
   * How much of the after-window's slot-to-slot pattern (relative to before) was kept as signal rather
   * than sampling noise: 1 = all, 0 = only the window-level change (see shrinkSlotChanges).
   */
  slotSignalShare: { arrivals: number; talk: number; acw: number };
  slotsMatched: number;
  /** After-window slots with calls but no counterpart before (left out of both observed and model SL). */
  slotsUnmatched: number;
}

interface SlotAgg {
  n: number;
  dates: Set<string>;
  offered: number;
  handled: number;
  abandoned: number;
  awt: number;
  hTalk: number;
  hTalkW: number;
  hAcw: number;
  hAcwW: number;
  agents: number;
  intervalSeconds: number;
  target: number;
}

interface SlotValues {
  lambda: number;
  talk: number;
  acw: number;
  agents: number;
  intervalSeconds: number;
  target: number;
}

function aggregate(records: readonly IntervalRecord[], key: (r: IntervalRecord) => string): Map<string, SlotAgg> {
  const m = new Map<string, SlotAgg>();
  for (const r of records) {
    const k = key(r);
    let a = m.get(k);
    if (!a) {
      a = { n: 0, dates: new Set(), offered: 0, handled: 0, abandoned: 0, awt: 0, hTalk: 0, hTalkW: 0, hAcw: 0, hAcwW: 0, agents: 0, intervalSeconds: r.intervalSeconds, target: r.slTargetSeconds };
      m.set(k, a);
    }
    a.n++;
    a.dates.add(r.localDate);
    a.offered += r.offered;
    a.handled += r.handled;
    a.abandoned += r.abandoned;
    a.awt += r.answeredWithinTarget;
    a.agents += r.agentsStaffed;
    if (r.handled > 0 && r.ahtSeconds !== null) {
      a.hTalk += r.handled * talkOf(r.ahtSeconds, r.acwSeconds);
      a.hTalkW += r.handled;
      if (r.acwSeconds !== null) {
        a.hAcw += r.handled * r.acwSeconds;
        a.hAcwW += r.handled;
      }
    }
  }
  return m;
}

/**
 * Talk = AHT − ACW, rounded to the microsecond: the subtraction's float noise ((240 + 60.7) − 60.7 ≠ 240)
 * would otherwise make an unchanged talk time look changed by 1e-14 s and earn a non-zero contribution.
 */
export function talkOf(aht: number, acw: number | null): number {
  return Math.max(0, Math.round((aht - (acw ?? 0)) * 1e6) / 1e6);
}

function sum<T>(xs: Iterable<T>, f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}

const LABEL: Record<Player, string> = { arrivals: 'Arrivals', talk: 'Talk time', acw: 'ACW', agents: 'Agents' };

/** '+19 %', '−4.5 %' (one decimal under 10 %), with a true minus sign. */
export function fmtPct(x: number): string {
  const p = x * 100;
  const a = Math.abs(p);
  const s = a < 10 ? a.toFixed(1) : a.toFixed(0);
  return `${p < 0 && s !== '0.0' && s !== '0' ? '−' : '+'}${s} %`;
}

/** '−9.8 pts', '+0.3 pts'. */
export function fmtPts(x: number): string {
  const s = Math.abs(x).toFixed(1);
  return `${x < 0 && s !== '0.0' ? '−' : '+'}${s} pts`;
}

/**
 * Empirical-Bayes denoising of per-slot changes. With one occurrence per slot (a day against 4 weeks),
 * the after-window's slot values carry Poisson / per-call sampling noise of 10–30 % on a small queue, and
 * the queue model is non-linear: noise alone lowers modelled SL (Jensen) and would be credited to the
 * noisy driver. So each slot's relative change Δₛ = aₛ/bₛ − 1 is pulled toward the window-level change
 * R = Σwₛaₛ / Σwₛbₛ − 1: Δ̂ₛ = R + (Δₛ − R)·kₛ with kept share kₛ = τ²/(τ² + varₛ), varₛ the slot's sampling
 * variance of Δ and τ² the between-slot variance of true changes by moments, (Σ(Δ − R)² − Σvar)/m.
 * The moment estimate is noisy with few slots, so the pattern is kept only when it is beyond noise: when
 * χ² = Σ(Δ − R)²/var stays under its 1 % point on m − 1 degrees of freedom, τ² = 0 and every slot gets
 * exactly R (the after-window then has the before-window's shape at the after-window's level).
 * The after values become bₛ·(1 + Δ̂ₛ), rescaled so Σ wₛ·âₛ = Σ wₛ·aₛ: with w = 1 (arrivals) the call total
 * is conserved, with w = handled (talk, ACW) the total seconds. A driver equal in both windows has
 * Δ = R = 0 and is returned unchanged (exactly). Slots with bₛ ≤ 0, wₛ ≤ 0 or no variance are left as
 * they are. Returns the mean kept share (1 when nothing needed denoising). O(slots).
 */
function shrinkSlotChanges(b: number[], a: number[], w: number[], variance: (i: number, R: number) => number, set: (i: number, v: number) => void): number {
  const idx = b.map((_, i) => i).filter((i) => b[i] > 0 && w[i] > 0 && Number.isFinite(variance(i, 0)));
  if (idx.length < 2) return 1;
  const R = idx.reduce((s, i) => s + w[i] * a[i], 0) / idx.reduce((s, i) => s + w[i] * b[i], 0) - 1;
  const vars = new Map(idx.map((i) => [i, Math.max(1e-12, variance(i, R))]));
  let dev = 0;
  let noise = 0;
  let chi2 = 0;
  for (const i of idx) {
    const d2 = (a[i] / b[i] - 1 - R) ** 2;
    dev += d2;
    noise += vars.get(i)!;
    chi2 += d2 / vars.get(i)!;
  }
  const tau2 = chi2 > chiSquare99(idx.length - 1) ? Math.max(0, (dev - noise) / idx.length) : 0;
  let keptSum = 0;
  const next = new Map<number, number>();
  for (const i of idx) {
    const k = tau2 > 0 ? tau2 / (tau2 + vars.get(i)!) : 0;
    keptSum += k;
    const d = a[i] / b[i] - 1;
    next.set(i, b[i] * (1 + R + (d - R) * k));
  }
  let before = 0;
  let after = 0;
  for (const i of idx) {
    before += w[i] * a[i];
    after += w[i] * next.get(i)!;
  }
  const scale = after > 0 ? before / after : 1;
  for (const i of idx) set(i, next.get(i)! * scale);
  return keptSum / idx.length;
}

/** The 99th percentile of χ² with `df` degrees of freedom (Wilson–Hilferty; within 1 % for df ≥ 1). O(1). */
function chiSquare99(df: number): number {
  if (df <= 1) return 6.635;
  const c = 2 / (9 * df);
  return df * (1 - c + 2.326348 * Math.sqrt(c)) ** 3;
}

/**
 * Per-call CV² of talk or ACW from the before-window's replication: in a slot seen on k ≥ 2 days, the
 * handled-weighted spread of the daily means around their mean estimates CV²·mean² (it also holds any
 * day-to-day variation, so it errs toward more denoising). Median over slots; null with < 3 slots.
 */
function replicationCv2(records: readonly IntervalRecord[], key: (r: IntervalRecord) => string, f: 'talk' | 'acw'): number | null {
  const by = new Map<string, { h: number; x: number }[]>();
  for (const r of records) {
    if (r.handled <= 0 || r.ahtSeconds === null) continue;
    const x = f === 'talk' ? talkOf(r.ahtSeconds, r.acwSeconds) : r.acwSeconds;
    if (x === null) continue;
    const k = key(r);
    let l = by.get(k);
    if (!l) by.set(k, (l = []));
    l.push({ h: r.handled, x });
  }
  const est: number[] = [];
  for (const l of by.values()) {
    if (l.length < 2) continue;
    const H = l.reduce((s, o) => s + o.h, 0);
    const m = l.reduce((s, o) => s + o.h * o.x, 0) / H;
    if (m <= 0) continue;
    const ss = l.reduce((s, o) => s + o.h * (o.x - m) ** 2, 0) / (l.length - 1);
    est.push(ss / (m * m));
  }
  if (est.length < 3) return null;
  est.sort((p, q) => p - q);
  return Math.min(4, Math.max(0.05, est[est.length >> 1]));
}

/**
 * Attributes the SL change from `before` to `after` (records of one queue). See the module comment.
 * Windows with no matched slot carrying calls → a RangeError (nothing to compare).
 */
export function attributeSlChange(before: readonly IntervalRecord[], after: readonly IntervalRecord[], opts: AttributionOptions = {}): Attribution {
  if (after.length === 0 || before.length === 0) throw new RangeError('attributeSlChange: both windows need intervals');
  const queue = after[0].queue;
  const beforeDows = new Set(before.map((r) => r.localDow));
  const wantWeek = opts.matchBy === 'time-of-week' || (opts.matchBy !== 'time-of-day' && after.every((r) => beforeDows.has(r.localDow)));
  const matchBy = wantWeek ? 'time-of-week' : 'time-of-day';
  const key = wantWeek ? (r: IntervalRecord) => `${r.localDow}:${r.localMinute}` : (r: IntervalRecord) => `${r.localMinute}`;
  const aggB = aggregate(before, key);
  const aggA = aggregate(after, key);

  const keys: string[] = [];
  let unmatched = 0;
  for (const [k, a] of aggA) {
    const b = aggB.get(k);
    if (b) {
      if (a.offered + b.offered > 0) keys.push(k);
    } else if (a.offered > 0) unmatched++;
  }
  if (keys.length === 0) throw new RangeError('attributeSlChange: no matching time slots with calls in the two windows');

  // Window-level handled-weighted means fill slots where a window handled nothing.
  const meanOf = (agg: Map<string, SlotAgg>, f: 'talk' | 'acw'): number | null => {
    const num = sum(keys, (k) => (f === 'talk' ? agg.get(k)!.hTalk : agg.get(k)!.hAcw));
    const den = sum(keys, (k) => (f === 'talk' ? agg.get(k)!.hTalkW : agg.get(k)!.hAcwW));
    return den > 0 ? num / den : null;
  };
  const wm = {
    talkB: meanOf(aggB, 'talk'),
    talkA: meanOf(aggA, 'talk'),
    acwB: meanOf(aggB, 'acw'),
    acwA: meanOf(aggA, 'acw'),
  };
  const talkFallbackB = wm.talkB ?? wm.talkA ?? 0;
  const talkFallbackA = wm.talkA ?? wm.talkB ?? 0;
  const acwFallbackB = wm.acwB ?? wm.acwA ?? 0;
  const acwFallbackA = wm.acwA ?? wm.acwB ?? 0;

  const valuesOf = (a: SlotAgg, talkFb: number, acwFb: number): SlotValues => ({
    lambda: a.offered / a.n,
    talk: a.hTalkW > 0 ? a.hTalk / a.hTalkW : talkFb,
    acw: a.hAcwW > 0 ? a.hAcw / a.hAcwW : acwFb,
    agents: a.agents / a.n,
    intervalSeconds: a.intervalSeconds,
    target: a.target,
  });
  const slotB: SlotValues[] = [];
  const slotA: SlotValues[] = [];
  for (const k of keys) {
    const b = aggB.get(k)!;
    const a = aggA.get(k)!;
    let vb = valuesOf(b, talkFallbackB, acwFallbackB);
    let va = valuesOf(a, talkFallbackA, acwFallbackA);
    // A slot that handled nothing in one window borrows the other window's slot value: no evidence of change.
    if (b.hTalkW === 0 && a.hTalkW > 0) vb = { ...vb, talk: va.talk };
    if (a.hTalkW === 0 && b.hTalkW > 0) va = { ...va, talk: vb.talk };
    if (b.hAcwW === 0 && a.hAcwW > 0) vb = { ...vb, acw: va.acw };
    if (a.hAcwW === 0 && b.hAcwW > 0) va = { ...va, acw: vb.acw };
    // The SL target is a property of the queue, not a player: use the after-window's.
    vb = { ...vb, target: va.target, intervalSeconds: va.intervalSeconds };
    slotB.push(vb);
    slotA.push(va);
  }

  // Denoise the after-window's slot values (see shrinkSlotChanges); agents are a schedule, not a sample.
  const nB = keys.map((k) => aggB.get(k)!.n);
  const nA = keys.map((k) => aggA.get(k)!.n);
  const hB = keys.map((k) => aggB.get(k)!.hTalkW);
  const hA = keys.map((k) => aggA.get(k)!.hTalkW);
  const hAcwB = keys.map((k) => aggB.get(k)!.hAcwW);
  const hAcwA = keys.map((k) => aggA.get(k)!.hAcwW);
  const cv2Talk = replicationCv2(before, key, 'talk') ?? 1.0;
  const cv2Acw = replicationCv2(before, key, 'acw') ?? 0.5;
  const shrink = {
    // Arrivals: weights 1, so R is the call-total ratio and the denoised slots keep the after-window's total.
    // Poisson variance of Δ at the counts expected under R: (1 + R)/(n_A·b) + (1 + R)²/(n_B·b).
    arrivals: shrinkSlotChanges(
      slotB.map((x) => x.lambda),
      slotA.map((x) => x.lambda),
      keys.map(() => 1),
      (i, R) => {
        const b = Math.max(slotB[i].lambda, 0.5);
        return (1 + R) / (nA[i] * b) + (1 + R) ** 2 / (nB[i] * b);
      },
      (i, v) => (slotA[i] = { ...slotA[i], lambda: v }),
    ),
    talk: shrinkSlotChanges(
      slotB.map((x) => x.talk),
      slotA.map((x) => x.talk),
      hA,
      (i) => (hA[i] > 0 && hB[i] > 0 ? cv2Talk * (1 / hA[i] + 1 / hB[i]) : NaN),
      (i, v) => (slotA[i] = { ...slotA[i], talk: v }),
    ),
    acw: shrinkSlotChanges(
      slotB.map((x) => x.acw),
      slotA.map((x) => x.acw),
      hAcwA,
      (i) => (hAcwA[i] > 0 && hAcwB[i] > 0 ? cv2Acw * (1 / hAcwA[i] + 1 / hAcwB[i]) : NaN),
      (i, v) => (slotA[i] = { ...slotA[i], acw: v }),
    ),
  };

  // Queue model: the given interval model; else Erlang A when abandonment identifies a patience, else Erlang C.
  let model: QueueModel = opts.slModel?.kind ?? 'erlang-c';
  let patience: number | null = opts.slModel ? opts.slModel.meanPatienceSeconds : null;
  if (!opts.slModel && opts.model !== 'erlang-c') {
    if (opts.meanPatienceSeconds !== undefined) {
      model = 'erlang-a';
      patience = opts.meanPatienceSeconds;
    } else {
      const ivs = [...before, ...after]
        .filter((r) => r.offered > 0 && r.ahtSeconds !== null && r.ahtSeconds > 0)
        .map((r) => ({ offered: r.offered, abandoned: r.abandoned, intervalSeconds: r.intervalSeconds, ahtSeconds: r.ahtSeconds as number, agents: r.agentsStaffed }));
      const target = slotA[0].target;
      const est = ivs.length ? estimatePatience(ivs, { targetAnswerSeconds: target }) : null;
      if (est && Number.isFinite(est.meanPatienceSeconds) && !est.atBound) {
        model = 'erlang-a';
        patience = est.meanPatienceSeconds;
      } else if (opts.model === 'erlang-a') {
        throw new RangeError('attributeSlChange: Erlang A requested but no patience can be fitted (no abandonment); pass meanPatienceSeconds');
      }
    }
  }

  const slOf = (lambda: number, aht: number, agents: number, iv: number, target: number): number => {
    if (lambda <= 0) return 1;
    if (agents <= 0) return 0;
    if (opts.slModel) return opts.slModel.evaluate({ offered: lambda, ahtSeconds: aht, agents, intervalSeconds: iv, targetSeconds: target }).serviceLevel;
    const input = { arrivals: lambda, intervalSeconds: iv, ahtSeconds: aht, agents, targetAnswerSeconds: target };
    return model === 'erlang-a' ? erlangA({ ...input, meanPatienceSeconds: patience as number }).serviceLevel : erlangC(input).serviceLevel;
  };
  const bitOf = (p: Player) => 1 << PLAYERS.indexOf(p);
  const v = (mask: number): number => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < keys.length; i++) {
      const b = slotB[i];
      const a = slotA[i];
      const lambda = mask & bitOf('arrivals') ? a.lambda : b.lambda;
      if (lambda <= 0) continue;
      const talk = mask & bitOf('talk') ? a.talk : b.talk;
      const acw = mask & bitOf('acw') ? a.acw : b.acw;
      const agents = mask & bitOf('agents') ? a.agents : b.agents;
      num += lambda * slOf(lambda, talk + acw, agents, a.intervalSeconds, a.target);
      den += lambda;
    }
    return den > 0 ? (100 * num) / den : 100;
  };
  const coalitionSl: number[] = [];
  const phi = shapleyValues(PLAYERS.length, (m) => {
    const x = v(m);
    coalitionSl[m] = x;
    return x;
  });
  const contributions = Object.fromEntries(PLAYERS.map((p, i) => [p, phi[i]])) as Record<Player, number>;
  const full = (1 << PLAYERS.length) - 1;
  const modelDelta = coalitionSl[full] - coalitionSl[0];

  const slotDays = Math.max(1, new Set(keys.map((k) => (k.includes(':') ? k.split(':')[0] : '*'))).size);
  const summary = (agg: Map<string, SlotAgg>, slots: SlotValues[], slModel: number): WindowSummary => {
    const offered = sum(keys, (k) => agg.get(k)!.offered);
    const handled = sum(keys, (k) => agg.get(k)!.hTalkW);
    const acwW = sum(keys, (k) => agg.get(k)!.hAcwW);
    const talk = handled > 0 ? sum(keys, (k) => agg.get(k)!.hTalk) / handled : sum(slots, (s) => s.talk) / slots.length;
    const acw = acwW > 0 ? sum(keys, (k) => agg.get(k)!.hAcw) / acwW : sum(slots, (s) => s.acw) / slots.length;
    const dates = new Set<string>();
    let n = 0;
    for (const k of keys) {
      const a = agg.get(k)!;
      a.dates.forEach((d) => dates.add(d));
      n += a.n;
    }
    return {
      sl: offered > 0 ? (100 * sum(keys, (k) => agg.get(k)!.awt)) / offered : 100,
      slModel,
      // Slots are time-of-week keys ("dow:minute") when the windows span several weekdays: divide by the
      // weekdays they cover, or a week's volume would read as a day's.
      offeredPerDay: sum(slots, (s) => s.lambda) / slotDays,
      offeredTotal: offered,
      talkSeconds: talk,
      acwSeconds: acw,
      ahtSeconds: talk + acw,
      agents: sum(slots, (s) => s.agents) / slots.length,
      abandonRate: offered > 0 ? sum(keys, (k) => agg.get(k)!.abandoned) / offered : 0,
      intervals: n,
      days: dates.size,
    };
  };
  const beforeSum = summary(aggB, slotB, coalitionSl[0]);
  const afterSum = summary(aggA, slotA, coalitionSl[full]);
  const observedDelta = afterSum.sl - beforeSum.sl;

  // Mix-free driver changes: both windows weighted by the after-window's slot arrivals.
  const wA = slotA.map((s) => s.lambda);
  const ratio = (fa: (i: number) => number, fb: (i: number) => number) => {
    let na = 0;
    let nb = 0;
    for (let i = 0; i < keys.length; i++) {
      na += fa(i);
      nb += fb(i);
    }
    return nb > 0 ? na / nb - 1 : 0;
  };
  const driverChanges: Record<Player, number> = {
    arrivals: ratio((i) => slotA[i].lambda, (i) => slotB[i].lambda),
    talk: ratio((i) => wA[i] * slotA[i].talk, (i) => wA[i] * slotB[i].talk),
    acw: ratio((i) => wA[i] * slotA[i].acw, (i) => wA[i] * slotB[i].acw),
    agents: ratio((i) => slotA[i].agents, (i) => slotB[i].agents),
  };
  const facts: AttributionFact[] = PLAYERS.map((p) => ({
    driver: p,
    change: driverChanges[p],
    contribution: contributions[p],
    // Same call total but a different spread over the day (kept only when beyond noise): say so.
    text: `${LABEL[p]} ${fmtPct(driverChanges[p])}${p === 'arrivals' && fmtPct(driverChanges[p]) === '+0.0 %' && fmtPts(contributions[p]) !== '+0.0 pts' ? ' (calls moved between intervals)' : ''} contributed ${fmtPts(contributions[p])}`,
  })).sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));

  return {
    queue,
    observedDelta,
    modelDelta,
    contributions,
    residual: observedDelta - modelDelta,
    model,
    meanPatienceSeconds: patience,
    before: beforeSum,
    after: afterSum,
    driverChanges,
    facts,
    coalitionSl,
    matchBy,
    slotSignalShare: shrink,
    slotsMatched: keys.length,
    slotsUnmatched: unmatched,
  };
}

/**
 * The default comparison of `why`: the local day `date` against the same weekday in the `weeks` weeks
 * before it (each slot averaged over those days). Records of other days are ignored. O(records).
 */
export function attributeDay(records: readonly IntervalRecord[], date: string, opts: AttributionOptions & { weeks?: number } = {}): Attribution {
  const weeks = opts.weeks ?? 4;
  const target = Date.parse(`${date}T00:00:00Z`);
  const after = records.filter((r) => r.localDate === date);
  if (after.length === 0) throw new RangeError(`attributeDay: no intervals on ${date}`);
  const dow = after[0].localDow;
  const before = records.filter((r) => {
    if (r.localDow !== dow) return false;
    const days = (target - Date.parse(`${r.localDate}T00:00:00Z`)) / 86_400_000;
    return days >= 1 && days <= 7 * weeks;
  });
  if (before.length === 0) throw new RangeError(`attributeDay: no ${['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][dow]} in the ${weeks} weeks before ${date}`);
  return attributeSlChange(before, after, { ...opts, matchBy: 'time-of-week' });
}
