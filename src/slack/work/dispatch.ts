/**
 * Between the receiver (which has already acked) and the executor (worker threads, or in-process in tests):
 *
 *  - **bounded**: at most `maxQueued` questions wait; beyond that (or beyond `maxPerUser` for one person) the
 *    answer is an immediate "busy, ask again in a minute" — said, never silently dropped;
 *  - **fair**: waiting questions are served round-robin across people, so one person's burst cannot starve
 *    everyone else (a person's own questions keep their order);
 *  - **honest about delay**: a question that will wait (estimated, or seen waiting) longer than `busyAfterMs`
 *    triggers `onBusy` once, so the asker hears "busy, your answer is coming" instead of silence;
 *  - **shared**: identical read-only questions within one data version and one clock minute share one
 *    computation (in flight or finished) — the answer would be the same.
 */
import type { Execution } from '../../execute.js';

export interface WorkRequest {
  /** The command line (slash commands, buttons, mentions with a command line). */
  line: string;
  /**
   * Already-validated args for a command (a question in plain words, routed by src/llm): run as they are, not
   * parsed again. `line` then only names the question in logs.
   */
  parsed?: { command: string; args: unknown };
  userId?: string;
  channelId?: string;
  now: Date;
  /** The request's id (logs, apologies). */
  requestId?: string;
}

export type Executor = (r: WorkRequest) => Promise<Execution>;

export interface BusyInfo {
  /** Questions ahead of this one. */
  ahead: number;
  /** Estimated wait before it starts, ms. */
  waitMs: number;
}

export type Outcome = { kind: 'answer'; execution: Execution; cached: boolean } | { kind: 'busy'; reason: 'queue_full' | 'user_limit' };

export interface DispatcherOptions {
  executor: Executor;
  /** Questions running at once (the number of workers). */
  concurrency: number;
  maxQueued: number;
  maxPerUser: number;
  busyAfterMs: number;
  /** The warehouse's data version (changes when anything is loaded or trained). */
  dataVersion: () => string;
  /** Whether a line (or a routed command with its args) is a pure read whose answer may be shared. */
  cacheable: (line: string, parsed?: WorkRequest['parsed']) => boolean;
  /** Timers (tests inject). */
  setTimer?: (fn: () => void, ms: number) => { clear(): void };
  cacheSize?: number;
  /** Called when the last running question finishes and none waits (the server gives memory back then). */
  onIdle?: () => void;
}

interface Pending {
  req: WorkRequest;
  user: string;
  run: () => void;
  busy?: (b: BusyInfo) => void;
  notified: boolean;
  timer?: { clear(): void };
}

export interface DispatcherStats {
  running: number;
  queued: number;
  served: number;
  cacheHits: number;
  busyNotes: number;
  refused: number;
}

const defaultTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return { clear: () => clearTimeout(t) };
};

export class Dispatcher {
  private running = 0;
  /** Per-user FIFO queues, and the round-robin order of users that have something waiting. */
  private readonly byUser = new Map<string, Pending[]>();
  private readonly order: string[] = [];
  private queued = 0;
  private readonly cache = new Map<string, Promise<Execution>>();
  /** Moving average of one question's run time (ms): the wait estimate. */
  private serviceMs = 300;
  private readonly timer: NonNullable<DispatcherOptions['setTimer']>;
  readonly stats: DispatcherStats = { running: 0, queued: 0, served: 0, cacheHits: 0, busyNotes: 0, refused: 0 };

  constructor(private readonly o: DispatcherOptions) {
    this.timer = o.setTimer ?? defaultTimer;
  }

  /** The key under which identical questions share an answer, or null when the line must run each time. */
  cacheKey(r: WorkRequest): string | null {
    if (!this.o.cacheable(r.line, r.parsed)) return null;
    const minute = Math.floor(r.now.getTime() / 60_000);
    const what = r.parsed ? `${r.parsed.command} ${JSON.stringify(r.parsed.args)}` : r.line.trim().replace(/\s+/g, ' ').toLowerCase();
    return `${this.o.dataVersion()}|${minute}|${what}`;
  }

