/**
 * The command registry: each capability is defined once (zod args, tolerant grammar, run, renderers)
 * and every surface is generated from it — `/radar <name> …` in Slack, `radar <name> …` on the CLI, and
 * the LLM router's tools. See commands/*.ts for the definitions and commands/index.ts for the list.
 */
import { z } from 'zod';
import type { Db } from './warehouse/db.js';
import type { Config } from './config.js';
import type { Block } from './blocks/kit.js';
import { tokenize, closest, type Tokens } from './grammar/tokens.js';

/** What a command may use while running. Injected by the surface; no module-level singletons. */
export interface CommandContext {
  db: Db;
  now: Date;
  config: Config;
  /** Which surface asked (renderers may differ slightly). */
  surface: 'slack' | 'cli' | 'llm' | 'alerts';
  /** Slack user id of whoever asked, when known. */
  userId?: string;
  /** Channel the request came from, when known. */
  channelId?: string;
  /** The request's id: in its log lines and in the apology a user sees when we fail. */
  requestId?: string;
  /**
   * A surface that can show partial output (the terminal) passes this: a command with a slow second part
   * (ask: the numbers, then the prose) hands it what is ready. The surface then prints the rest of the
   * final text only.
   */
  partial?: (text: string) => void;
  /** Optional logger (pino-compatible subset). */
  log?: { info: (o: object, msg?: string) => void; warn: (o: object, msg?: string) => void; error: (o: object, msg?: string) => void };
}

/** What a grammar needs to know: the warehouse's queues, the reference date and default time zone. */
export interface ParseContext {
  queues: string[];
  now: Date;
  tz: string;
  /** Time zone per queue (sla_policy), to resolve "yesterday" in the queue's own day. */
  queueTz: (queue: string) => string;
}

/** A user-caused problem with a command line: what was wrong and a correct example. */
export class UsageError extends Error {
  constructor(
    message: string,
    public readonly example: string,
    public readonly suggestion?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface RenderOptions {
  /** Post visibly in the channel rather than only to the asker. */
  public?: boolean;
}

export interface CommandDef<S extends z.ZodType = z.ZodType, R = unknown> {
  name: string;
  /** One line for `help` and for the LLM tool description. */
  summary: string;
  /** Grammar, e.g. `sla [queue] [date | from..to]`. */
  usage: string;
  /** Working examples (the first is shown after a usage error). */
  examples: string[];
  aliases?: string[];
  /** The arguments: also the LLM tool's JSON schema. */
  args: S;
  /** Tolerant grammar: tokens → a raw argument object for `args` (throw UsageError on nonsense). */
  parse(tokens: Tokens, pctx: ParseContext): z.input<S>;
  run(ctx: CommandContext, args: z.output<S>): Promise<R> | R;
  /** Plain text (CLI, notifications fallback). */
  text(result: R): string;
  /** Block Kit for Slack (optional: defaults to the text in a section). */
  blocks?(result: R, opts: RenderOptions): Block[];
  /** Hidden commands are not listed by help or offered to the LLM. */
  hidden?: boolean;
  /**
   * Whether a run with these args may write to the warehouse (rules, models, embeddings, cached text
   * signals). Surfaces run every other command on a read-only connection. Default: reads only.
   */
  writes?: (args: z.output<S>) => boolean;
  /** Answers from interval data: on a warehouse without any, say how to load it instead of parsing. */
  needsIntervals?: boolean;
}

/** What to say when a command needs interval data and the warehouse has none. */
export const NO_DATA_MESSAGE =
  'The warehouse has no interval data yet. Load the sample with `npm run demo`, or your own files with `radar ingest <files or folder>` (formats: docs/data-formats.md).';

/** Whether running `command` with `args` may write to the warehouse (see CommandDef.writes). */
export function mayWrite(command: AnyCommand, args: unknown): boolean {
  return command.writes?.(args) ?? false;
}

export function defineCommand<S extends z.ZodType, R>(def: CommandDef<S, R>): CommandDef<S, R> {
  return def;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandDef<z.ZodType, any>;

export class Registry {
  private readonly byName = new Map<string, AnyCommand>();
  constructor(readonly commands: AnyCommand[]) {
    for (const c of commands) {
      for (const n of [c.name, ...(c.aliases ?? [])]) {
        if (this.byName.has(n)) throw new Error(`duplicate command name ${n}`);
        this.byName.set(n, c);
      }
    }
  }

  get(name: string): AnyCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  visible(): AnyCommand[] {
    return this.commands.filter((c) => !c.hidden);
  }
}

export type Parsed = { ok: true; command: AnyCommand; args: unknown; public: boolean } | { ok: false; error: UsageError };

/** An argument name in the words a user typed: targetPct → "target %", maxOccupancyPct → "max occupancy %". */
export function argWords(path: PropertyKey[]): string {
  const last = String(path.filter((p) => typeof p === 'string').pop() ?? 'value');
  return last
    .replace(/Pct$/, ' %')
    .replace(/Seconds$/, ' (seconds)')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/^aht /, 'AHT ')
    .replace(/^acw /, 'ACW ')
    .replace(/^fcr /, 'FCR ')
    .replace(/^sl /, 'SL ');
}

/**
 * Zod issues in a user's words, one clause each: "target % must be at most 100; AHT % must be at least
 * -90" — never zod's wording or the schema's internal names.
 */
export function formatZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const what = argWords(i.path);
      const iss = i as unknown as { code: string; maximum?: number | bigint; minimum?: number | bigint; inclusive?: boolean; origin?: string; expected?: string; values?: unknown[] };
      const unit = iss.origin === 'string' ? ' characters' : iss.origin === 'array' ? ' items' : '';
      switch (iss.code) {
        case 'too_big':
          return `${what} must be ${iss.inclusive === false ? 'below' : 'at most'} ${iss.maximum}${unit}`;
        case 'too_small':
          return iss.origin === 'string' && Number(iss.minimum) === 1 ? `${what} is missing` : `${what} must be ${iss.inclusive === false ? 'above' : 'at least'} ${iss.minimum}${unit}`;
        case 'invalid_type':
          return `${what} must be ${iss.expected === 'number' ? 'a number' : iss.expected === 'string' ? 'text' : `a ${iss.expected}`}`;
        case 'invalid_value':
          return `${what} must be one of ${(iss.values ?? []).map(String).join(', ')}`;
        case 'not_multiple_of':
          return `${what} must be a whole number`;
        default:
          return `${what}: ${i.message}`;
      }
    })
    .join('; ');
}

