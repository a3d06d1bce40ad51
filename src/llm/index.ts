/**
 * The LLM surface's entry points.
 *
 *   answerQuestion({ question, threadKey?, ctx, registry, llm? })
 *     → { route, execution, explain }
 *   `execution` is the routed command's run (numbers first: render it at once); `explain()` produces the prose
 *   afterwards — `{ text, mrkdwn, source: 'llm' | 'narrator', reason?, citations }` — and never throws.
 *
 * `llm` undefined = the model from ctx.config (none configured → rules + narrator); `null` = no LLM.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AnyCommand, CommandContext, Registry } from '../registry.js';
import { parseCommandLine, UsageError, usageText } from '../registry.js';
import { runParsed, type Execution } from '../execute.js';
import { buildParseContext } from '../parseContext.js';
import { createChatModel } from './models.js';
import { routeQuestionWith, argsFromSlots, type Route } from './router.js';
import { explainExecution, NARRATOR_CHECKED, type ExplainResult } from './explain.js';
import { Budget, CircuitBreaker, type Clock } from './budget.js';
import { loadThreadContext, saveThreadContext, type ThreadKey } from './context.js';
import { section, context, type Block } from '../blocks/kit.js';
import type { AskAnswerer } from '../../commands/ask.js';

export { recordFeedback, feedbackSummary, type FeedbackInput } from './feedback.js';
export { createChatModel, createEmbedder } from './models.js';
export { redact, redactDeep } from './redact.js';
export { routeRules, type Slots, type RuleRoute, type PreviousContext } from './rules.js';
export { commandTools, type Route } from './router.js';
export { explainExecution, LLM_CHECKED, NARRATOR_CHECKED, type ExplainResult } from './explain.js';
export { guardExplanation, ungroundedNumbers } from './guard.js';
export { groundExplanation, type Explanation } from './grounding.js';
export { factSheet, type Fact, type FactSheet } from './facts.js';
export { Budget, CircuitBreaker, type Clock } from './budget.js';
export { loadThreadContext, saveThreadContext, pruneThreadContext, type ThreadKey } from './context.js';

export interface QuestionInput {
  question: string;
  /** The Slack thread, for follow-ups ("and tech support?"). */
  threadKey?: ThreadKey;
  ctx: CommandContext;
  registry: Registry;
  /** undefined → from ctx.config; null → no LLM. */
  llm?: BaseChatModel | null;
  /** Shared across questions (an answerer's): skips the LLM for a while after repeated failures. */
  breaker?: CircuitBreaker;
  /** The clock the budget and breaker read (tests drive it); default Date.now. */
  clock?: Clock;
  /**
   * Runs the routed command with validated args; default: here, on ctx (a server passes its worker pool, so the
   * numbers are computed off the thread that acks Slack).
   */
  run?: RunParsed;
}

/** Runs a command with already-validated args (see QuestionInput.run). */
export type RunParsed = (command: AnyCommand, args: unknown) => Promise<Execution>;

export interface Answer {
  question: string;
  route: Route;
  execution: Execution;
  explain: () => Promise<ExplainResult>;
}

function modelFor(input: QuestionInput): BaseChatModel | null {
  return input.llm === undefined ? createChatModel(input.ctx.config) : input.llm;
}

/** Routes without running (`radar ask --route-only`). Saves nothing. */
export async function routeQuestion(input: QuestionInput): Promise<Route> {
  const pctx = buildParseContext(input.ctx.db, input.ctx.config, input.ctx.now);
  const prev = input.threadKey ? loadThreadContext(input.ctx.db, input.threadKey) : null;
  return routeQuestionWith(input.question, input.registry, pctx, prev, modelFor(input), new Budget(input.ctx.config.LLM_TIMEOUT_MS, input.clock), input.breaker);
}

function usage(message: string, example: string): Execution {
  const error = new UsageError(message, example);
  return { ok: false, kind: 'usage', error, message: usageText(error) };
}

