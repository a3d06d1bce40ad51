/**
 * Grammar pieces shared by commands: queue words, date ranges, `queue=…`, `--from/--to`.
 * Each returns what it consumed so the command can complain about leftovers.
 */
import { z } from 'zod';
import type { Tokens } from '../src/grammar/tokens.js';
import { matchQueue } from '../src/grammar/tokens.js';
import { parseDateExpr, takeDateRange, type DateRange, isIsoDate } from '../src/grammar/dates.js';
import { UsageError, type ParseContext } from '../src/registry.js';
import { localToday } from '../src/time.js';

export const dateRangeSchema = z
  .object({ from: z.string().refine(isIsoDate, 'from must be a date YYYY-MM-DD'), to: z.string().refine(isIsoDate, 'to must be a date YYYY-MM-DD'), label: z.string() })
  .refine((r) => r.from <= r.to, 'the range must end on or after its start');

/** Takes `queue=X` / `--queue X` or a positional word naming a known queue (fuzzy). */
export function takeQueue(t: Tokens, pctx: ParseContext, example: string): { queue: string | null; rest: string[] } {
  const opt = t.options.queue ?? t.options.q;
  if (opt !== undefined) {
    const q = matchQueue(opt, pctx.queues);
    if (!q) throw new UsageError(`I don't know the queue "${opt}". Known queues: ${pctx.queues.join(', ') || '(none loaded yet — run `radar ingest`)'}.`, example);
    return { queue: q, rest: t.positional };
  }
  for (let i = 0; i < t.positional.length; i++) {
    const q = matchQueue(t.positional[i], pctx.queues);
    if (q) return { queue: q, rest: [...t.positional.slice(0, i), ...t.positional.slice(i + 1)] };
  }
  return { queue: null, rest: t.positional };
}

/** Takes a date or range from `--from/--to`, `--date`, or words ("yesterday", "2026-11-01..2026-11-07"). */
export function takeRange(t: Tokens, words: string[], tz: string, pctx: ParseContext, example: string): { range: DateRange | null; rest: string[] } {
  const today = localToday(pctx.now, tz);
  const from = t.options.from;
  const to = t.options.to;
  if (from !== undefined || to !== undefined) {
    const a = parseDateExpr(from ?? to!, today);
    const b = parseDateExpr(to ?? from!, today);
    if (!a || !b) throw new UsageError(`I couldn't read the dates "${from ?? ''}".."${to ?? ''}".`, example);
    return { range: { from: a.from, to: b.to, label: `${a.from}..${b.to}` }, rest: words };
  }
  const dateOpt = t.options.date ?? t.options.day;
  if (dateOpt !== undefined) {
    const r = parseDateExpr(dateOpt, today);
    if (!r) throw new UsageError(`I couldn't read the date "${dateOpt}".`, example);
    return { range: r, rest: words };
  }
  return takeDateRange(words, today);
}

/** Rejects leftover words with a helpful message. */
export function noLeftovers(rest: string[], example: string, what = 'argument'): void {
  if (rest.length) throw new UsageError(`I didn't understand ${rest.length === 1 ? `the ${what}` : `the ${what}s`} "${rest.join(' ')}".`, example);
}
