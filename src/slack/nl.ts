/**
 * The natural-language answerer for mentions and DMs, over src/llm's public entry: route the question to a
 * command (LLM tool call when configured, else the rules), run it at once, explain it after (LLM, guarded,
 * or the narrator). Loaded lazily by serve() so the app starts without the LLM stack when it is absent.
 */
import { Registry } from '../registry.js';
import { answerQuestion, explanationBlocks, CircuitBreaker } from '../llm/index.js';
import type { AnswerQuestion } from './deps.js';
import { context } from '../blocks/kit.js';
import { feedbackBlocks } from '../blocks/feedback.js';

export function llmAnswerer(registry: Registry): AnswerQuestion {
  // `ask` is the same pipeline as a command: routing a question to it would loop.
  const routable = new Registry(registry.commands.filter((c) => c.name !== 'ask'));
  // One breaker for the app: after repeated LLM failures, mentions and DMs get the rules and narrator at once.
  const breaker = new CircuitBreaker();
  return async (question, ctx, thread, run) => {
    const a = await answerQuestion({ question, ctx, registry: routable, threadKey: thread, breaker, run });
    const route = { q: question, c: a.route.command, l: a.route.line, v: a.route.via };
    return {
      execution: a.execution,
      // Every answer in words gets 👍 / 👎, stored with the question, the route and the guard's verdict.
      explain: async () => {
        if (!a.execution.ok) return [context('Did I read your question right?'), ...feedbackBlocks({ ...route, s: null, r: 'the command did not run' })];
        const ex = await a.explain();
        return [...explanationBlocks(ex), ...feedbackBlocks({ ...route, s: ex.source, r: ex.reason ?? null })];
      },
    };
  };
}
