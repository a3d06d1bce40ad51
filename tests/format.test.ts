import { it, expect } from 'vitest';
import fc from 'fast-check';
import { num, pct, pts, dur, sparkline, hhmm, table } from '../src/format.js';

it('num groups thousands like en-US toLocaleString (independent reference)', () => {
  fc.assert(fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 3 }), (x, d) => {
    const ref = x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: true });
    // toLocaleString rounds half away from zero, toFixed uses the binary value: compare numerically within a unit of the last digit.
    const parse = (s: string) => Number(s.replace(/,/g, ''));
    expect(Math.abs(parse(num(x, d)) - parse(ref))).toBeLessThanOrEqual(10 ** -d + 1e-9 * Math.abs(x));
    expect(num(x, d).replace(/[-\d.]/g, '').length).toBe(ref.replace(/[-\d.]/g, '').length);
  }));
  expect(num(1234567)).toBe('1,234,567');
  expect(num(-0.04, 1)).toBe('0.0');
  expect(num(null)).toBe('–');
});

it('formats percentages, points, durations, times and sparklines', () => {
  expect(pct(0.8234)).toBe('82.3 %');
  expect(pts(-0.133)).toBe('−13.3 pts');
  expect(pts(0.05)).toBe('+5.0 pts');
  expect(pts(0.00001)).toBe('±0.0 pts');
  expect(dur(45)).toBe('45 s');
  expect(dur(245)).toBe('4m 05s');
  expect(dur(3725)).toBe('1h 02m');
  expect(hhmm(570)).toBe('09:30');
  expect(sparkline([0, 0.5, 1, null], 0, 1)).toBe('▁▅█ ');
});

it('tables right-align numbers and left-align text columns', () => {
  expect(table(['q', 'n', 'subject'], [['a', '5', 'hi'], ['bb', '10', 'hello']], [2])).toBe('q    n  subject\na    5  hi\nbb  10  hello');
});
