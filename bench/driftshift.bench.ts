/**
 * Drift detector against simple EWMA and CUSUM peers, on the same simulated queues in one run.
 *
 * Queues: call-by-call simulations (drift.bench.ts simulateQueue), medium volume (peak 150 calls per half-hour),
 * 28 training + 14 monitored days, with day-level noise: whole days busier or quieter (arrivals factor, lognormal
 * CV 6 %) and with longer or shorter calls (talk factor, CV 3 %), on top of per-agent absence.
 * Cases: null queues, and step shifts in arrivals, talk, ACW and agents at three sizes — small 8 %, medium 15 %,
 * large 30 % (ACW ×2: it is a quarter of handle time, so its shift moves load as much as the others') — up or
 * down, onset at a random time of monitored days 1–6. Each case has its own seed.
 *
 * Detectors, all watching the same five series (arrivals, talk, ACW, agents, SL) with the same same-time-of-week
 * baseline (the engine's dayBaseline of the 4 previous same weekdays) and the same standardisation z = e / sd
 * from the variance model fitted on the training window (so the peers are not handicapped by raw residuals):
 *   radar   the engine's detectDrift (LLR CUSUM, day-level design effect, bootstrap-calibrated thresholds) at its
 *           default stated rate (0.5 false alarms per 30 days), and `radar@1.0` at a stated 1.0;
 *   EWMA    λ = 0.1 on z per series, alarm when |Z| > L·√(λ/(2 − λ)), re-armed when Z is back inside;
 *   CUSUM   Page's two-sided CUSUM on z with k = 0.5, alarm at S > h, re-armed when S returns to 0.
 * The peers' L and h are set on separate null calibration queues (their own seeds) to 1 false alarm per 30
 * queue-days — a generous, oracle calibration; radar calibrates itself on each queue's training window.
 *
 * Reported per detector: false alarms per 30 queue-days (null cases, and shift cases before their onset),
 * detection rate and median delay (monitored intervals with data from the onset to the first alarm of the
 * shifted driver in the right direction; a miss counts as ∞) per shift size, plus per driver at medium size;
 * and whether attribution (3 full days after the onset vs the 28 days before) names the shifted driver.
 */
import { attributeSlChange, detectDrift, dayBaseline, referenceDays, buildGrid, dayNumber, type Driver, type IntervalRecord, type Player } from '../src/engines/drift/index.js';
import { fitVariance, observe, zOf, type Obs } from '../src/engines/drift/residuals.js';
import type { VarianceModel } from '../src/engines/drift/types.js';
import { createRng, type Rng } from '../src/engines/shared/rng.js';
import { simulateQueue, type DayNoise, type Shift } from './drift.bench.js';
import type { BenchContext, BenchRow } from './types.js';

const IV = 1800;
const TRAIN = 28;
const MONITOR = 14;
const START = '2026-01-05';
const startMs = Date.parse(`${START}T00:00:00Z`);
const dayMs = 86_400_000;
const PEAK = 150;
const NOISE: DayNoise = { arrivalsCv: 0.06, talkCv: 0.03 };
const SERIES: Driver[] = ['arrivals', 'talk', 'acw', 'agents', 'sl'];
const PLAYERS: Player[] = ['arrivals', 'talk', 'acw', 'agents'];
const SIZES = { small: 0.08, medium: 0.15, large: 0.3 } as const;
type Size = keyof typeof SIZES;
const FA_TARGET = 1;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
const from = iso(startMs + TRAIN * dayMs).slice(0, 10);

interface Alarm {
  driver: Driver;
  dir: 'up' | 'down';
  /** Index into the monitored intervals with data. */
  idx: number;
}

/** z per series for every monitored interval (null where the series has no information). */
interface Standardised {
  times: number[];
  z: (number | null)[][];
}

