/**
 * Two-sided CUSUM on log-likelihood-ratio increments, and the threshold search.
 *
 * S⁺ₜ = max(0, S⁺ₜ₋₁ + ℓ↑ₜ), S⁻ₜ = max(0, S⁻ₜ₋₁ + ℓ↓ₜ) (Page 1954). The monitor opens an event when S > h,
 * holds S ≤ h while it is open (so the statistic can come back), and closes it when S returns to 0.
 * `countEvents` replays exactly that rule, so the threshold is calibrated on the quantity the user sees:
 * events. The threshold is the smallest h whose event rate on a long null history (calibrate.ts builds one
 * from the training window) is at most the target false-alarm rate.
 */

/** Increments of consecutive informative intervals (both directions), spanning `days` days. */
export interface IncrementHistory {
  up: Float64Array;
  down: Float64Array;
  days: number;
}

/** Events opened (both directions) by the monitor's rule at threshold h over the history. O(n). */
export function countEvents(hist: IncrementHistory, h: number): number {
  const { up, down } = hist;
  let events = 0;
  for (const inc of [up, down]) {
    let s = 0;
    let open = false;
    for (let i = 0; i < inc.length; i++) {
      s += inc[i];
      if (s <= 0) {
        s = 0;
        open = false;
      } else if (s > h) {
        if (!open) {
          events++;
          open = true;
        }
        s = h;
      }
    }
  }
  return events;
}

export interface Calibration {
  threshold: number;
  /** Events per 30 days on the null history at `threshold`. */
  measuredPer30Days: number;
}

/**
 * Smallest h in [hMin, hMax] whose event rate on the null history is at most targetPer30Days. The k-th
 * largest excursion maximum of the uncapped statistic (k = events allowed) brackets it, then bisection on
 * log h within [h₀/2, 2h₀] (8 steps, relative precision ≈ 0.5 %) under the exact capped rule.
 * O(history · 9) plus a sort of the excursion maxima. Empty history → null.
 */
export function thresholdFor(hist: IncrementHistory, targetPer30Days: number, opts: { hMin?: number; hMax?: number } = {}): Calibration | null {
  if (hist.days <= 0 || hist.up.length === 0) return null;
  const hMin = opts.hMin ?? 3;
  const hMax = opts.hMax ?? 400;
  const rate = (h: number) => (countEvents(hist, h) * 30) / hist.days;
  const maxima: number[] = [];
  for (const inc of [hist.up, hist.down]) {
    let s = 0;
    let peak = 0;
    for (let i = 0; i < inc.length; i++) {
      s += inc[i];
      if (s <= 0) {
        if (peak > 0) maxima.push(peak);
        s = 0;
        peak = 0;
      } else if (s > peak) peak = s;
    }
    if (peak > 0) maxima.push(peak);
  }
  maxima.sort((a, b) => b - a);
  const allowed = Math.floor((targetPer30Days * hist.days) / 30);
  const h0 = Math.min(hMax, Math.max(hMin, maxima[Math.min(allowed, maxima.length - 1)] ?? hMin));
  let lo = Math.log(Math.max(hMin, h0 / 2));
  let hi = Math.log(Math.min(hMax, h0 * 2));
  if (rate(Math.exp(lo)) <= targetPer30Days) return { threshold: Math.exp(lo), measuredPer30Days: rate(Math.exp(lo)) };
  if (rate(Math.exp(hi)) > targetPer30Days) {
    lo = hi;
    hi = Math.log(hMax);
    if (rate(Math.exp(hi)) > targetPer30Days) return { threshold: Math.exp(hi), measuredPer30Days: rate(Math.exp(hi)) };
  }
  for (let it = 0; it < 8; it++) {
    const mid = (lo + hi) / 2;
    if (rate(Math.exp(mid)) <= targetPer30Days) hi = mid;
    else lo = mid;
  }
  const h = Math.exp(hi);
  return { threshold: h, measuredPer30Days: rate(h) };
}
