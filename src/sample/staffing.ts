/**
 * Required agents by Erlang C (the planner's rule for the sample's staffing plan; kept local so the sample does
 * not depend on the queueing engine). Traffic A = λ·AHT/T Erlangs; Erlang B by the recursion
 * B(n) = A·B(n−1) / (n + A·B(n−1)), C(n) = n·B / (n − A·(1 − B)), SL(n) = 1 − C·exp(−(n − A)·t/AHT).
 * Returns the smallest n > A with SL(n) ≥ target and occupancy A/n ≤ maxOccupancy; 0 when λ = 0.
 * O(n) time, no factorials (safe for any n).
 */
export function requiredAgents(
  lambda: number, ahtSeconds: number, intervalSeconds: number, slPct: number, slSeconds: number, maxOccupancy = 0.9,
): number {
  if (lambda <= 0 || ahtSeconds <= 0) return 0;
  const a = (lambda * ahtSeconds) / intervalSeconds;
  const goal = slPct / 100;
  let b = 1;
  for (let n = 1; n < a + 10_000; n++) {
    b = (a * b) / (n + a * b);
    if (n <= a) continue;
    const c = (n * b) / (n - a * (1 - b));
    const sl = 1 - c * Math.exp((-(n - a) * slSeconds) / ahtSeconds);
    if (sl >= goal && a / n <= maxOccupancy) return n;
  }
  return Math.ceil(a / maxOccupancy);
}
