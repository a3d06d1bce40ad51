/**
 * Exact Shapley values for n players from a value function on coalitions (bitmask: bit i = player i in).
 *
 *   φᵢ = Σ_{S ⊆ N∖{i}} |S|!·(n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))
 *
 * Efficiency Σφᵢ = v(N) − v(∅), symmetry, dummy (a player that never changes v gets exactly 0, since every
 * marginal difference is v(S) − v(S) = 0 in floating point too) and order-independence hold by
 * construction: no player order enters the formula. Evaluates v once per coalition: 2ⁿ calls, O(n·2ⁿ)
 * arithmetic. n ≤ 20.
 */
export function shapleyValues(n: number, v: (mask: number) => number): number[] {
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new RangeError(`shapleyValues: n must be an integer in 1…20, got ${n}`);
  const size = 1 << n;
  const values = new Float64Array(size);
  for (let m = 0; m < size; m++) values[m] = v(m);
  const fact = [1];
  for (let k = 1; k <= n; k++) fact.push(fact[k - 1] * k);
  const weight = (s: number) => (fact[s] * fact[n - s - 1]) / fact[n];
  const phi = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const bit = 1 << i;
    let acc = 0;
    for (let m = 0; m < size; m++) {
      if (m & bit) continue;
      acc += weight(popcount(m)) * (values[m | bit] - values[m]);
    }
    phi[i] = acc;
  }
  return phi;
}

function popcount(m: number): number {
  let c = 0;
  while (m) {
    m &= m - 1;
    c++;
  }
  return c;
}
