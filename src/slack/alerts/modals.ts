/**
 * Modals of alerting: a new rule (for `/radar alerts add` without text) and a custom snooze. The rule modal's
 * fields are turned back into rule text and read by the same grammar as the slash command, so both paths
 * validate identically.
 */
import { clip, type Block } from '../../blocks/kit.js';
import { METRICS, METRIC_INFO } from '../../alerts/metrics.js';
import { SEVERITIES } from '../../alerts/rules.js';

export const RULE_MODAL = 'radar_alert_rule';
export const SNOOZE_MODAL = 'radar_alert_snooze';

const plain = (text: string) => ({ type: 'plain_text' as const, text: clip(text, 75), emoji: true });
const option = (text: string, value: string) => ({ text: plain(text), value });

function input(blockId: string, label: string, element: Record<string, unknown>, opts: { optional?: boolean; hint?: string } = {}): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    element: { action_id: 'value', ...element },
    optional: opts.optional ?? false,
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
  };
}

export interface RuleModalMetadata {
  channel: string | null;
}

/** The "new alert rule" modal. `queues` fill the queue picker (≤ 100 options). */
export function ruleModal(queues: string[], meta: RuleModalMetadata): Record<string, unknown> {
  const blocks: Block[] = [
    input('metric', 'Metric', {
      type: 'static_select',
      options: METRICS.map((m) => option(`${METRIC_INFO[m].label} (${m})`, m)),
      initial_option: option(`${METRIC_INFO.sl.label} (sl)`, 'sl'),
    }),
    input('comparator', 'Fires when the value is', {
      type: 'static_select',
      options: [option('below (<)', '<'), option('at or below (<=)', '<='), option('above (>)', '>'), option('at or above (>=)', '>=')],
      initial_option: option('below (<)', '<'),
    }),
    input('threshold', 'Threshold', { type: 'plain_text_input', placeholder: plain('75 — or target, target-5') }, { hint: 'SL and abandon in %, ASA in seconds, arrivals in z.' }),
    input('for', 'For at least', { type: 'plain_text_input', initial_value: '2 intervals', placeholder: plain('2 intervals, 30m, 1h') }, { hint: 'Anti-flap: how long the condition must hold before it fires.' }),
    input(
      'queues',
      'Queues',
      queues.length
        ? { type: 'multi_static_select', options: queues.slice(0, 100).map((q) => option(q, q)), placeholder: plain('All queues') }
        : { type: 'plain_text_input', placeholder: plain('all, or billing,tech_support') },
      { optional: true, hint: 'Leave empty for all queues.' },
    ),
    input('channel', 'Post to', { type: 'conversations_select', ...(meta.channel ? { initial_conversation: meta.channel } : {}), filter: { include: ['public', 'private'], exclude_bot_users: true } }),
    input('severity', 'Severity', { type: 'static_select', options: SEVERITIES.map((s) => option(s, s)), initial_option: option('medium', 'medium') }),
    input('quiet', 'Quiet hours', { type: 'plain_text_input', placeholder: plain('22:00-07:00') }, { optional: true, hint: 'Notifications wait until quiet hours end.' }),
    input('tz', 'Time zone', { type: 'plain_text_input', placeholder: plain('Europe/London') }, { optional: true, hint: "Default: the queue's time zone (one queue) or ALERTS_TZ." }),
    input('name', 'Name', { type: 'plain_text_input', max_length: 80 }, { optional: true }),
  ];
  return {
    type: 'modal',
    callback_id: RULE_MODAL,
    title: plain('New alert rule'),
    submit: plain('Save rule'),
    close: plain('Cancel'),
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { type: string; value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[]; selected_conversation?: string | null }>>;

/** Field values of the rule modal → rule text for the grammar (quoted where needed). */
export function ruleTextFromModal(values: StateValues): { text: string; missing: Record<string, string> } {
  const v = (b: string) => values[b]?.value;
  const missing: Record<string, string> = {};
  const metric = v('metric')?.selected_option?.value;
  const cmp = v('comparator')?.selected_option?.value ?? '<';
  const threshold = v('threshold')?.value?.trim();
  if (!threshold) missing.threshold = 'Give a threshold, e.g. 75 or target-5.';
  const dur = v('for')?.value?.trim();
  const queues = v('queues')?.selected_options?.map((o) => o.value) ?? (v('queues')?.value ? [v('queues')!.value!.trim()] : []);
  const channel = v('channel')?.selected_conversation ?? null;
  const severity = v('severity')?.selected_option?.value ?? 'medium';
  const quiet = v('quiet')?.value?.trim();
  const tz = v('tz')?.value?.trim();
  const name = v('name')?.value?.trim();
  const q = (s: string) => (/\s/.test(s) ? `"${s.replace(/"/g, "'")}"` : s);
  const parts = [metric ?? '', cmp, threshold ?? ''];
  if (dur) parts.push(/^\d+$/.test(dur) ? `for ${dur} intervals` : `for ${dur}`);
  parts.push(`queue=${queues.length ? queues.join(',') : 'all'}`);
  if (channel) parts.push(`channel=${channel}`);
  parts.push(`severity=${severity}`);
  if (quiet) parts.push(`quiet=${quiet.replace(/\s+/g, '')}`);
  if (tz) parts.push(`tz=${tz}`);
  if (name) parts.push(q(`name=${name}`));
  return { text: parts.filter(Boolean).join(' '), missing };
}

/** Which modal block a grammar error most likely concerns (for `response_action: errors`). */
export function blockForError(message: string): string {
  const m = message.toLowerCase();
  if (m.includes('threshold') || m.includes('percentage') || m.includes('target')) return 'threshold';
  if (m.includes('duration') || m.includes('"for"')) return 'for';
  if (m.includes('queue')) return 'queues';
  if (m.includes('quiet') || m.includes('time window')) return 'quiet';
  if (m.includes('time zone') || m.includes('tz')) return 'tz';
  if (m.includes('channel')) return 'channel';
  if (m.includes('metric')) return 'metric';
  return 'threshold';
}

export interface SnoozeMetadata {
  r: number;
  s: string;
  k: string;
  c: string | null;
  t: string | null;
}

export function snoozeModal(meta: SnoozeMetadata, scopeLabel: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: SNOOZE_MODAL,
    title: plain('Snooze alert'),
    submit: plain('Snooze'),
    close: plain('Cancel'),
    private_metadata: JSON.stringify(meta),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Silence this alert on *${scopeLabel.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)}* — its state is still tracked, and a resolve is still posted.` } },
      input('duration', 'For how long, or until when', { type: 'plain_text_input', placeholder: plain('90m, 2h, 1d, or 17:30') }),
    ],
  };
}
