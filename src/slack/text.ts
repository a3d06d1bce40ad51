/**
 * Text as Slack sends it → the command line the user meant. Slack escapes `&`, `<`, `>` in slash-command
 * and message text and wraps mentions, channels and links in `<…>`; the grammar wants what the user typed.
 */
import type { Registry } from '../registry.js';

/**
 * Decodes Slack's markup: `<@U1|ana>` → `@ana`, `<https://x|label>` → `label`, entities → characters. A channel
 * keeps its id — `<#C1|ops>` stays `<#C1|ops>` (an empty label is dropped: `<#C1>`) — so an alert rule made in
 * Slack stores the channel's id, which never changes, with its name for display (see parseChannel).
 */
export function decodeSlackText(text: string): string {
  const channels: string[] = [];
  return text
    .replace(/\u0000/g, '')
    .replace(/<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => {
      channels.push(label ? `<#${id}|${label}>` : `<#${id}>`);
      return `\u0000${channels.length - 1}\u0000`;
    })
    .replace(/<([@#!])([^>|]+)(?:\|([^>]*))?>/g, (_m, sigil: string, id: string, label?: string) => {
      if (sigil === '!') return label || `@${id.replace(/\^.*$/, '')}`;
      return `${sigil}${label || id}`;
    })
    .replace(/<([^>|]+)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => label || url)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => channels[Number(i)]);
}

/** Removes mentions of the bot (`<@UBOT>` or `<@UBOT|radar>`) from raw message text. */
export function stripMention(raw: string, botUserId: string | undefined): string {
  if (!botUserId) return raw.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*/, '');
  return raw.replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g'), ' ');
}

/** Commands the short forms and `/radar` announce before the registry has them. */
export const UPCOMING: Readonly<Record<string, string>> = {
  drift: 'Drift will watch each queue’s drivers (arrivals, handle time, ACW, staffing) against a same-time-of-week baseline and explain an SL change by its causes — e.g. `/drift billing`.',
  why: 'Why will explain an SL change by its causes (arrivals, talk time, ACW, agents), with contributions that add up — e.g. `/radar why billing yesterday`.',
  whatif: 'What-if will recompute SL for a queue and day with changed levers — e.g. `/whatif billing tomorrow +3 agents 9-12 aht -10%`.',
  risk: 'Risk will score open tickets by their chance of escalating or breaching SLA, with the reasons for each score — e.g. `/risk billing`.',
};

/** Slash commands declared in manifest.yml that map to one registry command. */
export const SHORT_FORMS: Readonly<Record<string, string>> = { '/sla': 'sla', '/drift': 'drift', '/whatif': 'whatif', '/risk': 'risk' };

export type SlashLine = { kind: 'line'; line: string } | { kind: 'coming'; command: string; message: string };

/**
 * The registry command line for a slash command: `/radar sla billing` and `/sla billing` both give
 * `sla billing`. A short form whose command is not in the registry yet answers what is coming.
 */
export function slashLine(slash: string, decodedText: string, registry: Registry): SlashLine {
  const text = decodedText.trim();
  const short = SHORT_FORMS[slash.toLowerCase()];
  const line = short ? `${short} ${text}`.trim() : text;
  const first = (line.split(/\s+/)[0] ?? '').toLowerCase();
  if (first && !registry.get(first) && Object.hasOwn(UPCOMING, first)) return { kind: 'coming', command: first, message: comingSoon(first) };
  return { kind: 'line', line };
}

export function comingSoon(command: string): string {
  return `:construction: \`${command}\` is coming soon. ${UPCOMING[command] ?? ''}\nFor now try \`/radar sla\` or \`/radar help\`.`;
}

/**
 * When a mention or DM is a command line ("sla billing yesterday", "/radar sla", "radar help"), returns it;
 * otherwise null (a question in plain words).
 */
export function asCommandLine(text: string, registry: Registry): string | null {
  const line = text.trim().replace(/^\/?radar\b\s*/i, '');
  const first = (line.split(/\s+/)[0] ?? '').toLowerCase();
  if (!first) return null;
  return registry.get(first) || Object.hasOwn(UPCOMING, first) ? line : null;
}
