import { createRng, type Rng } from '../engines/shared/rng.js';

/**
 * An independent stream for a named part of the sample: FNV-1a over the seed and the parts, so the intervals of
 * queue `billing` on 2026-11-02 draw the same numbers whatever the ticket count, the number of days or queues.
 */
export function streamFor(seed: number, ...parts: (string | number)[]): Rng {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  const key = parts.join('\u0001');
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return createRng(h >>> 0);
}

export const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayPrefix = new Map<number, string>();

/** ISO UTC `YYYY-MM-DDTHH:MM:SSZ` of epoch milliseconds (seconds truncated); the date part is cached per day. */
export function isoUtc(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const day = Math.floor(sec / 86_400);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    if (dayPrefix.size > 100_000) dayPrefix.clear();
    dayPrefix.set(day, prefix);
  }
  const s = sec - day * 86_400;
  return `${prefix}${PAD2[Math.floor(s / 3600)]}:${PAD2[Math.floor(s / 60) % 60]}:${PAD2[s % 60]}Z`;
}

/** 'YYYY-MM-DD' shifted by n calendar days. */
export function addDays(date: string, n: number): string {
  const ms = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + n * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}