/** Residuals standardised as the engine does: baseline from the 4 previous same weekdays, variance fitted on training. */
function standardise(records: IntervalRecord[]): Standardised {
  const grid = buildGrid(records);
  const fromNum = dayNumber(from);
  const lo = fromNum - TRAIN;
  const train: Obs[][] = SERIES.map(() => []);
  for (let i = 0; i < grid.days.length; i++) {
    const d = grid.days[i];
    if (d.dayNum < lo || d.dayNum >= fromNum) continue;
    const refs = referenceDays(grid, i, lo, fromNum - 1, 4);
    if (refs.length < 2) continue;
    const b = dayBaseline(refs, grid.slotsPerDay);
    SERIES.forEach((dr, k) => {
      for (let s = 0; s < grid.slotsPerDay; s++) {
        const o = observe(dr, d.cells[s], b, s);
        if (o) train[k].push(o);
      }
    });
  }
  const vms: VarianceModel[] = SERIES.map((dr, k) => fitVariance(dr, train[k]));
  const out: Standardised = { times: [], z: SERIES.map(() => []) };
  for (let i = 0; i < grid.days.length; i++) {
    const d = grid.days[i];
    if (d.dayNum < fromNum) continue;
    const refs = referenceDays(grid, i, d.dayNum - 28, d.dayNum - 1, 4);
    const b = dayBaseline(refs.length >= 2 ? refs : [], grid.slotsPerDay);
    for (let s = 0; s < grid.slotsPerDay; s++) {
      const c = d.cells[s];
      if (!c) continue;
      out.times.push(Date.parse(c.rec.intervalStart));
      SERIES.forEach((dr, k) => {
        const o = observe(dr, c, b, s);
        out.z[k].push(o ? zOf(dr, o, vms[k]) : null);
      });
    }
  }
  return out;
}

/** Two-sided EWMA alarms at limit L (in units of the EWMA's asymptotic sd). */
function ewmaAlarms(st: Standardised, L: number, lambda = 0.1): Alarm[] {
  const lim = L * Math.sqrt(lambda / (2 - lambda));
  const out: Alarm[] = [];
  SERIES.forEach((dr, k) => {
    let z = 0;
    let open: 'up' | 'down' | null = null;
    st.z[k].forEach((x, t) => {
      if (x === null) return;
      z = lambda * Math.max(-8, Math.min(8, x)) + (1 - lambda) * z;
      const dir = z > lim ? 'up' : z < -lim ? 'down' : null;
      if (dir && dir !== open) out.push({ driver: dr, dir, idx: t });
      open = dir;
    });
  });
  return out;
}

/** Page's two-sided CUSUM alarms at threshold h with reference value k. */
function cusumAlarms(st: Standardised, h: number, k = 0.5): Alarm[] {
  const out: Alarm[] = [];
  SERIES.forEach((dr, j) => {
    let up = 0;
    let dn = 0;
    let openUp = false;
    let openDn = false;
    st.z[j].forEach((x, t) => {
      if (x === null) return;
      const v = Math.max(-8, Math.min(8, x));
      up = Math.max(0, up + v - k);
      dn = Math.max(0, dn - v - k);
      if (up === 0) openUp = false;
      if (dn === 0) openDn = false;
      if (up > h) {
        if (!openUp) out.push({ driver: dr, dir: 'up', idx: t });
        openUp = true;
        up = h;
      }
      if (dn > h) {
        if (!openDn) out.push({ driver: dr, dir: 'down', idx: t });
        openDn = true;
        dn = h;
      }
    });
  });
  return out;
}

function radarAlarms(records: IntervalRecord[], st: Standardised, falseAlarmsPer30Days?: number): Alarm[] {
  const res = detectDrift(records, { from, trainDays: TRAIN, seed: 7, ...(falseAlarmsPer30Days !== undefined ? { falseAlarmsPer30Days } : {}) });
  const idx = new Map(st.times.map((t, i) => [t, i]));
  return res.events.map((e) => ({ driver: e.driver, dir: e.direction, idx: idx.get(Date.parse(e.detectedAt)) ?? 0 }));
}

interface Case {
  size: Size | 'null';
  shift: Shift | null;
  records: IntervalRecord[];
  st: Standardised;
  /** Index of the first monitored interval at or after the onset (Infinity for null cases). */
  onsetIdx: number;
  exposureDays: number;
  attributionOk: boolean | null;
  top: Player | null;
}

