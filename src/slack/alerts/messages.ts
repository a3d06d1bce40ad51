/**
 * Block Kit of alerts: the fired/resolved message (with its buttons), thread replies, and the daily digest.
 * Pure functions of the views in src/alerts/view.ts; every data-derived string is escaped (only &, <, >), and
 * every message stays within Slack's limits (asserted in tests).
 */
import { actions, clip, context, divider, esc, fields, header, section, type Block, type ButtonSpec } from '../../blocks/kit.js';
import type { AlertView, DigestView } from '../../alerts/view.js';
import type { IntentPayload } from '../../alerts/store.js';
import type { Rendered } from '../../alerts/poster.js';
import { localParts } from '../../time.js';
import { hhmm } from '../../alerts/rules.js';

export const ACTIONS = {
  ack: 'alert_ack',
  snooze1h: 'alert_snooze_1h',
  snooze4h: 'alert_snooze_4h',
  snoozeTomorrow: 'alert_snooze_tomorrow',
  snoozeCustom: 'alert_snooze_custom',
  mute: 'alert_mute',
  why: 'alert_why',
  whatif: 'alert_whatif',
} as const;

/** What every alert button carries (kept tiny: value ≤ 2000 chars). */
export interface ButtonValue {
  r: number;
  s: string;
  k: string;
}

export function buttonValue(v: AlertView): string {
  return JSON.stringify({ r: v.ruleId, s: v.scope, k: v.key } satisfies ButtonValue);
}

const SEV_ICON: Record<string, string> = { low: ':large_blue_circle:', medium: ':large_yellow_circle:', high: ':red_circle:', critical: ':rotating_light:' };
const CMP_WORD: Record<string, string> = { '<': 'below', '<=': 'at or below', '>': 'above', '>=': 'at or above' };

/** `<!date^…>` renders in each reader's own time zone; the fallback is the rule's zone. */
export function slackTime(ms: number, tz: string, withDate = false): string {
  const lp = localParts(ms, tz);
  const fallback = `${withDate ? lp.date + ' ' : ''}${hhmm(lp.minute)} ${tz}`;
  return `<!date^${Math.floor(ms / 1000)}^${withDate ? '{date_short_pretty} ' : ''}{time}|${fallback}>`;
}

