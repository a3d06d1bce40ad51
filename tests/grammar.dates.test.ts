import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseDateExpr, takeDateRange } from '../src/grammar/dates.js';
import { localParts, localMidnightUtc, tzOffsetMinutes } from '../src/time.js';

// 2026-11-21 is a Saturday.
const TODAY = '2026-11-21';

describe('date words', () => {
  it.each([
    ['today', '2026-11-21', '2026-11-21'],
    ['yesterday', '2026-11-20', '2026-11-20'],
    ['2026-11-03', '2026-11-03', '2026-11-03'],
    ['2026-11-01..2026-11-07', '2026-11-01', '2026-11-07'],
    ['2026-11-07..2026-11-01', '2026-11-01', '2026-11-07'],
    ['last 7 days', '2026-11-14', '2026-11-20'],
    ['this week', '2026-11-16', '2026-11-21'], // Monday-based
    ['last week', '2026-11-09', '2026-11-15'],
    ['last month', '2026-10-01', '2026-10-31'],
    ['monday', '2026-11-16', '2026-11-16'],
    ['last saturday', '2026-11-14', '2026-11-14'],
    ['saturday', '2026-11-21', '2026-11-21'],
  ])('%s → %s..%s', (expr, from, to) => {
    expect(parseDateExpr(expr, TODAY)).toMatchObject({ from, to });
  });

  it('rejects non-dates and impossible dates', () => {
    for (const s of ['billing', '2026-02-30', '+2', '9-12', 'agents', '']) expect(parseDateExpr(s, TODAY)).toBeNull();
  });

  it('finds a date inside other words and leaves the rest', () => {
    expect(takeDateRange(['billing', 'last', '7', 'days', 'public'], TODAY)).toEqual({
      range: { from: '2026-11-14', to: '2026-11-20', label: 'last 7 days' },
      rest: ['billing', 'public'],
    });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const r = parseDateExpr(s, TODAY);
      expect(r === null || (r.from <= r.to && /^\d{4}-\d{2}-\d{2}$/.test(r.from))).toBe(true);
    }));
  });
});

describe('time zones', () => {
  it('local parts in New York across the November DST change', () => {
    // 2026-11-01 06:30Z = 01:30 EST (after fall-back at 06:00Z); 05:30Z = 01:30 EDT.
    expect(localParts(Date.UTC(2026, 10, 1, 5, 30), 'America/New_York')).toEqual({ date: '2026-11-01', minute: 90, dow: 0 });
    expect(localParts(Date.UTC(2026, 10, 1, 6, 30), 'America/New_York')).toEqual({ date: '2026-11-01', minute: 90, dow: 0 });
    expect(tzOffsetMinutes(Date.UTC(2026, 6, 1), 'America/New_York')).toBe(-240);
    expect(tzOffsetMinutes(Date.UTC(2026, 11, 1), 'America/New_York')).toBe(-300);
  });

  it('agrees with Intl for random instants and zones (independent method)', () => {
    const zones = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), fc.constantFrom(...zones), (ms, tz) => {
      const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
      const lp = localParts(ms, tz);
      expect(lp.date).toBe(`${parts.year}-${parts.month}-${parts.day}`);
      expect(lp.minute).toBe(Number(parts.hour) * 60 + Number(parts.minute));
    }), { numRuns: 500 });
  });

  it('local midnight maps back to minute 0 of that date', () => {
    for (const tz of ['America/New_York', 'Europe/London', 'Asia/Kolkata']) {
      for (const d of ['2026-03-08', '2026-03-29', '2026-11-01', '2026-06-15']) {
        expect(localParts(localMidnightUtc(d, tz), tz)).toMatchObject({ date: d, minute: 0 });
      }
    }
  });
});
