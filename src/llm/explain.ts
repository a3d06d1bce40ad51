/**
 * Turns a command's result into prose: the deterministic narrator always, the LLM when one is configured and
 * the command has a fact sheet (facts.ts). The prompt carries three data blocks fenced by tags with a fresh
 * nonce, their `<`/`>` escaped: the question, the fact table (names, values as SLA Radar prints them,
 * meanings: no customer text) and the retrieved tickets (redacted: the only place ticket text appears). The
 * model returns `{ summary, points[], citations[] }` with fact references instead of figures; grounding.ts
 * checks it and fills the references in. Any failure (budget spent, breaker open, HTTP error, malformed
 * output, grounding rejection) returns the narrator's text with a reason that never quotes the rejected text.
 */
import { z } from 'zod';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Db } from '../warehouse/db.js';
import type { Execution } from '../execute.js';
import { esc } from '../blocks/kit.js';
import { termLift, ticketsById } from '../engines/retrieval/index.js';
import { narrate, narrationText, type Narration } from './narrator.js';
import { explanationText } from './guard.js';
import { groundExplanation, factTable, type Explanation } from './grounding.js';
import { factSheet } from './facts.js';
import { Budget, CircuitBreaker, failureReason, withinBudget } from './budget.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redact, redactDeep } from './redact.js';
import { render, PROMPT_DIR, type PromptName } from './prompts.js';
import { timed } from '../metrics.js';

export const explanationSchema = z.object({
  summary: z.string().min(1).max(1500).describe('One or two sentences answering first; figures only as {fact_name} references'),
  points: z.array(z.string().max(600)).max(6).describe('At most 4 short supporting points; figures only as {fact_name} references'),
  citations: z.array(z.string().max(40)).max(10).describe('Ticket ids from <tickets> that support the answer'),
});

export interface ExplainResult {
  /** Plain text (CLI; escape before posting to Slack — or use `mrkdwn`). */
  text: string;
  /** The same text escaped for Slack mrkdwn (&, <, >). */
  mrkdwn: string;
  source: 'llm' | 'narrator';
  /** Why the narrator answered although an LLM is configured (budget, HTTP error, grounding rule…); never quotes the rejected text. */
  reason?: string;
  citations: string[];
  /** What was checked, for the label under the answer. */
  checked: string;
}

/** The label under an LLM answer: exactly what the grounding check guarantees, and what it does not. */
export const LLM_CHECKED =
  'Worded by the LLM. Every figure was filled in by SLA Radar from the engine\'s numbers (the model wrote none); each figure\'s quantity and direction words were checked against the result; cited tickets are among those retrieved. The wording itself is not verified.';
export const NARRATOR_CHECKED = 'Written by the built-in narrator from the engine\'s numbers.';

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
  /** The question's time budget (shared with routing); or a fresh one of this many ms. */
  budget: Budget | number;
  /** Skips the LLM while open; records the call's success or failure. */
  breaker?: CircuitBreaker;
  log?: { warn: (o: object, msg?: string) => void };
}

function narratorResult(n: Narration, reason?: string): ExplainResult {
  const text = narrationText(n);
  return { text, mrkdwn: esc(text), source: 'narrator', reason, citations: n.citations, checked: NARRATOR_CHECKED };
}

let rulesText: string | null = null;
function groundingRules(): string {
  rulesText ??= readFileSync(join(PROMPT_DIR, 'grounding_rules.md'), 'utf8').replace(/^#.*\n+/, '').trim();
  return rulesText;
}

/** JSON with `<` and `>` escaped, so no data value can open or close a tag of the prompt. */
export function dataJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

/** The explanation prompt: instructions, then the question, the fact table and the tickets as fenced data. */
export function explanationPrompt(command: string, question: string, table: string, tickets: RetrievedTicket[], nonce = randomBytes(6).toString('hex')): { system: string; user: string; nonce: string } {
  const p = render(PROMPT_FOR[command] ?? 'answer_question', {
    rules: groundingRules().split('{nonce}').join(nonce),
    nonce,
    question: dataJson(question.slice(0, 1000)),
    command,
    facts: table.replace(/</g, '\u2039').replace(/>/g, '\u203a'),
    tickets: dataJson(tickets),
  });
  return { ...p, nonce };
}

/**
 * Explanation of an execution. Failed executions explain themselves (their message). Without an LLM → the
 * narrator. With one → prompt (facts + redacted tickets as data) → structured output → guard → text, or the
 * narrator with the reason. Never throws.
 */
export async function explainExecution(input: ExplainInput): Promise<ExplainResult> {
  const e = input.execution;
  if (!e.ok) return { text: e.message, mrkdwn: esc(e.message), source: 'narrator', citations: [], checked: NARRATOR_CHECKED };
  const command = e.command.name;
  let narration: Narration;
  try {
    narration = narrate(command, e.result, (r) => e.command.text(r));
  } catch (err) {
    narration = { summary: e.command.text(e.result).split('\n')[0] ?? command, points: [], citations: [] };
    input.log?.warn({ err, command }, 'narrator template failed; using the command text');
  }
  if (!input.llm) return narratorResult(narration);

  const sheet = factSheet(command, e.result);
  if (!sheet) return narratorResult(narration);
  const budget = typeof input.budget === 'number' ? new Budget(input.budget) : input.budget;
  if (budget.spent()) return narratorResult(narration, `LLM skipped: the question's ${budget.totalMs} ms budget was spent routing it`);
  if (input.breaker && !input.breaker.allow()) return narratorResult(narration, `LLM skipped after repeated failures; next try in ${input.breaker.retryInSeconds()} s`);

  let tickets: RetrievedTicket[] = [];
  try {
    tickets = retrieveFor(input.db, command, e.args, e.result);
  } catch (err) {
    input.log?.warn({ err, command }, 'retrieval for the explanation failed');
  }
  const prompt = explanationPrompt(command, input.question, factTable(redactDeep(sheet)), tickets);
  let out: Explanation;
  try {
    const structured = input.llm.withStructuredOutput(explanationSchema, { method: 'functionCalling', name: 'explanation' });
    const raw = await withinBudget(budget, (signal) => timed('llm', 'explain', () => structured.invoke([{ role: 'system', content: prompt.system }, { role: 'user', content: prompt.user }], { signal })));
    out = explanationSchema.parse(raw);
    input.breaker?.success();
  } catch (err) {
    input.breaker?.failure();
    const reason = `LLM unavailable: ${failureReason(err, budget.totalMs)}`;
    input.log?.warn({ command, reason }, 'LLM explanation failed; narrator used');
    return narratorResult(narration, reason);
  }
  const verdict = groundExplanation(out, sheet, tickets.map((t) => t.ticketId));
  if (!verdict.ok) {
    // The reason names the rule, never the rejected text (it may carry an injected claim).
    input.log?.warn({ command, reason: verdict.reason }, 'LLM answer rejected by the grounding check; narrator used');
    return narratorResult(narration, `LLM answer rejected: ${verdict.reason}`);
  }
  out = verdict.filled;
  const text = explanationText(out);
  return { text, mrkdwn: esc(text), source: 'llm', citations: out.citations, checked: LLM_CHECKED };
}