function makeCase(size: Size | 'null', driver: Player | null, sign: 1 | -1, rng: Rng): Case {
  let shift: Shift | null = null;
  if (size !== 'null' && driver) {
    const day = TRAIN + 1 + rng.int(6);
    const minute = 7 * 60 + rng.int(28) * 30 + rng.int(30);
    shift = { driver, sign, magnitude: SIZES[size] * (driver === 'acw' ? 2 : 1), shape: 'step', onsetMs: startMs + day * dayMs + minute * 60_000, rampMs: 0 };
  }
  const records = simulateQueue(PEAK, shift, rng, 'q', TRAIN + MONITOR, NOISE);
  const st = standardise(records);
  const onsetIdx = shift ? st.times.findIndex((t) => t + IV * 1000 > shift!.onsetMs) : Infinity;
  const monStart = startMs + TRAIN * dayMs;
  const exposureDays = shift ? (shift.onsetMs - monStart) / dayMs : MONITOR;
  let attributionOk: boolean | null = null;
  let top: Player | null = null;
  if (shift) {
    const onsetDay = Math.floor((shift.onsetMs - startMs) / dayMs);
    const dayOf = (r: IntervalRecord) => Math.floor((Date.parse(r.intervalStart) - startMs) / dayMs);
    const before = records.filter((r) => dayOf(r) >= onsetDay - 28 && dayOf(r) < onsetDay);
    const after = records.filter((r) => dayOf(r) > onsetDay);
    const att = attributeSlChange(before, after);
    top = PLAYERS.reduce((a, b) => (Math.abs(att.contributions[b]) > Math.abs(att.contributions[a]) ? b : a));
    attributionOk = top === shift.driver;
  }
  return { size, shift, records, st, onsetIdx, exposureDays, attributionOk, top };
}

interface Scored {
  fa: number;
  delay: number | null;
}

function score(c: Case, alarms: Alarm[]): Scored {
  const fa = alarms.filter((a) => a.idx < c.onsetIdx).length;
  if (!c.shift) return { fa, delay: null };
  const dir = c.shift.sign > 0 ? 'up' : 'down';
  const hit = alarms.filter((a) => a.driver === c.shift!.driver && a.dir === dir && a.idx >= c.onsetIdx).sort((a, b) => a.idx - b.idx)[0];
  return { fa, delay: hit ? hit.idx - c.onsetIdx : null };
}