export function durationText(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function headline(v: AlertView): string {
  const what = `${v.metricLabel} ${CMP_WORD[v.comparator]} ${v.thresholdText}`;
  if (v.status === 'resolved') return clip(`✅ Resolved — ${v.scopeLabel}: ${v.metricLabel} back to ${v.valueText}`, 150);
  return clip(`${v.severity === 'critical' ? '🚨' : '🔴'} [${v.severity.toUpperCase()}] ${v.scopeLabel}: ${what}`, 150);
}

/** Who acknowledged / snoozed / muted, for the context line. */
function people(v: AlertView, now: number): string[] {
  const out: string[] = [];
  if (v.ackedBy) out.push(`:eyes: Acknowledged by <@${esc(v.ackedBy)}>${v.ackedAt ? ` at ${slackTime(v.ackedAt, v.tz)}` : ''}`);
  if (v.snoozedUntil && v.snoozedUntil > now) out.push(`:zzz: Snoozed until ${slackTime(v.snoozedUntil, v.tz, true)}${v.snoozedBy ? ` by <@${esc(v.snoozedBy)}>` : ''}`);
  if (v.mutedUntil && v.mutedUntil > now) out.push(`:mute: Rule muted${v.mutedUntil < 253_402_300_799_000 ? ` until ${slackTime(v.mutedUntil, v.tz, true)}` : ''} — \`/radar alerts unmute ${v.ruleId}\``);
  return out;
}

/** The alert message (fired, or resolved: the same message edited). */
export function alertBlocks(v: AlertView, now: number = v.asOf): Block[] {
  const blocks: Block[] = [header(headline(v))];
  const since = `since ${slackTime(v.firedAt, v.tz, true)}`;
  if (v.status === 'firing') {
    blocks.push(
      section(
        `*${esc(v.metricLabel)}* on *${esc(v.scopeLabel)}* is *${esc(v.valueText)}* — threshold ${esc(v.comparator)} ${esc(v.thresholdText)}\n` +
          `${since} (${durationText(v.asOf - v.firedAt)})${v.peak !== null && v.peakText !== v.valueText ? ` · worst ${esc(v.peakText)}` : ''}${v.reopens ? ` · re-opened ${v.reopens}×` : ''}`,
      ),
    );
  } else {
    const lasted = v.resolvedAt !== null ? durationText(v.resolvedAt - v.firedAt) : '–';
    blocks.push(
      section(
        `~${esc(v.metricLabel)} ${esc(v.comparator)} ${esc(v.thresholdText)}~ on *${esc(v.scopeLabel)}* recovered: now *${esc(v.valueText)}*\n` +
          `Lasted ${lasted} (${slackTime(v.firedAt, v.tz, true)} → ${v.resolvedAt !== null ? slackTime(v.resolvedAt, v.tz) : '–'}) · worst ${esc(v.peakText)}${v.reopens ? ` · re-opened ${v.reopens}×` : ''}`,
      ),
    );
  }
  if (v.detail.length) blocks.push(section(clip(v.detail.slice(0, 10).map((d) => `• ${esc(d)}`).join('\n'), 2900)));
  if (v.status === 'firing' && (v.driver || v.whatIf)) {
    const lines: string[] = [];
    if (v.driver) lines.push(`*Likely driver:* ${esc(v.driver)}`);
    if (v.whatIf) lines.push(`*What would recover it:* ${esc(v.whatIf.text)}`);
    blocks.push(section(lines.join('\n')));
  }
  if (v.status === 'firing') {
    const value = buttonValue(v);
    const first: ButtonSpec[] = [];
    if (!v.ackedBy) first.push({ text: 'Acknowledge', actionId: ACTIONS.ack, value, style: 'primary' });
    first.push({ text: 'Why?', actionId: ACTIONS.why, value });
    if (v.whatIf) first.push({ text: 'Run what-if', actionId: ACTIONS.whatif, value });
    blocks.push(actions(first, `alert_main`));
    blocks.push(
      actions(
        [
          { text: 'Snooze 1 h', actionId: ACTIONS.snooze1h, value },
          { text: 'Snooze 4 h', actionId: ACTIONS.snooze4h, value },
          { text: 'Snooze until tomorrow', actionId: ACTIONS.snoozeTomorrow, value },
          { text: 'Snooze…', actionId: ACTIONS.snoozeCustom, value },
          { text: 'Mute rule', actionId: ACTIONS.mute, value, style: 'danger' },
        ],
        `alert_snooze`,
      ),
    );
  }
  const ctx = [`Rule #${v.ruleId}${v.ruleName ? ` “${esc(v.ruleName)}”` : ''}: ${esc(v.ruleSummary).replace(/&lt;#([CGD][A-Z0-9]+)(\|[a-z0-9._-]+)?&gt;/g, '<#$1$2>')}`, ...people(v, now)];
  blocks.push(context(...ctx.map((c) => clip(c, 2000))));
  return blocks;
}

export function alertText(v: AlertView): string {
  if (v.status === 'resolved') return `Resolved: ${v.scopeLabel} ${v.metricLabel} back to ${v.valueText}`;
  return `[${v.severity}] ${v.scopeLabel}: ${v.metricLabel} ${v.valueText} (threshold ${v.comparator} ${v.thresholdText})`;
}

/** Thread reply text for an event on an existing alert. */
export function replyText(v: AlertView): string {
  switch (v.event) {
    case 'resolved':
      return `:white_check_mark: Resolved: ${esc(v.metricLabel)} back to *${esc(v.valueText)}* (threshold ${esc(v.comparator)} ${esc(v.thresholdText)}). Lasted ${v.resolvedAt !== null ? durationText(v.resolvedAt - v.firedAt) : '–'}; worst ${esc(v.peakText)}.`;
    case 'reopened':
      return `:repeat: Breached again within the cooldown: ${esc(v.metricLabel)} *${esc(v.valueText)}* on ${esc(v.scopeLabel)} (threshold ${esc(v.comparator)} ${esc(v.thresholdText)}).`;
    case 'severity':
      return `:arrow_up_small: Severity ${esc(v.previousSeverity ?? '?')} → *${esc(v.severity)}*: ${esc(v.metricLabel)} now *${esc(v.valueText)}* on ${esc(v.scopeLabel)}.`;
    case 'repeat':
      return `:alarm_clock: Still firing after ${durationText(v.asOf - v.firedAt)}: ${esc(v.metricLabel)} *${esc(v.valueText)}* on ${esc(v.scopeLabel)} (threshold ${esc(v.comparator)} ${esc(v.thresholdText)}).`;
    default:
      return `${esc(v.metricLabel)} ${esc(v.valueText)} on ${esc(v.scopeLabel)}.`;
  }
}

// ------------------------------------------------------------------------------------------------ digest

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);

