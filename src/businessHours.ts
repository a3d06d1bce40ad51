/**
 * Business hours: when the clock of a ticket's SLA runs. Written `08:00-18:00 mon-fri` (days optional: every
 * day), for every queue, with per-queue overrides after `;` — `09:00-17:00 mon-fri; billing=08:00-20:00 mon-sat`.
 * Times are local to each queue's time zone. `RADAR_BUSINESS_HOURS` sets them; `due … hours=08-18` overrides.
 */
import { localMidnightUtc, localParts, addDays } from './time.js';

export interface BusinessHours {
  /** Minutes after local midnight; from < to (no overnight windows). */
  from: number;
  to: number;
  /** Weekdays, 0 = Sunday. */
  days: number[];
}

export interface BusinessHoursConfig {
  default: BusinessHours | null;
  byQueue: Record<string, BusinessHours>;
}

export const BUSINESS_HOURS_EXAMPLE = '08:00-18:00 mon-fri';
const DAY_WORDS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function minuteOf(s: string): number | null {
  const m = /^(\d{1,2})(?::(\d{2}))?$/.exec(s);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2] ?? 0);
  if (h > 24 || min > 59 || (h === 24 && min > 0)) return null;
  return h * 60 + min;
}

function daysOf(s: string): number[] | null {
  const out = new Set<number>();
  for (const part of s.toLowerCase().split(',')) {
    const [a, b] = part.split('-').map((w) => DAY_WORDS.indexOf(w.slice(0, 3)));
    if (a < 0 || (b !== undefined && b < 0)) return null;
    if (b === undefined) out.add(a);
    else for (let d = a; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === b) break;
    }
  }
  return [...out].sort((x, y) => x - y);
}

/** `08:00-18:00 mon-fri` → hours, or null when it does not read. */
export function parseHours(text: string): BusinessHours | null {
  const [span, dayText, ...rest] = text.trim().split(/\s+/);
  if (!span || rest.length) return null;
  const [a, b] = span.split('-');
  const from = a === undefined ? null : minuteOf(a);
  const to = b === undefined ? null : minuteOf(b);
  if (from === null || to === null || from >= to) return null;
  const days = dayText ? daysOf(dayText) : [0, 1, 2, 3, 4, 5, 6];
  return days && days.length ? { from, to, days } : null;
}

/** The whole setting; throws with what was wrong and an example. */
export function parseBusinessHoursConfig(text: string | undefined): BusinessHoursConfig {
  const out: BusinessHoursConfig = { default: null, byQueue: {} };
  if (!text?.trim()) return out;
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const queue = eq > 0 ? part.slice(0, eq).trim() : null;
    const h = parseHours(eq > 0 ? part.slice(eq + 1) : part);
    if (!h) throw new Error(`"${part}" is not business hours; write e.g. ${BUSINESS_HOURS_EXAMPLE} or billing=${BUSINESS_HOURS_EXAMPLE}`);
    if (queue) out.byQueue[queue] = h;
    else out.default = h;
  }
  return out;
}

export function hoursFor(c: BusinessHoursConfig, queue: string): BusinessHours | null {
  return c.byQueue[queue] ?? c.default;
}

/**
 * Business minutes in [startMs, endMs) (negative when end < start: minus the business minutes between them),
 * in `tz`. Walks the local days the span touches: O(days). Each window is placed from its own local midnight,
 * so a DST day's window starts an hour off on the changeover day itself.
 */
export function businessMinutesBetween(startMs: number, endMs: number, h: BusinessHours, tz: string): number {
  if (endMs < startMs) return -businessMinutesBetween(endMs, startMs, h, tz);
  let total = 0;
  const last = localParts(endMs, tz).date;
  for (let d = localParts(startMs, tz).date, n = 0; d <= last && n < 400; d = addDays(d, 1), n++) {
    const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (!h.days.includes(dow)) continue;
    const midnight = localMidnightUtc(d, tz);
    const a = Math.max(startMs, midnight + h.from * 60_000);
    const b = Math.min(endMs, midnight + h.to * 60_000);
    if (b > a) total += (b - a) / 60_000;
  }
  return total;
}

export function describeHours(h: BusinessHours): string {
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const all = h.days.length === 7;
  const names = h.days.map((d) => DAY_WORDS[d]);
  const run = h.days.every((d, i) => i === 0 || d === h.days[i - 1] + 1);
  return `${hm(h.from)}–${hm(h.to)}${all ? '' : ` ${run && names.length > 2 ? `${names[0]}–${names[names.length - 1]}` : names.join(',')}`}`;
}
