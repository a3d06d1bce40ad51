/**
 * Runs one command line through the registry: parse with the command's grammar, validate with its zod
 * schema, run, and render. Shared by every surface so they answer identically. Never throws for user
 * mistakes: those come back as `{ ok: false, usage }` with a message and a correct example.
 */
import { randomUUID } from 'node:crypto';
import { parseCommandLine, usageText, UsageError, type AnyCommand, type CommandContext, type Registry } from './registry.js';
import { buildParseContext } from './parseContext.js';
import type { Block } from './blocks/kit.js';
import { section, context, esc } from './blocks/kit.js';

export type Execution =
  | { ok: true; command: AnyCommand; args: unknown; result: unknown; public: boolean }
  | { ok: false; kind: 'usage'; error: UsageError; message: string }
  | { ok: false; kind: 'internal'; ref: string; message: string; cause: unknown };

export async function execute(registry: Registry, text: string, ctx: CommandContext, prefix = '/radar'): Promise<Execution> {
  const pctx = buildParseContext(ctx.db, ctx.config, ctx.now);
  const parsed = parseCommandLine(registry, text, pctx);
  if (!parsed.ok) return { ok: false, kind: 'usage', error: parsed.error, message: usageText(parsed.error, prefix) };
  return runParsed(parsed.command, parsed.args, parsed.public, ctx, prefix);
}

/** Runs already-validated args (the LLM router and buttons come here too). */
export async function runParsed(command: AnyCommand, args: unknown, isPublic: boolean, ctx: CommandContext, prefix = '/radar'): Promise<Execution> {
  try {
    const result = await command.run(ctx, args);
    return { ok: true, command, args, result, public: isPublic };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, kind: 'usage', error: err, message: usageText(err, prefix) };
    const ref = ctx.requestId ?? randomUUID().slice(0, 8);
    ctx.log?.error({ err, ref, requestId: ref, command: command.name }, 'command failed');
    return { ok: false, kind: 'internal', ref, cause: err, message: `Sorry — something went wrong on our side answering that (ref ${ref}). The team can find the details in the logs.` };
  }
}

/** Text of an execution (CLI and notification fallbacks). */
export function renderText(e: Execution): string {
  if (!e.ok) return e.message;
  return e.command.text(e.result);
}

/** Block Kit of an execution; commands without a Block Kit renderer get their text in a code block. */
export function renderBlocks(e: Execution): Block[] {
  // Messages quote what the user typed: escape them like any other data.
  if (!e.ok) return [section(e.kind === 'usage' ? `:warning: ${esc(e.message)}` : `:x: ${esc(e.message)}`)];
  if (e.command.blocks) return e.command.blocks(e.result, { public: e.public });
  return [section('```' + e.command.text(e.result).slice(0, 2900) + '```'), context(`/radar ${e.command.name}`)];
}
