/**
 * Time-zone arithmetic for queue-local days. Offsets come from Intl and are memoised per zone and UTC hour,
 * so converting a million timestamps costs a million map look-ups, not a million Intl calls.
 */
const HOUR = 3_600_000;
const DAY = 86_400_000;
const offsetCache = new Map<string, Map<number, number>>();
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function offsetAt(hourKey: number, tz: string): number {
  const parts = formatter(tz).formatToParts(new Date(hourKey * HOUR));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - hourKey * HOUR) / 60_000);
}

/**
 * Offset of `tz` from UTC at instant `ms`, in minutes (local = UTC + offset). Valid for whole-minute zones.
 * On a cache miss it asks Intl for the hour and the hour a day later: when they agree (no DST change in
 * between, the case on 363 days a year) the whole day is filled at once; otherwise only that hour.
 */
export function tzOffsetMinutes(ms: number, tz: string): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  let byHour = offsetCache.get(tz);
  if (!byHour) offsetCache.set(tz, (byHour = new Map()));
  const hourKey = Math.floor(ms / HOUR);
  const hit = byHour.get(hourKey);
  if (hit !== undefined) return hit;
  const off = offsetAt(hourKey, tz);
  const later = byHour.get(hourKey + 24) ?? offsetAt(hourKey + 24, tz);
  if (later === off) {
    // DST rules change offsets at most twice a year, months apart: equal ends mean constant in between.
    for (let h = 0; h <= 24; h++) if (!byHour.has(hourKey + h)) byHour.set(hourKey + h, off);
  } else byHour.set(hourKey, off);
  return off;
}

export interface LocalParts {
  date: string; // YYYY-MM-DD
  minute: number; // minutes since local midnight
  dow: number; // 0 = Sunday
}

/** Local calendar date, minute of day and weekday of instant `ms` in `tz`. */
const dayNames = new Map<number, string>();

export function localParts(ms: number, tz: string): LocalParts {
  const local = ms + tzOffsetMinutes(ms, tz) * 60_000;
  const dayKey = Math.floor(local / DAY);
  let date = dayNames.get(dayKey);
  if (date === undefined) {
    date = new Date(dayKey * DAY).toISOString().slice(0, 10);
    dayNames.set(dayKey, date);
  }
  const minute = Math.floor((local - dayKey * DAY) / 60_000);
  // 1970-01-01 was a Thursday (4).
  return { date, minute, dow: (((dayKey + 4) % 7) + 7) % 7 };
}

/** UTC instant (ms) of local midnight starting `date` (YYYY-MM-DD) in `tz`. */
export function localMidnightUtc(date: string, tz: string): number {
  const naive = Date.parse(`${date}T00:00:00Z`);
  // Two passes settle the offset across a DST change at midnight.
  let guess = naive - tzOffsetMinutes(naive, tz) * 60_000;
  guess = naive - tzOffsetMinutes(guess, tz) * 60_000;
  return guess;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** Whole days from a to b (b − a) for YYYY-MM-DD dates. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}

/** Weekday (0 = Sunday) of a YYYY-MM-DD date. */
export function dowOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Today's local date in tz at instant `now`. */
export function localToday(now: Date, tz: string): string {
  return localParts(now.getTime(), tz).date;
}

/** ISO UTC text with second precision: YYYY-MM-DDTHH:MM:SSZ. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export const WEEKDAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/**
 * The interval grid of a local day: every UTC-aligned interval of `intervalSeconds` whose start falls on local
 * date `date` in `tz` (46, 48 or 50 half hours across DST), with its local minute of day.
 */
export function localDayGrid(date: string, tz: string, intervalSeconds: number): { startMs: number; localMinute: number }[] {
  const step = intervalSeconds * 1000;
  const out: { startMs: number; localMinute: number }[] = [];
  let t = Math.floor(localMidnightUtc(date, tz) / step) * step - step;
  const stop = localMidnightUtc(addDays(date, 1), tz) + step;
  for (; t < stop; t += step) {
    const p = localParts(t, tz);
    if (p.date === date) out.push({ startMs: t, localMinute: p.minute });
  }
  return out;
}
