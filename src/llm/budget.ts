/**
 * Time and failure control for LLM calls. One `Budget` per question is shared by routing and explanation,
 * so a hung endpoint costs the question at most LLM_TIMEOUT_MS in total (not once per call). A
 * `CircuitBreaker` per answerer (one per process or Slack app) skips the LLM for a cool-down after
 * repeated failures, so the rules and the narrator answer at once instead of every question waiting out
 * its budget. Both take an injected clock.
 */

export type Clock = () => number;

export class Budget {
  private readonly deadline: number;
  constructor(
    readonly totalMs: number,
    private readonly clock: Clock = Date.now,
  ) {
    this.deadline = clock() + totalMs;
  }

  /** Milliseconds left (0 when spent). */
  remaining(): number {
    return Math.max(0, this.deadline - this.clock());
  }

  spent(): boolean {
    return this.remaining() <= 0;
  }
}

/** Why an LLM call failed, without any of its content: a timeout, an HTTP status, or output we could not read. */
export function failureReason(err: unknown, budgetMs: number): string {
  const e = err as { name?: string; status?: number; message?: string; code?: string } | null;
  if (e?.name === 'BudgetExceeded' || /timed out|timeout|abort/i.test(String(e?.message ?? e?.name ?? ''))) return `no answer within the ${budgetMs} ms budget`;
  if (typeof e?.status === 'number') return `HTTP ${e.status} from the endpoint`;
  if (e?.code === 'ECONNREFUSED' || /connection|ECONNREFUSED|fetch failed/i.test(String(e?.message ?? ''))) return 'endpoint unreachable';
  return 'output that is not a valid answer';
}

class BudgetExceeded extends Error {
  constructor(ms: number) {
    super(`LLM timed out after ${ms} ms`);
    this.name = 'BudgetExceeded';
  }
}

/** Runs `f` with what is left of the budget, aborting it (and rejecting) when that runs out. */
export async function withinBudget<T>(budget: Budget, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ms = budget.remaining();
  if (ms <= 0) throw new BudgetExceeded(budget.totalMs);
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      f(ctrl.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort();
          reject(new BudgetExceeded(budget.totalMs));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures?: number;
  /** How long it stays open before one trial call is let through. */
  coolDownMs?: number;
  clock?: Clock;
}

/**
 * closed → (N consecutive failures) → open for `coolDownMs` (every call refused at once) → half-open: one
 * trial call; success closes it, failure opens it again.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openUntil = 0;
  private trialOut = false;
  readonly failures: number;
  readonly coolDownMs: number;
  private readonly clock: Clock;

  constructor(o: BreakerOptions = {}) {
    this.failures = o.failures ?? 3;
    this.coolDownMs = o.coolDownMs ?? 60_000;
    this.clock = o.clock ?? Date.now;
  }

  state(): 'closed' | 'open' | 'half-open' {
    if (this.consecutive < this.failures) return 'closed';
    return this.clock() < this.openUntil ? 'open' : 'half-open';
  }

  /** May a call go to the LLM now? (In half-open, only one trial at a time.) */
  allow(): boolean {
    const s = this.state();
    if (s === 'closed') return true;
    if (s === 'open' || this.trialOut) return false;
    this.trialOut = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.trialOut = false;
  }

  failure(): void {
    this.trialOut = false;
    this.consecutive++;
    if (this.consecutive >= this.failures) this.openUntil = this.clock() + this.coolDownMs;
  }

  /** Seconds until the next trial (for the diagnostic line). */
  retryInSeconds(): number {
    return Math.max(0, Math.ceil((this.openUntil - this.clock()) / 1000));
  }
}
