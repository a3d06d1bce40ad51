/** Number and text formatting shared by the text and Block Kit renderers. */

const BARS = '▁▂▃▄▅▆▇█';

/** A Unicode sparkline; null values show as a space. Scaled to [lo, hi] (default: the data's range). */
export function sparkline(values: (number | null)[], lo?: number, hi?: number): string {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!xs.length) return '';
  const min = lo ?? Math.min(...xs);
  const max = hi ?? Math.max(...xs);
  const span = max - min || 1;
  return values
    .map((v) => (v === null || !Number.isFinite(v) ? ' ' : BARS[Math.max(0, Math.min(7, Math.round(((v - min) / span) * 7)))]))
    .join('');
}

/** 0.8234 → "82.3 %"; null → "–". */
export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)} %`;
}

/** Signed percentage points: −13.3 pts. */
export function pts(deltaFraction: number, digits = 1): string {
  const v = deltaFraction * 100;
  const s = Math.abs(v).toFixed(digits);
  return `${v < 0 && s !== (0).toFixed(digits) ? '−' : v > 0 && s !== (0).toFixed(digits) ? '+' : '±'}${s} pts`;
}

/** 12345.6 → "12,346" (digits = 0) or "12,345.6"; null → "–". (toLocaleString costs ~2 µs a call: too slow for tables.) */
export function num(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const fixed = Math.abs(x).toFixed(digits);
  const dot = fixed.indexOf('.');
  const int = dot < 0 ? fixed : fixed.slice(0, dot);
  const frac = dot < 0 ? '' : fixed.slice(dot);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (x < 0 && Number(fixed) !== 0 ? '-' : '') + grouped + frac;
}

/** Seconds as "4m 05s" (≥ 60 s) or "45 s". */
export function dur(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Minutes since midnight → "09:30". */
export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** A plain monospace table: numbers right-aligned; the first column and any `leftAlign` columns (text) left-aligned. */
export function table(headerRow: string[], rows: string[][], leftAlign: readonly number[] = []): string {
  const widths = headerRow.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = new Set([0, ...leftAlign]);
  const line = (r: string[]) => r.map((c, i) => (left.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(headerRow), ...rows.map(line)].join('\n');
}