/** The daily digest: one message, every list clipped to fit (never more than 50 blocks / ~10k characters). */
export function digestBlocks(v: DigestView): Block[] {
  const blocks: Block[] = [header(`Daily digest — ${v.date}`)];
  const ranked = [...v.queues].sort((a, b) => (a.sl === null ? 1 : b.sl === null ? -1 : a.sl - a.targetPct / 100 - (b.sl - b.targetPct / 100)));
  const below = ranked.filter((q) => q.sl !== null && q.sl * 100 < q.targetPct).length;
  const lines = ranked.map((q) => {
    const icon = q.sl === null ? ':white_circle:' : q.sl * 100 < q.targetPct ? ':red_circle:' : q.sl * 100 < q.targetPct + 3 ? ':large_yellow_circle:' : ':large_green_circle:';
    return `${icon} *${esc(q.displayName)}* ${pct(q.sl)} vs ${q.targetPct} % · ${q.offered.toLocaleString('en-US')} offered · abandon ${pct(q.abandonRate)}${q.intervalsBelowTarget ? ` · ${q.intervalsBelowTarget} intervals below` : ''}`;
  });
  blocks.push(section(`*Yesterday's SLA* — ${below} of ${v.queues.length} queue${v.queues.length === 1 ? '' : 's'} below target`));
  blocks.push(...listSections(lines, 12, 'queues'));
  blocks.push(divider());
  blocks.push(section(`*Drift events*\n${v.drift.length ? clipList(v.drift.map((d) => `• ${esc(d.queue)}: ${esc(d.text)}`), 10, 'events') : 'None open.'}`));
  blocks.push(section(`*Top-risk open tickets*\n${v.risk.length ? clipList(v.risk.map((t) => `• ${esc(t.ticketId)} (${esc(t.queue)}) ${(t.score * 100).toFixed(0)} %${t.subject ? ` — ${esc(clip(t.subject, 80))}` : ''}`), 5, 'tickets') : esc(v.riskNote ?? 'None above the threshold.')}`));
  blocks.push(
    section(
      `*Alerts fired* — ${v.alertsFired}\n${v.alerts.length ? clipList(v.alerts.map((a) => `• ${esc(a.label)} · ${esc(a.scope)} · ${slackTime(a.firedAt, v.tz)}${a.resolvedAt ? ` → ${slackTime(a.resolvedAt, v.tz)}` : ' (still firing)'} · ${esc(a.peakText)}`), 10, 'alerts') : 'None.'}`,
    ),
  );
  blocks.push(context(`SL = answered within target ÷ offered (abandons count against it), per queue's local day. \`/radar sla yesterday\` for details · \`/radar alerts digest off\` to stop.`));
  return blocks;
}

function clipList(lines: string[], max: number, what: string): string {
  const shown = lines.slice(0, max);
  const body = clip(shown.join('\n'), 2800);
  return lines.length > max ? `${body}\n_…and ${lines.length - max} more ${what}_` : body;
}

/** Lines into at most 3 sections of `per` lines (the digest's queue table), the rest summarised. */
function listSections(lines: string[], per: number, what: string): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < lines.length && out.length < 3; i += per) out.push(section(clip(lines.slice(i, i + per).join('\n'), 2900)));
  const shown = Math.min(lines.length, 3 * per);
  if (lines.length > shown) out.push(context(`…and ${lines.length - shown} more ${what} on target or without data.`));
  if (!lines.length) out.push(section('No queues in the warehouse.'));
  return out;
}

export function digestText(v: DigestView): string {
  const below = v.queues.filter((q) => q.sl !== null && q.sl * 100 < q.targetPct).length;
  return `Daily digest ${v.date}: ${below} of ${v.queues.length} queues below target yesterday; ${v.alertsFired} alert(s) fired.`;
}

/** The poster's renderer: intent payload → message. */
export function renderIntent(p: IntentPayload, now?: number): Rendered {
  if (p.render === 'digest') {
    const v = p.view as DigestView;
    return { text: digestText(v), blocks: digestBlocks(v) };
  }
  const v = p.view as AlertView;
  if (p.render === 'alert_reply') return { text: replyText(v) };
  return { text: alertText(v), blocks: alertBlocks(v, now ?? v.asOf) };
}
