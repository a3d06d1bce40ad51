/**
 * Date ranges from words a support lead types: ISO dates, `from..to`, "today", "yesterday", "this week",
 * "last week", "last 7 days", weekday names ("monday" = the most recent one), month names via chrono-node.
 * All in the queue's time zone. A range is inclusive local dates.
 */
import { createRequire } from 'node:module';

// chrono-node's English parser, loaded on the first date only words like "nov 3" need (the package's root
// loads every locale: ~150 ms of start-up that `radar help` and most lines never use).
type ChronoEn = typeof import('chrono-node/en');
let chronoEn: ChronoEn | null = null;
const chrono = (): ChronoEn => (chronoEn ??= createRequire(import.meta.url)('chrono-node/en') as ChronoEn);
import { addDays, dowOf, localToday, WEEKDAYS } from '../time.js';

export interface DateRange {
  from: string;
  to: string;
  /** How the user wrote it, for headlines ("yesterday"). */
  label: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function single(date: string, label: string): DateRange {
  return { from: date, to: date, label };
}

/**
 * Parses one date expression (no surrounding words). Returns null when it is not a date.
 * `today` is the reference local date.
 */
export function parseDateExpr(expr: string, today: string): DateRange | null {
  const s = expr.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!s) return null;
  const range = s.match(/^(.+?)\s*(?:\.\.|→| to | until | through | - )\s*(.+)$/);
  if (range && !/^last|^past/.test(s)) {
    const a = parseDateExpr(range[1], today);
    const b = parseDateExpr(range[2], today);
    if (a && b) {
      return a.from <= b.to ? { from: a.from, to: b.to, label: `${a.from}..${b.to}` } : { from: b.from, to: a.to, label: `${b.from}..${a.to}` };
    }
  }
  if (isIsoDate(s)) return single(s, s);
  if (s === 'today' || s === 'now' || s === 'so far today') return single(today, 'today');
  if (s === 'yesterday' || s === 'yday') return single(addDays(today, -1), 'yesterday');
  if (s === 'tomorrow') return single(addDays(today, 1), 'tomorrow');
  const lastN = s.match(/^(?:last|past) (\d{1,3}) days?$/);
  if (lastN) {
    const n = Number(lastN[1]);
    if (n >= 1) return { from: addDays(today, -n), to: addDays(today, -1), label: `last ${n} days` };
  }
  const weekStart = (d: string) => addDays(d, -((dowOf(d) + 6) % 7)); // Monday-based weeks
  // Forward ranges (forecasts): "next 7 days" = tomorrow and the six after; "next week" = next Monday–Sunday.
  const nextN = s.match(/^(?:next|coming) (\d{1,3}) days?$/);
  if (nextN && Number(nextN[1]) >= 1) return { from: addDays(today, 1), to: addDays(today, Number(nextN[1])), label: `next ${Number(nextN[1])} days` };
  if (s === 'next week' || s === 'coming week') {
    const ws = addDays(weekStart(today), 7);
    return { from: ws, to: addDays(ws, 6), label: 'next week' };
  }
  if (s === 'this week') return { from: weekStart(today), to: today, label: 'this week' };
  if (s === 'last week' || s === 'previous week') {
    const ws = addDays(weekStart(today), -7);
    return { from: ws, to: addDays(ws, 6), label: 'last week' };
  }
  if (s === 'this month') return { from: today.slice(0, 8) + '01', to: today, label: 'this month' };
  if (s === 'last month') {
    const firstThis = today.slice(0, 8) + '01';
    const lastPrev = addDays(firstThis, -1);
    return { from: lastPrev.slice(0, 8) + '01', to: lastPrev, label: 'last month' };
  }
  const wd = s.replace(/^(last|on) /, '');
  const idx = WEEKDAYS.findIndex((w) => w === wd || w.slice(0, 3) === wd);
  if (idx >= 0) {
    let back = (dowOf(today) - idx + 7) % 7;
    if (back === 0 && s.startsWith('last')) back = 7;
    return single(addDays(today, -back), WEEKDAYS[idx]);
  }
  // chrono for the rest ("nov 3", "3 days ago", "2 weeks ago"): needs a letter and a digit or a month word.
  if (!/[a-z]/.test(s) || s.length < 3) return null;
  const ref = new Date(`${today}T12:00:00Z`);
  const results = chrono().parse(s, { instant: ref, timezone: 0 }, { forwardDate: false });
  if (results.length === 1 && results[0].text.length >= s.length - 1) {
    const r = results[0];
    const from = r.start.date().toISOString().slice(0, 10);
    const to = r.end ? r.end.date().toISOString().slice(0, 10) : from;
    return from <= to ? { from, to, label: s } : null;
  }
  return null;
}

/**
 * Finds a date expression inside a list of tokens, longest match first (up to 4 tokens, so
 * "last 7 days" and "nov 3 .. nov 9" work). Returns the range and the remaining tokens.
 */
export function takeDateRange(tokens: string[], today: string): { range: DateRange | null; rest: string[] } {
  for (let len = Math.min(5, tokens.length); len >= 1; len--) {
    for (let i = 0; i + len <= tokens.length; i++) {
      const expr = tokens.slice(i, i + len).join(' ');
      const r = parseDateExpr(expr, today);
      if (r) return { range: r, rest: [...tokens.slice(0, i), ...tokens.slice(i + len)] };
    }
  }
  return { range: null, rest: tokens };
}

export { localToday };