  /**
   * Runs (or queues) a question. Resolves with the answer, or with `busy` at once when the queue is full.
   * `onBusy` is called at most once, when this question is expected to (or does) wait past `busyAfterMs`.
   */
  submit(r: WorkRequest, onBusy?: (b: BusyInfo) => void): Promise<Outcome> {
    const key = this.cacheKey(r);
    if (key) {
      const hit = this.cache.get(key);
      if (hit) {
        this.stats.cacheHits++;
        return hit.then((execution) => ({ kind: 'answer', execution, cached: true }));
      }
    }
    const user = r.userId ?? r.channelId ?? 'anonymous';
    const mine = this.byUser.get(user);
    if (this.running >= this.o.concurrency) {
      if (this.queued >= this.o.maxQueued) return this.refuse('queue_full');
      if ((mine?.length ?? 0) >= this.o.maxPerUser) return this.refuse('user_limit');
    }
    const p = new Promise<Execution>((resolve, reject) => {
      const pending: Pending = {
        req: r,
        user,
        busy: onBusy,
        notified: false,
        run: () => {
          pending.timer?.clear();
          this.running++;
          const t0 = performance.now();
          this.o
            .executor(r)
            .then(resolve, reject)
            .finally(() => {
              this.serviceMs = 0.8 * this.serviceMs + 0.2 * (performance.now() - t0);
              this.running--;
              this.stats.served++;
              this.pump();
              if (this.running === 0 && this.queued === 0) this.o.onIdle?.();
            });
        },
      };
      if (this.running < this.o.concurrency && this.queued === 0) return pending.run();
      this.enqueue(pending);
    });
    if (key) {
      this.cache.set(key, p);
      this.trimCache(key);
      // A failure is not an answer worth sharing: the next asker tries again.
      p.then(
        (e) => {
          if (!e.ok && e.kind === 'internal') this.cache.delete(key);
        },
        () => this.cache.delete(key),
      );
    }
    return p.then((execution) => ({ kind: 'answer', execution, cached: false }));
  }

  private refuse(reason: 'queue_full' | 'user_limit'): Promise<Outcome> {
    this.stats.refused++;
    return Promise.resolve({ kind: 'busy', reason });
  }

  private enqueue(p: Pending): void {
    let list = this.byUser.get(p.user);
    if (!list) {
      list = [];
      this.byUser.set(p.user, list);
      this.order.push(p.user);
    }
    list.push(p);
    this.queued++;
    this.stats.queued = this.queued;
    if (!p.busy) return;
    const ahead = this.queued - 1 + this.running;
    const waitMs = Math.round((Math.floor(ahead / this.o.concurrency) * this.serviceMs));
    if (waitMs > this.o.busyAfterMs) this.notify(p, ahead, waitMs);
    else p.timer = this.timer(() => this.notify(p, this.queued, Math.round(this.serviceMs)), this.o.busyAfterMs);
  }

  private notify(p: Pending, ahead: number, waitMs: number): void {
    if (p.notified || !p.busy) return;
    p.notified = true;
    this.stats.busyNotes++;
    try {
      p.busy({ ahead, waitMs });
    } catch {
      /* the note is a courtesy; the answer still comes */
    }
  }

  /** Starts waiting questions while there is room, one user at a time in turn. */
  private pump(): void {
    while (this.running < this.o.concurrency && this.order.length) {
      const user = this.order.shift()!;
      const list = this.byUser.get(user)!;
      const p = list.shift()!;
      if (list.length) this.order.push(user);
      else this.byUser.delete(user);
      this.queued--;
      this.stats.queued = this.queued;
      p.run();
    }
    this.stats.running = this.running;
  }

  /** Nothing running or waiting. */
  get idle(): boolean {
    return this.running === 0 && this.queued === 0;
  }

  /** Forgets shared answers from minutes before `now`'s (they can no longer be shared): at idle, so they do not wait for the next question to go. */
  forgetStale(now: Date): void {
    const minute = String(Math.floor(now.getTime() / 60_000));
    for (const k of this.cache.keys()) if (k.split('|')[1] !== minute) this.cache.delete(k);
  }

  private trimCache(newest: string): void {
    const max = this.o.cacheSize ?? 500;
    const minute = newest.split('|')[1];
    for (const k of this.cache.keys()) {
      if (this.cache.size <= max && k.split('|')[1] === minute) break;
      if (k !== newest) this.cache.delete(k);
    }
  }
}
