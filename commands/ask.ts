/**
 * `ask "<question>" [--route-only]` — a question in plain words: routed to a command (LLM tool calling when
 * configured, else the rules), run, and explained (LLM, grounded, or the narrator). `--json` prints
 * `{ command, args, text, … }`; `--route-only` routes without running.
 *
 * The routing and explaining live in the LLM surface (src/llm). A command never imports a surface, so the
 * surface that builds the registry injects it as an `AskAnswerer` (commands/index.ts `buildRegistry`);
 * without one, `ask` says so and points at the commands.
 */
import { z } from 'zod';
import { defineCommand, parseCommandLine, Registry, UsageError, type AnyCommand, type CommandContext } from '../src/registry.js';
import { buildParseContext } from '../src/parseContext.js';
import type { Execution } from '../src/execute.js';
import { header, section, context, codeSections, esc, type Block } from '../src/blocks/kit.js';
import { feedbackBlocks } from '../src/blocks/feedback.js';

/** A question's route, as the answerer reports it. */
export interface AskRoute {
  command: string;
  /** Validated arguments (LLM route), else null: `line` goes through the command's grammar. */
  args: unknown | null;
  line: string;
  slots: unknown;
  via: 'llm' | 'rules';
  reason?: string;
}

export interface AskExplanation {
  text: string;
  source: 'llm' | 'narrator';
  reason?: string;
  /** What was checked, for the label under the prose. */
  checked: string;
}

/** What `ask` needs from the LLM surface (src/llm `createAnswerer` implements it). */
export interface AskAnswerer {
  route(question: string, ctx: CommandContext, registry: Registry): Promise<AskRoute>;
  answer(question: string, ctx: CommandContext, registry: Registry): Promise<{ route: AskRoute; execution: Execution; explain: () => Promise<AskExplanation> }>;
}

export interface AskResult {
  question: string;
  /** The command the question was routed to. */
  command: string;
  /** Its validated arguments (null when the grammar could not read the routed line, or with --route-only on the rules path). */
  args: unknown;
  /** The command's answer as text (numbers first), or the routed line with --route-only. */
  text: string;
  line: string;
  via: 'llm' | 'rules';
  routeReason: string | null;
  ok: boolean;
  /** `checked`: what was checked, shown under the prose; `reason`: why the narrator answered although an LLM is configured. */
  explanation: { text: string; source: 'llm' | 'narrator'; reason: string | null; checked: string } | null;
}

export const askArgs = z.object({
  question: z.string().min(1).max(2000).describe('The question in plain words'),
  routeOnly: z.boolean().default(false).describe('Only show which command and arguments the question maps to'),
});

/**
 * The ask command over the commands in `list` (itself excluded: routing a question to `ask` would loop).
 * `answerer` is loaded on the first question (the LLM stack is not loaded by every `radar` start).
 */
export function makeAsk(list: () => AnyCommand[], answerer?: () => Promise<AskAnswerer>) {
  const registry = () => new Registry(list().filter((c) => c.name !== 'ask'));
  return defineCommand({
    name: 'ask',
    summary: 'Ask in plain words ("why did SLA drop yesterday on billing?"): routed to the right command and explained.',
    usage: 'ask <question> [--route-only]',
    examples: ['ask why did SLA drop yesterday on billing?', 'ask what if we add 2 agents to billing tomorrow 9-12', 'ask "tickets about invoice errors last week" --route-only'],
    hidden: false,
    args: askArgs,
    parse(t) {
      const routeOnly = t.options['route-only'] === 'true';
      const extra = Object.entries(t.options)
        .filter(([k]) => k !== 'route-only')
        .map(([k, v]) => `${k}=${v}`);
      return { question: [...t.positional, ...extra].join(' ').trim(), routeOnly };
    },
    // A question may route to any command (a risk model, an alert rule) and keeps its thread context.
    writes: () => true,
    async run(ctx, args): Promise<AskResult> {
      const reg = registry();
      if (!answerer) throw new UsageError('Questions in plain words need the language layer, which this surface did not load. Use a command instead.', 'sla billing yesterday');
      const a0 = await answerer();
      if (args.routeOnly) {
        const r = await a0.route(args.question, ctx, reg);
        let parsedArgs: unknown = r.args;
        if (parsedArgs === null) {
          const p = parseCommandLine(reg, r.line, buildParseContext(ctx.db, ctx.config, ctx.now));
          parsedArgs = p.ok ? p.args : null;
        }
        return { question: args.question, command: r.command, args: parsedArgs ?? r.slots, text: r.line, line: r.line, via: r.via, routeReason: r.reason ?? null, ok: true, explanation: null };
      }
      const a = await a0.answer(args.question, ctx, reg);
      const e = a.execution;
      // Numbers first: a surface that shows partial output (the terminal) prints them before the prose is ready.
      if (ctx.partial && e.ok) ctx.partial(`→ ${a.route.line}\n\n${e.command.text(e.result)}\n`);
      const ex = await a.explain();
      return {
        question: args.question,
        command: a.route.command,
        args: e.ok ? e.args : a.route.args ?? a.route.slots,
        text: e.ok ? e.command.text(e.result) : e.message,
        line: a.route.line,
        via: a.route.via,
        routeReason: a.route.reason ?? null,
        ok: e.ok,
        explanation: e.ok ? { text: ex.text, source: ex.source, reason: ex.reason ?? null, checked: ex.checked } : null,
      };
    },
    text(r) {
      if (!r.explanation && r.ok && r.text === r.line) return `→ ${r.line}   (routed by ${r.via}${r.routeReason ? `; ${r.routeReason}` : ''})`;
      const lines = [`→ ${r.line}`, '', r.text];
      if (r.explanation) lines.push('', r.explanation.text, `(${r.explanation.checked}${r.explanation.reason ? ` ${r.explanation.reason}.` : ''})`);
      return lines.join('\n');
    },
    blocks(r): Block[] {
      const blocks: Block[] = [header(`“${r.question.length > 140 ? `${r.question.slice(0, 139)}…` : r.question}”`)];
      if (r.explanation) blocks.push(section(esc(r.explanation.text)), context(esc(r.explanation.checked)));
      blocks.push(...codeSections(esc(r.text)).slice(0, 10));
      blocks.push(context(`Answered with \`/radar ${esc(r.line)}\` · routed by ${r.via}${r.explanation ? ` · prose by ${r.explanation.source}` : ''}`));
      // Route-only answers are not answers to rate.
      if (r.explanation || !r.ok) {
        const reason = r.explanation ? r.explanation.reason : 'the command did not run';
        blocks.push(...feedbackBlocks({ q: r.question, c: r.command, l: r.line, v: r.via, s: r.explanation?.source ?? null, r: reason }));
      }
      return blocks;
    },
  });
}
