/**
 * The natural-language router. With an LLM: tool calling over the command registry — each visible command
 * is a tool whose parameters are its zod args schema (z.toJSONSchema); the model picks one and its
 * arguments; the arguments are validated by the same schema; an invalid call is answered with the
 * validation error and the model may try again, at most `maxCalls` calls per question. Without an LLM, or
 * when it fails, times out or declines to pick: the rule-based router (rules.ts).
 */
import { z } from 'zod';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { formatZodError, type AnyCommand, type ParseContext, type Registry } from '../registry.js';
import { localToday } from '../time.js';
import { routeRules, type PreviousContext, type Slots, type Intent } from './rules.js';
import { render } from './prompts.js';

export interface Route {
  command: string;
  /** Validated arguments (LLM route), else null: the `line` goes through the command's grammar. */
  args: unknown | null;
  /** The command line (rules route, or a readable rendering of the LLM's choice). */
  line: string;
  slots: Slots;
  via: 'llm' | 'rules';
  /** Why the rules answered although an LLM is configured. */
  reason?: string;
  /** Tool calls the LLM made (0 for rules). */
  toolCalls: number;
  followUp: boolean;
}

export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** Every visible command as an OpenAI tool: name, summary + usage, and its zod args as JSON schema (input side). */
export function commandTools(registry: Registry, exclude: string[] = ['ask']): ToolSpec[] {
  const out: ToolSpec[] = [];
  for (const c of registry.visible()) {
    if (exclude.includes(c.name)) continue;
    try {
      const schema = z.toJSONSchema(c.args, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      delete schema.$schema;
      if (schema.type !== 'object') continue;
      out.push({ type: 'function', function: { name: c.name, description: `${c.summary} Usage: ${c.usage}. Example: ${c.examples[0] ?? c.name}`, parameters: schema } });
    } catch {
      // A schema JSON Schema cannot express is left out of the LLM's choices (the rules still reach it).
    }
  }
  return out;
}

/** Slots from validated args, so a follow-up after an LLM route inherits the same things as after a rule route. */
export function slotsFromArgs(command: string, args: unknown): Slots {
  const a = (args ?? {}) as Record<string, unknown>;
  const s: Slots = {};
  if (typeof a.queue === 'string' || a.queue === null) s.queue = a.queue as string | null;
  const range = a.range as { from: string; to: string; label?: string } | null | undefined;
  if (range && typeof range.from === 'string') s.range = { from: range.from, to: range.to, label: range.label ?? `${range.from}..${range.to}` };
  else if (typeof a.date === 'string') s.range = { from: a.date, to: a.date, label: a.date };
  if (typeof a.ticketId === 'string') s.ticketId = a.ticketId;
  if (typeof a.query === 'string') s.query = a.query;
  if (a.mode === 'similar') s.similar = true;
  if (Array.isArray(a.priority)) s.priority = a.priority as string[];
  if (Array.isArray(a.status)) s.status = a.status as string[];
  if (typeof a.metric === 'string') s.metric = a.metric;
  if (command === 'whatif') {
    const levers: Record<string, number> = {};
    for (const k of ['agents', 'ahtPct', 'ahtSeconds', 'acwPct', 'acwSeconds', 'fcrPoints', 'volumePct']) if (typeof a[k] === 'number' && a[k] !== 0) levers[k] = a[k] as number;
    s.levers = levers;
    if (a.hours && typeof a.hours === 'object') s.hours = a.hours as { fromMinute: number; toMinute: number };
  }
  if (typeof a.targetPct === 'number' && typeof a.targetSeconds === 'number') s.target = { pct: a.targetPct, seconds: a.targetSeconds };
  if (typeof a.shrinkagePct === 'number') s.shrinkagePct = a.shrinkagePct;
  return s;
}

/** Arguments for a command from rule slots, when its grammar cannot read the generated line. */
export function argsFromSlots(command: AnyCommand, s: Slots): unknown {
  const a: Record<string, unknown> = {};
  if (s.queue !== undefined) a.queue = s.queue;
  if (s.range) {
    a.range = s.range;
    a.date = s.range.from;
  }
  if (s.ticketId) a.ticketId = s.ticketId;
  if (s.query) a.query = s.query;
  if (s.similar) a.mode = 'similar';
  if (s.priority?.length) a.priority = s.priority;
  if (s.status?.length) a.status = s.status;
  if (s.metric) a.metric = s.metric;
  Object.assign(a, s.levers ?? {});
  if (s.hours) a.hours = s.hours;
  if (s.target) {
    a.targetPct = s.target.pct;
    a.targetSeconds = s.target.seconds;
  }
  if (s.shrinkagePct !== undefined && s.shrinkagePct !== null) a.shrinkagePct = s.shrinkagePct;
  return a;
}

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

async function withDeadline<T>(f: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      f(ctrl.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort();
          reject(new Error(`LLM timed out after ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type LlmRouteResult = { ok: true; command: string; args: unknown; calls: number } | { ok: false; reason: string; calls: number };

/**
 * One question → one validated command call through tool calling. The whole exchange shares one time
 * budget (`timeoutMs`). Returns the reason when the model did not produce a valid call.
 */
export async function routeWithLlm(
  model: BaseChatModel,
  question: string,
  registry: Registry,
  pctx: ParseContext,
  prev: (PreviousContext & { question?: string }) | null,
  timeoutMs: number,
  maxCalls = 3,
): Promise<LlmRouteResult> {
  const tools = commandTools(registry);
  if (!tools.length || !model.bindTools) return { ok: false, reason: 'no tools to offer', calls: 0 };
  const bound = model.bindTools(tools, { tool_choice: 'auto' });
  let prompt: { system: string; user: string };
  try {
    prompt = render('route', {
      today: localToday(pctx.now, pctx.tz),
      tz: pctx.tz,
      queues: pctx.queues.length ? pctx.queues.join(', ') : '(none loaded)',
      previous: prev ? JSON.stringify({ question: prev.question ?? null, command: prev.command, slots: prev.slots }) : 'none',
      question: question.slice(0, 2000),
    });
  } catch (err) {
    return { ok: false, reason: `router prompt: ${(err as Error).message}`, calls: 0 };
  }
  const messages: BaseMessage[] = [new SystemMessage(prompt.system), new HumanMessage(prompt.user)];
  const deadline = Date.now() + timeoutMs;
  for (let call = 1; call <= maxCalls; call++) {
    let ai: AIMessage;
    try {
      ai = (await withDeadline((signal) => bound.invoke(messages, { signal }), remaining(deadline))) as AIMessage;
    } catch (err) {
      return { ok: false, reason: `LLM unavailable: ${(err as Error)?.message ?? String(err)}`.slice(0, 300), calls: call - 1 };
    }
    const calls = ai.tool_calls ?? [];
    if (!calls.length) return { ok: false, reason: 'the model answered without choosing a command', calls: call };
    messages.push(ai);
    const [first, ...others] = calls;
    const cmd = registry.get(first.name);
    let error: string;
    if (!cmd || cmd.hidden || cmd.name === 'ask') error = `There is no command "${first.name}". Choose one of: ${tools.map((t) => t.function.name).join(', ')}.`;
    else {
      const parsed = cmd.args.safeParse(first.args);
      if (parsed.success) return { ok: true, command: cmd.name, args: parsed.data, calls: call };
      error = `Invalid arguments for ${cmd.name}: ${formatZodError(parsed.error)}. Call it again with valid arguments.`;
    }
    // Every tool call needs an answer before the model may try again.
    messages.push(new ToolMessage({ tool_call_id: first.id ?? `call_${call}`, content: error }));
    for (const o of others) messages.push(new ToolMessage({ tool_call_id: o.id ?? `call_${call}_x`, content: 'Ignored: one command per question.' }));
  }
  return { ok: false, reason: `no valid command call in ${maxCalls} attempts`, calls: maxCalls };
}

/** A readable command line for validated args (for logs, `--route-only` and thread context). */
export function describeCall(command: string, args: unknown): string {
  const a = (args ?? {}) as Record<string, unknown>;
  const parts = [command];
  for (const [k, v] of Object.entries(a)) {
    if (v === null || v === undefined || v === 0 || v === false || (Array.isArray(v) && !v.length)) continue;
    if (k === 'range' && v && typeof v === 'object') {
      const r = v as { from: string; to: string };
      parts.push(r.from === r.to ? r.from : `${r.from}..${r.to}`);
    } else if (k === 'queue' || k === 'query' || k === 'ticketId' || k === 'date') parts.push(String(v));
    else if (typeof v === 'object') parts.push(`${k}=${JSON.stringify(v)}`);
    else parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
}

/**
 * Routes a question: the LLM first when given (validated tool call), else — or on any LLM failure — the
 * rules. Follow-up context (`prev`) is used by both.
 */
export async function routeQuestionWith(
  question: string,
  registry: Registry,
  pctx: ParseContext,
  prev: (PreviousContext & { question?: string }) | null,
  llm: BaseChatModel | null,
  timeoutMs: number,
): Promise<Route> {
  let reason: string | undefined;
  let toolCalls = 0;
  if (llm) {
    const r = await routeWithLlm(llm, question, registry, pctx, prev, timeoutMs);
    toolCalls = r.calls;
    if (r.ok) {
      return { command: r.command, args: r.args, line: describeCall(r.command, r.args), slots: slotsFromArgs(r.command, r.args), via: 'llm', toolCalls: r.calls, followUp: Boolean(prev) };
    }
    reason = r.reason;
  }
  const rr = routeRules(question, pctx, prev);
  return { command: rr.command as Intent, args: null, line: rr.line, slots: rr.slots, via: 'rules', reason, toolCalls, followUp: rr.followUp };
}