/** Runs a route: validated args directly; else the line through the command's grammar; else args from slots. */
export async function executeRoute(route: Route, registry: Registry, ctx: CommandContext, run: RunParsed = (c, a) => runParsed(c, a, false, ctx)): Promise<Execution> {
  const command = registry.get(route.command);
  if (!command) {
    const example = registry.get('sla')?.examples[0] ?? 'help';
    return usage(`I read that as a \`${route.command}\` question (\`${route.line}\`), but that command isn't available yet.`, example);
  }
  // A question in plain words never writes a file on this machine: `out` (export --out) is the terminal's own flag.
  if (route.args !== null) return run(command, route.args && typeof route.args === 'object' && 'out' in route.args ? { ...route.args, out: null } : route.args);
  const pctx = buildParseContext(ctx.db, ctx.config, ctx.now);
  const parsed = parseCommandLine(registry, route.line, pctx);
  if (parsed.ok) return run(parsed.command, parsed.args);
  const direct = command.args.safeParse(argsFromSlots(command, route.slots));
  if (direct.success) return run(command, direct.data);
  const e = parsed.error;
  return { ok: false, kind: 'usage', error: e, message: `I read your question as \`${route.line}\`. ${usageText(e)}` };
}

/**
 * Question → route (LLM tool call or rules) → the command's execution, at once; `explain()` for the prose.
 * The route is remembered per thread for follow-ups.
 */
export async function answerQuestion(input: QuestionInput): Promise<Answer> {
  const { ctx, registry } = input;
  const llm = modelFor(input);
  const pctx = buildParseContext(ctx.db, ctx.config, ctx.now);
  const prev = input.threadKey ? loadThreadContext(ctx.db, input.threadKey) : null;
  // One budget for the whole question: routing and explanation together never wait longer than LLM_TIMEOUT_MS.
  const budget = new Budget(ctx.config.LLM_TIMEOUT_MS, input.clock);
  const route = await routeQuestionWith(input.question, registry, pctx, prev, llm, budget, input.breaker);
  ctx.log?.info({ command: route.command, via: route.via, line: route.line, reason: route.reason, toolCalls: route.toolCalls }, 'question routed');
  const execution = await executeRoute(route, registry, ctx, input.run);
  if (input.threadKey) {
    try {
      saveThreadContext(ctx.db, input.threadKey, { command: route.command, slots: route.slots, question: input.question }, ctx.now);
    } catch (err) {
      ctx.log?.warn({ err }, 'could not save thread context');
    }
  }
  let explained: Promise<ExplainResult> | null = null;
  const explain = () =>
    (explained ??= explainExecution({ execution, question: input.question, db: ctx.db, llm, budget, breaker: input.breaker, log: ctx.log }).catch((err: unknown) => {
      ctx.log?.warn({ err }, 'explanation failed');
      const text = execution.ok ? execution.command.text(execution.result) : execution.message;
      return { text, mrkdwn: text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'), source: 'narrator' as const, reason: 'the explanation failed', citations: [], checked: NARRATOR_CHECKED };
    }));
  return { question: input.question, route, execution, explain };
}

export interface AnswererOptions {
  /** undefined → the model from each question's config; null → no LLM. */
  llm?: BaseChatModel | null;
  /** Default: 3 consecutive failures open it for a minute. */
  breaker?: CircuitBreaker;
  clock?: Clock;
}

/**
 * The answerer the `ask` command is given (commands/index.ts `buildRegistry({ answerer })`): routing and
 * explanation through this surface, with one circuit breaker shared by every question it answers.
 */
export function createAnswerer(o: AnswererOptions = {}): AskAnswerer {
  const breaker = o.breaker ?? new CircuitBreaker({ clock: o.clock });
  return {
    route: (question, ctx, registry) => routeQuestion({ question, ctx, registry, llm: o.llm, breaker, clock: o.clock }),
    answer: (question, ctx, registry) => answerQuestion({ question, ctx, registry, llm: o.llm, breaker, clock: o.clock }),
  };
}

/**
 * Block Kit for an explanation (already escaped): the prose, then where it came from. Post it as the
 * follow-up to the command's own blocks ("numbers first, prose second").
 */
export function explanationBlocks(ex: ExplainResult): Block[] {
  return [section(ex.mrkdwn), context(ex.checked)];
}