/** Smallest parameter on the grid whose false-alarm rate on the calibration queues is ≤ FA_TARGET per 30 days. */
function calibrate(cal: Standardised[], days: number, alarms: (st: Standardised, x: number) => Alarm[], grid: number[]): number {
  for (const x of grid) {
    const n = cal.reduce((s, st) => s + alarms(st, x).length, 0);
    if ((n * 30) / days <= FA_TARGET) return x;
  }
  return grid[grid.length - 1];
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export default async function driftShiftBench(ctx: BenchContext): Promise<BenchRow[]> {
  const t0 = process.hrtime.bigint();
  const rng = createRng(20261203);
  const seedsPerCell = ctx.quick ? 1 : 4;
  const nNull = ctx.quick ? 4 : 12;
  const nCal = ctx.quick ? 4 : 10;

  // Calibration queues for the peers: null, their own seeds, never evaluated.
  const calRng = createRng(777);
  const cal: Standardised[] = [];
  for (let i = 0; i < nCal; i++) cal.push(standardise(simulateQueue(PEAK, null, calRng.fork(), 'q', TRAIN + MONITOR, NOISE)));
  const calDays = nCal * MONITOR;
  const L = calibrate(cal, calDays, (st, x) => ewmaAlarms(st, x), Array.from({ length: 60 }, (_, i) => 2 + i * 0.1));
  const H = calibrate(cal, calDays, (st, x) => cusumAlarms(st, x), Array.from({ length: 80 }, (_, i) => 2 + i * 0.25));

  const cases: Case[] = [];
  for (let i = 0; i < nNull; i++) cases.push(makeCase('null', null, 1, rng.fork()));
  for (const size of Object.keys(SIZES) as Size[])
    for (const p of PLAYERS)
      for (let r = 0; r < seedsPerCell; r++) cases.push(makeCase(size, p, r % 2 ? -1 : 1, rng.fork()));

  const detectors: [string, (c: Case) => Alarm[]][] = [
    ['radar', (c) => radarAlarms(c.records, c.st)],
    // The same detector at a stated 1 false alarm per 30 days, to compare with the peers at a similar rate.
    ['radar@1.0', (c) => radarAlarms(c.records, c.st, 1)],
    ['EWMA', (c) => ewmaAlarms(c.st, L)],
    ['CUSUM', (c) => cusumAlarms(c.st, H)],
  ];
  const rows: BenchRow[] = [];
  const g = 'driftshift';
  const exposure = cases.reduce((s, c) => s + c.exposureDays, 0);
  for (const [name, run] of detectors) {
    const scored = cases.map((c) => ({ c, s: score(c, run(c)) }));
    const fa = scored.reduce((s, x) => s + x.s.fa, 0);
    const faRate = (fa * 30) / exposure;
    const isRadar = name === 'radar';
    rows.push({
      group: g,
      name: `${name}: false alarms per 30 queue-days (${fa} in ${exposure.toFixed(0)} queue-days, ${cases.length} queues)`,
      value: faRate,
      unit: '/30 qd',
      target: isRadar ? `≤ ${FA_TARGET}` : undefined,
      verdict: isRadar ? (faRate <= FA_TARGET ? 'pass' : 'fail') : undefined,
      note: name === 'EWMA' ? `L = ${L.toFixed(1)} (λ = 0.1), set on ${nCal} null calibration queues` : name === 'CUSUM' ? `h = ${H.toFixed(2)} (k = 0.5), set on ${nCal} null calibration queues` : undefined,
    });
    for (const size of Object.keys(SIZES) as Size[]) {
      const rs = scored.filter((x) => x.c.size === size);
      const delays = rs.map((x) => (x.s.delay === null ? Infinity : x.s.delay));
      const med = median(delays);
      const rate = rs.filter((x) => x.s.delay !== null).length / rs.length;
      const target = isRadar && size === 'medium';
      rows.push({ group: g, name: `${name}: ${size} shifts (${(100 * SIZES[size]).toFixed(0)} %) detected (n=${rs.length})`, value: 100 * rate, unit: '%' });
      rows.push({
        group: g,
        name: `${name}: ${size} shifts median delay (n=${rs.length})`,
        value: med,
        unit: 'half-hours',
        target: target ? '≤ 24' : undefined,
        verdict: target ? (med <= 24 ? 'pass' : 'fail') : undefined,
      });
    }
    const medOf = (p: Player) => median(scored.filter((x) => x.c.size === 'medium' && x.c.shift!.driver === p).map((x) => (x.s.delay === null ? Infinity : x.s.delay)));
    rows.push({ group: g, name: `${name}: medium talk shifts (+/−15 %) median delay`, value: medOf('talk'), unit: 'half-hours', note: `medium, by driver: ${PLAYERS.map((p) => `${p} ${medOf(p)}`).join(', ')}` });
  }
  const att = cases.filter((c) => c.attributionOk !== null);
  const ok = att.filter((c) => c.attributionOk).length;
  const misses = att.filter((c) => !c.attributionOk).map((c) => `${c.size} ${c.shift!.driver}${c.shift!.sign > 0 ? '↑' : '↓'}→${c.top}`);
  rows.push({ group: g, name: `attribution names the shifted driver (n=${att.length})`, value: (100 * ok) / att.length, unit: '%', target: '100 %', verdict: ok === att.length ? 'pass' : 'fail', note: misses.length ? `misses: ${misses.join(', ')}` : undefined });
  rows.push({ group: g, name: `bench wall time (${cases.length + nCal} queues × ${TRAIN + MONITOR} days)`, value: Number(process.hrtime.bigint() - t0) / 1e9, unit: 's' });
  return rows;
}
