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
import { Budget, CircuitBreaker, failureReason, withinBudget } from './budget.js';
import { timed } from '../metrics.js';

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

/** A tool the router offers: which command it runs, and the discriminator value it stands for (union variants). */
export interface ToolTarget {
  command: string;
  /** For a union variant: the discriminator property and value the tool fixes (`{ action: 'score' }`). */
  fixed: Record<string, unknown>;
}

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

const toolName = (s: string) => s.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64);

/** The discriminator of a union of object schemas: a property every variant fixes with a distinct `const`. */
function discriminator(variants: JsonSchema[]): string | null {
  const first = variants[0]?.properties ?? {};
  for (const k of Object.keys(first)) {
    const consts = variants.map((v) => v.properties?.[k]?.const);
    if (consts.every((c) => typeof c === 'string' || typeof c === 'number') && new Set(consts).size === variants.length) return k;
  }
  return null;
}

/**
 * Every visible command as OpenAI tools, with where each goes. An object schema is one tool named after the
 * command; a union (risk, alerts, …) is one tool per variant, named `command_value` after its discriminator
 * value, with the discriminator taken out of the parameters (the router puts it back before validating).
 * A schema JSON Schema cannot express at all is still offered, with free-form parameters (the command's
 * zod schema validates the call either way), so no command is unreachable.
 */
export function routerTools(registry: Registry, exclude: string[] = ['ask']): { specs: ToolSpec[]; targets: Map<string, ToolTarget> } {
  const specs: ToolSpec[] = [];
  const targets = new Map<string, ToolTarget>();
  const add = (name: string, description: string, parameters: Record<string, unknown>, target: ToolTarget) => {
    const n = toolName(name);
    specs.push({ type: 'function', function: { name: n, description, parameters } });
    targets.set(n, target);
  };
  for (const c of registry.visible()) {
    if (exclude.includes(c.name)) continue;
    const description = `${c.summary} Usage: ${c.usage}. Example: ${c.examples[0] ?? c.name}`;
    let schema: JsonSchema;
    try {
      schema = z.toJSONSchema(c.args, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    } catch {
      add(c.name, description, { type: 'object', additionalProperties: true }, { command: c.name, fixed: {} });
      continue;
    }
    delete schema.$schema;
    const defs = schema.$defs ? { $defs: schema.$defs } : {};
    const variants = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
    if (schema.type === 'object' || !variants?.length || !variants.every((v) => v.type === 'object')) {
      add(c.name, description, schema.type === 'object' ? schema : { type: 'object', additionalProperties: true }, { command: c.name, fixed: {} });
      continue;
    }
    const key = discriminator(variants);
    variants.forEach((v, i) => {
      if (!key) {
        add(`${c.name}_${i + 1}`, `${description} (form ${i + 1} of ${variants.length})`, { ...defs, ...v }, { command: c.name, fixed: {} });
        return;
      }
      const value = v.properties![key].const as string | number;
      const properties = { ...v.properties };
      delete properties[key];
      const parameters: JsonSchema = { ...defs, ...v, properties, required: (v.required ?? []).filter((r) => r !== key) };
      add(`${c.name}_${value}`, `${description} This tool is \`${c.name}\` with ${key} = ${JSON.stringify(value)}.`, parameters, { command: c.name, fixed: { [key]: value } });
    });
  }
  return { specs, targets };
}

/** The tool specs alone (what the model is offered). */
export function commandTools(registry: Registry, exclude: string[] = ['ask']): ToolSpec[] {
  return routerTools(registry, exclude).specs;
}

/** The tool call that stands for a command's validated arguments (the inverse of routing; tests and the bench). */
export function toolCallFor(registry: Registry, command: string, args: unknown): { name: string; args: Record<string, unknown> } | null {
  const { targets } = routerTools(registry);
  const a = (args ?? {}) as Record<string, unknown>;
  for (const [name, t] of targets) {
    if (t.command !== command) continue;
    if (Object.entries(t.fixed).every(([k, v]) => a[k] === v)) {
      const rest = { ...a };
      for (const k of Object.keys(t.fixed)) delete rest[k];
      return { name, args: rest };
    }
  }
  return null;
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

export type LlmRouteResult = { ok: true; command: string; args: unknown; calls: number } | { ok: false; reason: string; calls: number; failed?: boolean };

/**
 * One question → one validated command call through tool calling. The whole exchange spends from the
 * question's budget (shared with the explanation that follows). Returns the reason when the model did not
 * produce a valid call; `failed` marks endpoint failures (for the breaker) as opposed to a bad choice.
 */
export async function routeWithLlm(
  model: BaseChatModel,
  question: string,
  registry: Registry,
  pctx: ParseContext,
  prev: (PreviousContext & { question?: string }) | null,
  budget: Budget | number,
  maxCalls = 3,
): Promise<LlmRouteResult> {
  const b = typeof budget === 'number' ? new Budget(budget) : budget;
  const { specs: tools, targets } = routerTools(registry);
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
  for (let call = 1; call <= maxCalls; call++) {
    let ai: AIMessage;
    try {
      ai = (await withinBudget(b, (signal) => timed('llm', 'route', () => bound.invoke(messages, { signal })))) as AIMessage;
    } catch (err) {
      return { ok: false, reason: `LLM unavailable: ${failureReason(err, b.totalMs)}`, calls: call - 1, failed: true };
    }
    const calls = ai.tool_calls ?? [];
    if (!calls.length) return { ok: false, reason: 'the model answered without choosing a command', calls: call };
    messages.push(ai);
    const [first, ...others] = calls;
    const target = targets.get(first.name);
    const cmd = target ? registry.get(target.command) : undefined;
    let error: string;
    if (!target || !cmd) error = `There is no tool "${first.name}". Choose one of: ${tools.map((t) => t.function.name).join(', ')}.`;
    else {
      const parsed = cmd.args.safeParse({ ...(first.args ?? {}), ...target.fixed });
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
  budget: Budget | number,
  breaker?: CircuitBreaker,
): Promise<Route> {
  let reason: string | undefined;
  let toolCalls = 0;
  if (llm && breaker && !breaker.allow()) reason = `LLM skipped after repeated failures; next try in ${breaker.retryInSeconds()} s`;
  else if (llm) {
    const r = await routeWithLlm(llm, question, registry, pctx, prev, budget);
    toolCalls = r.calls;
    if (r.ok || !r.failed) breaker?.success();
    else breaker?.failure();
    if (r.ok) {
      return { command: r.command, args: r.args, line: describeCall(r.command, r.args), slots: slotsFromArgs(r.command, r.args), via: 'llm', toolCalls: r.calls, followUp: Boolean(prev) };
    }
    reason = r.reason;
  }
  const rr = routeRules(question, pctx, prev);
  return { command: rr.command as Intent, args: null, line: rr.line, slots: rr.slots, via: 'rules', reason, toolCalls, followUp: rr.followUp };
}
