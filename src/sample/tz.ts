/**
 * Local-time helpers for the sample's queues (IANA zones via Intl). Offsets are cached per UTC hour, which is
 * exact for every zone whose transitions fall on whole hours (all the sample uses).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

/** Minutes to add to UTC to get local wall time at epoch ms. */
export function offsetMinutes(tz: string, ms: number): number {
  const hour = Math.floor(ms / 3_600_000);
  let byHour = offsetCache.get(tz);
  if (!byHour) offsetCache.set(tz, (byHour = new Map()));
  const hit = byHour.get(hour);
  if (hit !== undefined) return hit;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  const at = hour * 3_600_000;
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(at))) p[part.type] = part.value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute);
  const off = Math.round((wall - at) / 60_000);
  byHour.set(hour, off);
  return off;
}

export interface LocalParts {
  date: string;
  /** Minutes since local midnight. */
  minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  dow: number;
}

export function localParts(tz: string, ms: number): LocalParts {
  const wall = new Date(ms + offsetMinutes(tz, ms) * 60_000);
  return { date: wall.toISOString().slice(0, 10), minute: wall.getUTCHours() * 60 + wall.getUTCMinutes(), dow: wall.getUTCDay() };
}

/** UTC epoch ms of a local wall time (the earlier instant when ambiguous, shifted forward when skipped). */
export function localToUtc(tz: string, date: string, minute: number): number {
  const wall = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + minute * 60_000;
  let guess = wall - offsetMinutes(tz, wall) * 60_000;
  guess = wall - offsetMinutes(tz, guess) * 60_000;
  return guess;
}

export interface LocalSlot {
  utcMs: number;
  minute: number;
  dow: number;
}

const slotCache = new Map<string, LocalSlot[]>();

/** The UTC-aligned slots of `slotSeconds` whose local date is `date` (46, 48 or 50 half hours across DST). */
export function localDaySlots(tz: string, date: string, slotSeconds: number): LocalSlot[] {
  const key = `${tz}|${date}|${slotSeconds}`;
  const hit = slotCache.get(key);
  if (hit) return hit;
  const step = slotSeconds * 1000;
  let t = Math.floor(localToUtc(tz, date, 0) / step) * step;
  while (localParts(tz, t).date >= date) t -= step;
  const out: LocalSlot[] = [];
  for (;; t += step) {
    const p = localParts(tz, t);
    if (p.date < date) continue;
    if (p.date > date) break;
    out.push({ utcMs: t, minute: p.minute, dow: p.dow });
  }
  if (slotCache.size > 20_000) slotCache.clear();
  slotCache.set(key, out);
  return out;
}
