/**
 * Turns a command's result into prose: the deterministic narrator always, the LLM when one is configured —
 * with the result and the retrieved tickets (redacted) as delimited data, structured output
 * `{ summary, points[], citations[] }`, and the guard before anything is returned. Any failure (timeout,
 * HTTP error, malformed output, guard rejection) returns the narrator's text with the reason.
 */
import { z } from 'zod';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Db } from '../warehouse/db.js';
import type { Execution } from '../execute.js';
import { esc } from '../blocks/kit.js';
import { termLift, ticketsById } from '../engines/retrieval/index.js';
import { narrate, narrationText, type Narration } from './narrator.js';
import { guardExplanation, explanationText, type Explanation } from './guard.js';
import { redact, redactDeep } from './redact.js';
import { render, type PromptName } from './prompts.js';

export const explanationSchema = z.object({
  summary: z.string().min(1).max(1500).describe('One or two sentences answering first'),
  points: z.array(z.string().max(600)).max(6).describe('At most 4 short supporting points'),
  citations: z.array(z.string().max(40)).max(10).describe('Ticket ids from <tickets> that support the answer'),
});

export interface ExplainResult {
  /** Plain text (CLI; escape before posting to Slack — or use `mrkdwn`). */
  text: string;
  /** The same text escaped for Slack mrkdwn (&, <, >). */
  mrkdwn: string;
  source: 'llm' | 'narrator';
  /** Why the narrator answered although an LLM is configured (timeout, HTTP error, guard rejection…). */
  reason?: string;
  citations: string[];
}

export interface RetrievedTicket {
  ticketId: string;
  queue: string;
  createdAt: string;
  subject: string;
  /** Body, redacted and clipped. */
  text: string;
}

const PROMPT_FOR: Record<string, PromptName> = {
  why: 'explain_why',
  drift: 'explain_why',
  whatif: 'explain_whatif',
  staffing: 'explain_whatif',
  risk: 'explain_risk',
  tickets: 'summarise_tickets',
};

/** Rounds floats to 4 significant digits and cuts long arrays: what the model needs, at a fraction of the tokens. */
export function compactFacts(v: unknown, depth = 0): unknown {
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? v : Number(v.toPrecision(4));
  if (typeof v === 'string') return v.length > 400 ? `${v.slice(0, 399)}…` : v;
  if (Array.isArray(v)) {
    const max = depth === 0 ? 40 : 16;
    const head = v.slice(0, max).map((x) => compactFacts(x, depth + 1));
    return v.length > max ? [...head, `… ${v.length - max} more`] : head;
  }
  if (v && typeof v === 'object') {
    if (depth > 6) return '…';
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = compactFacts(x, depth + 1);
    return out;
  }
  return v;
}

/** Ticket ids mentioned anywhere in a result (keys named ticketId / ticket_id). */
function ticketIdsIn(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => ticketIdsIn(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'ticketId' || k === 'ticket_id') && typeof x === 'string') out.add(x);
      else ticketIdsIn(x, out);
    }
  }
  return out;
}

/**
 * The tickets an explanation may cite: those the result names (search hits, risk rows, why examples); for
 * why/drift without any, term lift's example tickets for the queue and dates asked. At most `max`.
 */
export function retrieveFor(db: Db, command: string, args: unknown, result: unknown, max = 8): RetrievedTicket[] {
  const ids = [...ticketIdsIn(result)];
  const a = (args ?? {}) as { queue?: string | null; range?: { from: string; to: string } | null; date?: string | null };
  if (!ids.length && (command === 'why' || command === 'drift') && a.queue && (a.range || a.date)) {
    try {
      const from = a.range?.from ?? a.date!;
      const to = a.range?.to ?? a.date!;
      for (const t of termLift(db, { queue: a.queue, from, to, limit: 3, examples: 2 }).terms) for (const e of t.examples) ids.push(e.ticketId);
    } catch {
      // No term lift (e.g. no tickets): explain from the numbers alone.
    }
  }
  const rows = ticketsById(db, [...new Set(ids)].slice(0, max));
  return [...rows.values()].map((t) => ({
    ticketId: t.ticketId,
    queue: t.queue,
    createdAt: t.createdAt,
    subject: redact(t.subject),
    text: redact(t.body).replace(/\s+/g, ' ').slice(0, 400),
  }));
}

export interface ExplainInput {
  execution: Execution;
  question: string;
  db: Db;
  llm?: BaseChatModel | null;
  timeoutMs: number;
  log?: { warn: (o: object, msg?: string) => void };
}

function narratorResult(n: Narration, reason?: string): ExplainResult {
  const text = narrationText(n);
  return { text, mrkdwn: esc(text), source: 'narrator', reason, citations: n.citations };
}

/** Runs `p`, rejecting after `ms` (and aborting `ctrl`) so a hung endpoint never holds the answer. */
async function withTimeout<T>(p: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctrl.abort();
      reject(new Error(`LLM timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p(ctrl.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Explanation of an execution. Failed executions explain themselves (their message). Without an LLM → the
 * narrator. With one → prompt (facts + redacted tickets as data) → structured output → guard → text, or the
 * narrator with the reason. Never throws.
 */
export async function explainExecution(input: ExplainInput): Promise<ExplainResult> {
  const e = input.execution;
  if (!e.ok) return { text: e.message, mrkdwn: esc(e.message), source: 'narrator', citations: [] };
  const command = e.command.name;
  let narration: Narration;
  try {
    narration = narrate(command, e.result, (r) => e.command.text(r));
  } catch (err) {
    narration = { summary: e.command.text(e.result).split('\n')[0] ?? command, points: [], citations: [] };
    input.log?.warn({ err, command }, 'narrator template failed; using the command text');
  }
  if (!input.llm) return narratorResult(narration);

  let tickets: RetrievedTicket[] = [];
  try {
    tickets = retrieveFor(input.db, command, e.args, e.result);
  } catch (err) {
    input.log?.warn({ err, command }, 'retrieval for the explanation failed');
  }
  const facts = redactDeep(compactFacts({ command, args: e.args, result: e.result }));
  const prompt = render(PROMPT_FOR[command] ?? 'answer_question', {
    question: input.question.slice(0, 1000),
    command,
    facts: JSON.stringify(facts),
    tickets: JSON.stringify(tickets),
  });
  let out: Explanation;
  try {
    const structured = input.llm.withStructuredOutput(explanationSchema, { method: 'functionCalling', name: 'explanation' });
    const raw = await withTimeout(
      (signal) => structured.invoke([{ role: 'system', content: prompt.system }, { role: 'user', content: prompt.user }], { signal }),
      input.timeoutMs,
    );
    out = explanationSchema.parse(raw);
  } catch (err) {
    const reason = `LLM unavailable: ${(err as Error)?.message ?? String(err)}`.slice(0, 300);
    input.log?.warn({ err, command }, 'LLM explanation failed; narrator used');
    return narratorResult(narration, reason);
  }
  const ids = tickets.map((t) => t.ticketId);
  // The question counts as a fact source too ("2 more agents" may be restated).
  const verdict = guardExplanation(out, { facts, tickets, question: input.question }, ids);
  if (!verdict.ok) {
    input.log?.warn({ command, reason: verdict.reason, answer: out }, 'LLM answer rejected by the guard; narrator used');
    return narratorResult(narration, `guard: ${verdict.reason}`);
  }
  const text = explanationText(out);
  return { text, mrkdwn: esc(text), source: 'llm', citations: out.citations };
}
