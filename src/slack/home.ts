/**
 * The App Home tab: alerts firing now (with their buttons), today's SLA per queue at a glance (worst first, from
 * the `sla` command), overdue tickets per queue (`due`), the riskiest open tickets, yesterday's headline KPIs,
 * and buttons for common commands. A pure builder: data in, view out, ≤ 100 blocks.
 */
import type { SlaResult } from '../../commands/sla.js';
import type { DueResult } from '../../commands/due.js';
import type { HeadlineRow } from '../../commands/kpi.js';
import type { AlertView } from '../alerts/view.js';
import { ACTIONS, buttonValue } from './alerts/messages.js';
import { STATUS_ICON } from '../../commands/sla.js';
import { actions, context, divider, esc, fitView, header, section, type Block, type ButtonSpec } from '../blocks/kit.js';
import { pct, pts, num } from '../format.js';

export interface HomeInput {
  /** The sla command's result for today (null when it could not run). */
  sla: SlaResult | null;
  /** A short (escaped by the builder) line shown when `sla` is null. */
  problem?: string;
  now: Date;
  /** Buttons: each runs its value as a command line (action `run_command`). */
  buttons: { text: string; line: string }[];
  /** Alerts firing now, newest first (absent: the section is left out). */
  alerts?: { view: AlertView; ackedBy: string | null; snoozedUntil: number | null }[];
  /** Open tickets by time left (`due`); null when it could not run. */
  due?: DueResult | null;
  /** The riskiest open tickets; `note` says why there are none (no model). */
  risky?: { tickets: { ticketId: string; queue: string; score: number; subject?: string }[]; note: string | null };
  /** Yesterday's headline KPIs (k17's headlineKpis); null when unavailable. */
  kpis?: { day: string; rows: HeadlineRow[] } | null;
}

const SEV_ICON: Record<string, string> = { low: ':large_blue_circle:', medium: ':large_yellow_circle:', high: ':red_circle:', critical: ':rotating_light:' };

function alertSection(a: NonNullable<HomeInput['alerts']>[number], now: Date): Block[] {
  const v = a.view;
  const mins = Math.max(0, Math.round((now.getTime() - v.firedAt) / 60_000));
  const since = mins < 60 ? `${mins} min` : `${Math.floor(mins / 60)}h ${String(mins % 60).padStart(2, '0')}m`;
  const state = [a.ackedBy ? `acknowledged by <@${esc(a.ackedBy)}>` : null, a.snoozedUntil && a.snoozedUntil > now.getTime() ? `snoozed until ${slackDate(new Date(a.snoozedUntil))}` : null].filter(Boolean).join(' · ');
  const value = buttonValue(v);
  const buttons: ButtonSpec[] = [];
  if (!a.ackedBy) buttons.push({ text: 'Acknowledge', actionId: ACTIONS.ack, value, style: 'primary' });
  buttons.push({ text: 'Why?', actionId: ACTIONS.why, value });
  if (v.whatIf) buttons.push({ text: 'Run what-if', actionId: ACTIONS.whatif, value });
  buttons.push({ text: 'Snooze 1 h', actionId: ACTIONS.snooze1h, value });
  return [
    section(`${SEV_ICON[v.severity] ?? ':red_circle:'} *${esc(v.scopeLabel)}*: ${esc(v.metricLabel)} *${esc(v.valueText)}* (${esc(v.comparator)} ${esc(v.thresholdText)}) for ${since}${state ? `\n_${state}_` : ''}`),
    actions(buttons),
  ];
}

