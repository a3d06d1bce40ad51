/**
 * The App Home tab: today's SLA per queue at a glance (worst first, from the `sla` command), when it was
 * refreshed, and buttons for common commands. A pure builder: data in, view out, ≤ 100 blocks.
 */
import type { SlaResult } from '../../commands/sla.js';
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
}

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
    // Room: 100 blocks minus the fixed ones (header, contexts, summary, divider, buttons title, actions, footer).
    const room = 100 - 10;
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
  blocks.push(divider());
  if (h.buttons.length) {
    blocks.push(section('*Ask me* — the answer arrives in our DM:'));
    blocks.push(actions(h.buttons.slice(0, 10).map((b): ButtonSpec => ({ text: b.text, actionId: 'run_command', value: b.line }))));
  }
  blocks.push(context('Type `/radar help` anywhere, mention me in a channel, or DM me — e.g. `sla billing yesterday`.'));
  return { type: 'home', blocks: fitView(blocks, '…more in `/radar sla`.') };
}
