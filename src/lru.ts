/**
 * A bounded map that forgets its least recently used entry past `max`: the per-process memory of fits and
 * forecasts (commands/queueModel.ts, commands/forecast.ts). Values are kept and handed out as copies
 * (structuredClone), so a caller that edits its answer cannot change the next caller's.
 */
export class Remembered<V> {
  private readonly entries = new Map<string, V>();
  /** Lookups answered from memory / not found, since the process started. */
  hits = 0;
  misses = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** A copy of the value under `key`, or undefined; marks it recently used. */
  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, v);
    return structuredClone(v);
  }

  /** Keeps a copy of `value` under `key`, forgetting the oldest entries past the bound. */
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, structuredClone(value));
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Entries kept, lookups answered from memory, lookups that found nothing. */
  stats(): { size: number; hits: number; misses: number } {
    return { size: this.entries.size, hits: this.hits, misses: this.misses };
  }

  clear(): void {
    this.entries.clear();
  }
}