const n1 = (x: number | null, unit = '') => (x === null || !Number.isFinite(x) ? '–' : `${Math.round(x * 10) / 10}${unit}`);

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is UTC. */
export function slackDate(d: Date): string {
  const epoch = Math.floor(d.getTime() / 1000);
  return `<!date^${epoch}^{date_short_pretty} at {time}|${d.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

export function homeView(h: HomeInput): HomeView {
  const blocks: Block[] = [header('SLA Radar')];
  if (h.alerts) {
    const shown = h.alerts.slice(0, 5);
    blocks.push(section(h.alerts.length ? `*:rotating_light: ${h.alerts.length} ${h.alerts.length === 1 ? 'alert' : 'alerts'} firing*` : '*No alerts firing* :white_check_mark:'));
    for (const a of shown) blocks.push(...alertSection(a, h.now));
    if (h.alerts.length > shown.length) blocks.push(context(`…and ${h.alerts.length - shown.length} more in their channels.`));
    blocks.push(divider());
  }
  const r = h.sla;
  const day = r ? (r.range.label === 'today' ? 'Today' : r.range.from === r.range.to ? esc(r.range.from) : `${esc(r.range.from)}..${esc(r.range.to)}`) : 'Today';
  blocks.push(context(`${day}'s SLA per queue, worst first · refreshed ${slackDate(h.now)} (reopen this tab to refresh)`));
  if (!r) {
    blocks.push(section(`:warning: ${esc(h.problem ?? 'The SLA summary is not available right now.')}`));
  } else {
    if (r.note) blocks.push(context(esc(r.note)));
    if (!r.queues.length) blocks.push(section('No queues in the warehouse yet. Load data with `radar ingest <files>` or run `radar demo`.'));
    const counts = { below_target: 0, at_risk: 0, on_target: 0, no_data: 0 };
    for (const q of r.queues) counts[q.status]++;
    if (r.queues.length) {
      blocks.push(section(`*${counts.below_target}* below target · *${counts.at_risk}* at risk · *${counts.on_target}* on target${counts.no_data ? ` · ${counts.no_data} without calls` : ''}`));
    }
    // Room: 100 blocks minus the fixed ones (header, contexts, summary, dividers, buttons title, actions, footer)
    // and the alerts, tickets and KPI sections (≤ 20).
    const room = 100 - 30;
    for (const q of r.queues.slice(0, room)) {
      const vs = q.total.sl === null ? 'no calls' : `${pts(q.total.sl - q.target.pct / 100)} vs ${q.target.pct} %/${q.target.seconds}s`;
      blocks.push(
        section(
          `${STATUS_ICON[q.status]} *${esc(q.displayName)}*  SL *${pct(q.total.sl)}* (${vs})\n` +
            `Offered ${num(q.total.offered)} · abandon ${pct(q.total.abandonRate)} · 14 days \`${q.sparkline || '–'}\``,
        ),
      );
    }
    if (r.queues.length > room) blocks.push(context(`…and ${r.queues.length - room} more queues: \`/radar sla\` lists them all.`));
  }
  if (h.due !== undefined) {
    blocks.push(divider());
    if (!h.due) blocks.push(section('*Tickets due* — not available right now.'));
    else {
      const overdue = h.due.byQueue.reduce((t, c) => t + c.overdue, 0);
      const perQueue = h.due.byQueue.filter((c) => c.overdue > 0).map((c) => `*${esc(c.queue)}* ${c.overdue}`).join(' · ');
      const next = h.due.tickets.filter((t) => !t.overdue).slice(0, 3).map((t) => `\`${esc(t.ticketId)}\` ${esc(t.queue)} in ${Math.round((t.businessMinutesLeft ?? t.minutesLeft) / 60 * 10) / 10} h`).join(' · ');
      blocks.push(section(`*Tickets overdue: ${overdue}*${perQueue ? ` — ${perQueue}` : ''}${next ? `\nDue next: ${next}` : ''}`));
    }
  }
  if (h.risky) {
    const top = h.risky.tickets.slice(0, 5);
    const lines = top.map((t) => `• \`${esc(t.ticketId)}\` ${esc(t.queue)} · *${Math.round(t.score * 100)} %* · ${esc((t.subject ?? '').slice(0, 80))}`);
    blocks.push(section(`*Riskiest open tickets*${lines.length ? `\n${lines.join('\n')}` : ` — ${esc(h.risky.note ?? 'none open')}`}`));
  }
  if (h.kpis !== undefined) {
    const all = h.kpis?.rows.find((r) => r.segment === 'all') ?? h.kpis?.rows[0];
    if (h.kpis && all) {
      blocks.push(
        section(
          `*Yesterday (${esc(h.kpis.day)})* — ${all.tickets} tickets · CSAT ${n1(all.csatMean)} (${all.csatResponses}) · FCR ${n1(all.fcrPct, ' %')} · ` +
            `first response p90 ${n1(all.firstResponseP90Minutes, ' min')} · resolved within SLA ${n1(all.slaCompliancePct, ' %')} · backlog ${all.backlog}`,
        ),
      );
    } else blocks.push(section('*Yesterday\'s KPIs* — no tickets yesterday.'));
  }
  blocks.push(divider());
  if (h.buttons.length) {
    blocks.push(section('*Ask me* — the answer arrives in our DM:'));
    blocks.push(actions(h.buttons.slice(0, 10).map((b): ButtonSpec => ({ text: b.text, actionId: 'run_command', value: b.line }))));
  }
  blocks.push(context('Type `/radar help` anywhere, mention me in a channel, or DM me — e.g. `sla billing yesterday`.'));
  return { type: 'home', blocks: fitView(blocks, '…more in `/radar sla`.') };
}
