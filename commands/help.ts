/** `help [command]` — every command with what it does and an example; or one command in detail. */
import { z } from 'zod';
import { defineCommand, UsageError, type AnyCommand } from '../src/registry.js';
import { closest } from '../src/grammar/tokens.js';
import { header, section, context, esc, type Block } from '../src/blocks/kit.js';

export interface HelpResult {
  commands: { name: string; summary: string; usage: string; examples: string[] }[];
  detail: boolean;
}

export function makeHelp(list: () => AnyCommand[]) {
  return defineCommand({
    name: 'help',
    summary: 'What I can do, with an example of each command.',
    usage: 'help [command]',
    examples: ['help', 'help sla'],
    aliases: ['?'],
    args: z.object({ command: z.string().nullable().default(null) }),
    parse(t) {
      return { command: t.positional[0]?.toLowerCase() ?? null };
    },
    run(_ctx, args): HelpResult {
      const all = list().filter((c) => !c.hidden);
      if (args.command) {
        const c = all.find((x) => x.name === args.command || x.aliases?.includes(args.command!));
        if (!c) {
          const guess = closest(args.command, all.map((x) => x.name));
          throw new UsageError(`There is no command "${args.command}".`, 'help', guess ?? undefined);
        }
        return { commands: [{ name: c.name, summary: c.summary, usage: c.usage, examples: c.examples }], detail: true };
      }
      return { commands: all.map((c) => ({ name: c.name, summary: c.summary, usage: c.usage, examples: c.examples })), detail: false };
    },
    text(r) {
      if (r.detail) {
        const c = r.commands[0];
        return [`${c.usage}`, `  ${c.summary}`, '', 'Examples:', ...c.examples.map((e) => `  ${e}`)].join('\n');
      }
      return ['Commands:', ...r.commands.map((c) => `\n  ${c.usage}\n      ${c.summary}\n      e.g. ${c.examples[0]}`)].join('\n');
    },
    blocks(r) {
      const blocks: Block[] = [header(r.detail ? `/radar ${r.commands[0].name}` : 'SLA Radar — what I can do')];
      for (const c of r.commands) {
        blocks.push(section(`*\`/radar ${esc(c.usage)}\`*\n${esc(c.summary)}\n${(r.detail ? c.examples : c.examples.slice(0, 2)).map((e) => `• \`/radar ${esc(e)}\``).join('\n')}`));
      }
      blocks.push(context('Ask in plain words too: mention me or DM me, e.g. "why did SLA drop yesterday on billing?"'));
      return blocks;
    },
  });
}