/**
 * Parses a full command line ("sla billing yesterday public") into a command and validated args.
 * Never throws: unknown commands, grammar errors and schema errors all become a UsageError with an example.
 */
export function parseCommandLine(registry: Registry, text: string, pctx: ParseContext): Parsed {
  const words = text.trim().split(/\s+/).filter(Boolean);
  let isPublic = false;
  if (words.length && words[words.length - 1].toLowerCase() === 'public') {
    isPublic = true;
    words.pop();
  }
  const name = (words.shift() ?? 'help').toLowerCase();
  const command = registry.get(name);
  if (!command) {
    const guess = closest(name, registry.visible().map((c) => c.name), 3);
    const help = registry.get('help');
    const example = guess ? registry.get(guess)!.examples[0] : help?.examples[0] ?? 'help';
    return {
      ok: false,
      error: new UsageError(`I don't know the command "${name}".`, example, guess ?? undefined),
    };
  }
  if (command.needsIntervals && pctx.queues.length === 0) return { ok: false, error: new UsageError(NO_DATA_MESSAGE, command.examples[0]) };
  try {
    const tokens = tokenize(text.trim().replace(/^\S+\s*/, '').replace(/(^|\s+)public\s*$/i, ''));
    if (tokens.options.public === 'true') isPublic = true;
    delete tokens.options.public;
    delete tokens.options.json;
    // Record which options the grammar reads: a `--flag` it never looks at would be silently ignored.
    const read = new Set<string>();
    let enumerated = false;
    const watched: Tokens = {
      ...tokens,
      options: new Proxy(tokens.options, {
        get: (o, k) => (typeof k === 'string' && read.add(k), Reflect.get(o, k)),
        has: (o, k) => (typeof k === 'string' && read.add(k), Reflect.has(o, k)),
        ownKeys: (o) => ((enumerated = true), Reflect.ownKeys(o)),
      }),
    };
    const raw = command.parse(watched, pctx);
    const unknown = enumerated ? [] : (tokens.flags ?? []).filter((f) => !read.has(f) && !['public', 'json', 'chart', 'help'].includes(f));
    if (unknown.length) {
      return {
        ok: false,
        error: new UsageError(`\`${command.name}\` has no option ${unknown.map((f) => `--${f}`).join(', ')}. Its grammar: ${command.usage}.`, command.examples[0]),
      };
    }
    const parsed = command.args.safeParse(raw);
    if (!parsed.success) {
      const msg = formatZodError(parsed.error);
      return { ok: false, error: new UsageError(msg.charAt(0).toUpperCase() + msg.slice(1) + '.', command.examples[0]) };
    }
    return { ok: true, command, args: parsed.data, public: isPublic };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, error: err };
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, error: new UsageError(`I couldn't read that: ${msg}`, command.examples[0]) };
  }
}

/** Quoted user text longer than 60 characters is cut ("xxxx…" (18,000 characters)): never echo a page back. */
export function clipQuoted(message: string): string {
  return message.replace(/"([^"]{61,})"/g, (_m, q: string) => `"${q.slice(0, 60)}…" (${q.length} characters)`);
}

/** The user-facing text of a usage error: what was wrong, did-you-mean, and an example. */
export function usageText(err: UsageError, prefix = '/radar'): string {
  const lines = [clipQuoted(err.message)];
  if (err.suggestion) lines.push(`Did you mean \`${prefix} ${err.suggestion}\`?`);
  lines.push(`Example: \`${prefix} ${err.example}\``);
  return lines.join('\n');
}
