/**
 * Scoring a router against a labelled question set (tests/fixtures/questions.json): intent accuracy and
 * argument accuracy (a question counts only when the command and every labelled slot match). Shared by the
 * router test and bench/router.bench.ts so both report the same figure.
 */
import { z } from 'zod';
import type { ParseContext } from '../registry.js';
import type { PreviousContext, RuleRoute, Slots } from './rules.js';

const rangeSchema = z.object({ from: z.string(), to: z.string() });
export const questionSetSchema = z.object({
  now: z.string(),
  defaultTz: z.string(),
  queues: z.array(z.object({ queue: z.string(), timeZone: z.string() })),
  questions: z.array(
    z.object({
      q: z.string(),
      command: z.string(),
      thread: z.string().optional(),
      args: z.object({
        queue: z.string().nullable().optional(),
        range: rangeSchema.nullable().optional(),
        levers: z.record(z.string(), z.number()).optional(),
        hours: z.object({ fromMinute: z.number(), toMinute: z.number() }).optional(),
        ticketId: z.string().optional(),
        similar: z.boolean().optional(),
        query: z.string().optional(),
        priority: z.array(z.string()).optional(),
        status: z.array(z.string()).optional(),
        metric: z.string().nullable().optional(),
        target: z.object({ pct: z.number(), seconds: z.number() }).optional(),
        shrinkagePct: z.number().optional(),
        drivers: z.boolean().optional(),
        dataset: z.string().optional(),
        format: z.enum(['csv', 'json']).nullable().optional(),
      }),
    }),
  ),
});
export type QuestionSet = z.infer<typeof questionSetSchema>;

export function parseContextFor(set: QuestionSet): ParseContext {
  const tz = new Map(set.queues.map((q) => [q.queue, q.timeZone]));
  return { queues: set.queues.map((q) => q.queue), now: new Date(set.now), tz: set.defaultTz, queueTz: (q) => tz.get(q) ?? set.defaultTz };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Differences between the labelled slots and the routed ones (empty = correct). queue and range always count. */
export function slotDiffs(expected: QuestionSet['questions'][number]['args'], got: Slots, command: string): string[] {
  const diffs: string[] = [];
  const gq = got.queue ?? null;
  if ((expected.queue ?? null) !== gq) diffs.push(`queue: expected ${expected.queue ?? null}, got ${gq}`);
  const er = expected.range ?? null;
  const gr = got.range ? { from: got.range.from, to: got.range.to } : null;
  if (!sameJson(er, gr)) diffs.push(`range: expected ${JSON.stringify(er)}, got ${JSON.stringify(gr)}`);
  if (command === 'whatif') {
    const el = expected.levers ?? {};
    const gl = Object.fromEntries(Object.entries(got.levers ?? {}).filter(([, v]) => v !== 0 && v !== undefined));
    const keys = [...new Set([...Object.keys(el), ...Object.keys(gl)])].sort();
    if (!keys.every((k) => el[k] === (gl as Record<string, number>)[k])) diffs.push(`levers: expected ${JSON.stringify(el)}, got ${JSON.stringify(gl)}`);
    if (!sameJson(expected.hours ?? null, got.hours ?? null)) diffs.push(`hours: expected ${JSON.stringify(expected.hours ?? null)}, got ${JSON.stringify(got.hours ?? null)}`);
  }
  const optional: (keyof typeof expected & keyof Slots)[] = ['ticketId', 'similar', 'query', 'priority', 'status', 'metric', 'target', 'shrinkagePct', 'drivers', 'dataset', 'format'];
  for (const k of optional) {
    if (expected[k] === undefined) continue;
    const g = got[k] ?? null;
    const e = expected[k] ?? null;
    const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase().replace(/\s+/g, ' ').trim() : v);
    if (!sameJson(norm(e), norm(g))) diffs.push(`${k}: expected ${JSON.stringify(e)}, got ${JSON.stringify(g)}`);
  }
  return diffs;
}

export interface EvalRow {
  q: string;
  expected: string;
  got: string;
  line: string;
  intentOk: boolean;
  argsOk: boolean;
  diffs: string[];
}

export interface EvalReport {
  n: number;
  intentAccuracy: number;
  argumentAccuracy: number;
  rows: EvalRow[];
}

/** Routes every question (threads in order, each with the previous route as context) and scores it. */
export function evaluateRouter(set: QuestionSet, route: (q: string, pctx: ParseContext, prev: PreviousContext | null) => RuleRoute): EvalReport {
  const pctx = parseContextFor(set);
  const threads = new Map<string, PreviousContext>();
  const rows: EvalRow[] = [];
  for (const item of set.questions) {
    const prev = item.thread ? threads.get(item.thread) ?? null : null;
    const r = route(item.q, pctx, prev);
    if (item.thread) threads.set(item.thread, { command: r.command, slots: r.slots });
    const intentOk = r.command === item.command;
    const diffs = intentOk ? slotDiffs(item.args, r.slots, r.command) : [`command: expected ${item.command}, got ${r.command}`];
    rows.push({ q: item.q, expected: item.command, got: r.command, line: r.line, intentOk, argsOk: intentOk && diffs.length === 0, diffs });
  }
  const n = rows.length;
  return {
    n,
    intentAccuracy: rows.filter((r) => r.intentOk).length / n,
    argumentAccuracy: rows.filter((r) => r.argsOk).length / n,
    rows,
  };
}
