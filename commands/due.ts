/**
 * `due [queue] [within 2h] [hours=08:00-18:00 [days=mon-fri]] [limit=N]` — the ticket SLA watch: open tickets by time
 * left to `due_at`, overdue first, with each one's escalation risk beside it (the active risk model; "no
 * model" when none is trained). Time left is counted in business hours where they are configured
 * (RADAR_BUSINESS_HOURS or `hours=`), in the queue's time zone; otherwise in wall-clock time.
 */
import { z } from 'zod';
import { defineCommand, UsageError, type CommandContext } from '../src/registry.js';
import { listQueues } from '../src/warehouse/queries.js';
import { isoSeconds } from '../src/time.js';
import { takeQueue, noLeftovers } from './args.js';
import { header, section, context, esc, clip, type Block } from '../src/blocks/kit.js';
import { num } from '../src/format.js';
import { businessMinutesBetween, describeHours, hoursFor, parseBusinessHoursConfig, parseHours, type BusinessHours } from '../src/businessHours.js';
import { scoreOpenTickets } from './riskScoring.js';

const EXAMPLE = 'due billing within 2h';
const HOURS_EXAMPLE = 'due billing hours=08:00-18:00 days=mon-fri';

const hoursSchema = z.object({ from: z.number().int().min(0).max(1440), to: z.number().int().min(0).max(1440), days: z.array(z.number().int().min(0).max(6)).min(1) });

export const dueArgs = z.object({
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = all queues'),
  withinMinutes: z.number().int().min(1).max(60 * 24 * 60).nullable().default(null).describe('Only tickets overdue or due within this many minutes (business minutes where business hours apply); null = every open ticket with a due time'),
  hours: hoursSchema.nullable().default(null).describe('Business hours to count time left in (overrides RADAR_BUSINESS_HOURS); null = the configured ones, else wall-clock time'),
  limit: z.number().int().min(1).max(100).default(20).describe('How many tickets to list'),
});
export type DueArgs = z.output<typeof dueArgs>;

export interface DueTicket {
  ticketId: string;
  queue: string;
  subject: string;
  priority: string;
  status: string;
  createdAt: string;
  dueAt: string;
  /** Wall-clock minutes from now to due_at (negative: overdue). */
  minutesLeft: number;
  /** Business minutes from now to due_at (negative: overdue), when business hours apply to the queue. */
  businessMinutesLeft: number | null;
  overdue: boolean;
  /** Escalation probability from the active model; null without one. */
  risk: number | null;
}

export interface DueQueueCount {
  queue: string;
  open: number;
  overdue: number;
  /** Not overdue, due within the window (when one was asked). */
  dueSoon: number;
}

export interface DueResult {
  queue: string | null;
  withinMinutes: number | null;
  asOf: string;
  /** Business hours per queue shown (text), when any apply. */
  businessHours: Record<string, string>;
  tickets: DueTicket[];
  /** Matching tickets before the limit. */
  matched: number;
  byQueue: DueQueueCount[];
  openWithoutDue: number;
  risk: { model: boolean; note: string | null };
}

interface Row {
  ticket_id: string;
  queue: string;
  subject: string | null;
  priority: string;
  status: string;
  created_at: string;
  due_at: string | null;
}

/** "2h", "90m", "1h30m", "2 hours", "1.5h", "2d" → minutes, or null. */
export function parseDuration(text: string): number | null {
  const t = text.toLowerCase().replace(/\s+/g, '');
  const m = /^(?:(\d+(?:\.\d+)?)d(?:ays?)?)?(?:(\d+(?:\.\d+)?)h(?:ours?|rs?)?)?(?:(\d+)m(?:in(?:utes?|s)?)?)?$/.exec(t);
  if (!m || (!m[1] && !m[2] && !m[3])) return null;
  const v = Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return v > 0 ? Math.round(v) : null;
}

/** Time left as people say it: "2h 05m", "−1d 3h" (overdue), "45m". */
export function timeLeft(minutes: number): string {
  const neg = minutes < 0;
  let m = Math.round(Math.abs(minutes));
  const d = Math.floor(m / 1440);
  m -= d * 1440;
  const h = Math.floor(m / 60);
  m -= h * 60;
  const s = d ? `${d}d ${h}h` : h ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
  return neg ? `${s} overdue` : s;
}

function openTickets(ctx: CommandContext, queue: string | null): Row[] {
  const now = isoSeconds(ctx.now.getTime());
  return ctx.db
    .prepare(
      `SELECT ticket_id, queue, subject, priority, status, created_at, due_at FROM tickets
       WHERE resolved_at IS NULL AND status IN ('open', 'pending') AND created_at <= ? ${queue ? 'AND queue = ?' : ''}`,
    )
    .all(...(queue ? [now, queue] : [now])) as Row[];
}

export const due = defineCommand({
  name: 'due',
  summary: 'Open tickets by time left to their due time, overdue first, with their escalation risk (the ticket SLA watch).',
  usage: 'due [queue] [within 2h] [hours=08:00-18:00 [days=mon-fri]] [limit=N]',
  examples: [EXAMPLE, 'due', 'due tech_support within 30m', HOURS_EXAMPLE],
  aliases: ['breaching', 'overdue'],
  args: dueArgs,
  parse(t, pctx): z.input<typeof dueArgs> {
    const { queue, rest } = takeQueue(t, pctx, EXAMPLE);
    let withinMinutes: number | undefined;
    const words = [...rest];
    const opt = t.options.within;
    if (opt !== undefined) {
      const v = parseDuration(opt);
      if (v === null) throw new UsageError(`I couldn't read "within=${opt}" as a duration.`, EXAMPLE);
      withinMinutes = v;
    }
    const at = words.findIndex((w) => w.toLowerCase() === 'within' || w.toLowerCase() === 'in' || w.toLowerCase() === 'next');
    if (at >= 0) {
      // "within 2h", "within 2 hours", "next 90m"
      const one = words[at + 1] ? parseDuration(words[at + 1]) : null;
      const two = words[at + 2] ? parseDuration(`${words[at + 1]}${words[at + 2]}`) : null;
      const v = two ?? one;
      if (v === null) throw new UsageError(`Within how long? "${words.slice(at, at + 3).join(' ')}" is not a duration.`, EXAMPLE);
      words.splice(at, two !== null ? 3 : 2);
      withinMinutes = v;
    }
    let hours: BusinessHours | undefined;
    if (t.options.hours !== undefined || t.options.days !== undefined) {
      const span = (t.options.hours ?? '00:00-24:00').replace(/^(\d{1,2})-(\d{1,2})$/, '$1:00-$2:00');
      const h = parseHours(`${span}${t.options.days ? ` ${t.options.days}` : ''}`);
      if (!h) throw new UsageError(`I couldn't read hours=${t.options.hours ?? ''}${t.options.days ? ` days=${t.options.days}` : ''} as business hours.`, HOURS_EXAMPLE);
      hours = h;
    }
    const limitOpt = t.options.limit ?? t.options.n;
    const limit = limitOpt === undefined ? undefined : Number(limitOpt);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100)) throw new UsageError(`limit must be a whole number from 1 to 100, not "${limitOpt}".`, 'due billing limit=10');
    noLeftovers(words, EXAMPLE);
    return { queue, withinMinutes, hours, limit };
  },
  run(ctx, args): DueResult {
    const queues = new Map(listQueues(ctx.db).map((q) => [q.queue, q]));
    const configured = parseBusinessHoursConfig(ctx.config.RADAR_BUSINESS_HOURS);
    const nowMs = ctx.now.getTime();
    const rows = openTickets(ctx, args.queue);
    const hoursOf = (queue: string) => args.hours ?? hoursFor(configured, queue);
    const tzOf = (queue: string) => queues.get(queue)?.timeZone ?? ctx.config.RADAR_TZ;
    let scores = new Map<string, number>();
    let riskNote: string | null = null;
    try {
      scores = new Map(scoreOpenTickets(ctx.db, ctx.now, { queue: args.queue }).map((s) => [s.ticketId, s.score]));
    } catch (err) {
      riskNote = err instanceof UsageError || /model/i.test(String((err as Error)?.message)) ? 'no model (train one with `radar risk train`)' : `risk unavailable: ${(err as Error).message}`;
    }
    const withDue: DueTicket[] = [];
    let openWithoutDue = 0;
    const counts = new Map<string, DueQueueCount>();
    for (const r of rows) {
      const c = counts.get(r.queue) ?? { queue: r.queue, open: 0, overdue: 0, dueSoon: 0 };
      counts.set(r.queue, c);
      c.open++;
      if (!r.due_at) {
        openWithoutDue++;
        continue;
      }
      const dueMs = Date.parse(r.due_at);
      const h = hoursOf(r.queue);
      const minutesLeft = (dueMs - nowMs) / 60_000;
      const businessMinutesLeft = h ? businessMinutesBetween(nowMs, dueMs, h, tzOf(r.queue)) : null;
      const overdue = dueMs <= nowMs;
      const left = businessMinutesLeft ?? minutesLeft;
      if (overdue) c.overdue++;
      else if (args.withinMinutes !== null && left <= args.withinMinutes) c.dueSoon++;
      if (!overdue && args.withinMinutes !== null && left > args.withinMinutes) continue;
      withDue.push({
        ticketId: r.ticket_id, queue: r.queue, subject: r.subject ?? '', priority: r.priority, status: r.status, createdAt: r.created_at, dueAt: r.due_at,
        minutesLeft, businessMinutesLeft, overdue, risk: scores.get(r.ticket_id) ?? null,
      });
    }
    // Overdue first (most overdue first), then least time left; the wall clock breaks business-time ties
    // (two tickets due overnight both have the same business minutes left).
    withDue.sort((a, b) => (a.businessMinutesLeft ?? a.minutesLeft) - (b.businessMinutesLeft ?? b.minutesLeft) || a.minutesLeft - b.minutesLeft || (a.ticketId < b.ticketId ? -1 : 1));
    const businessHours: Record<string, string> = {};
    for (const q of counts.keys()) {
      const h = hoursOf(q);
      if (h) businessHours[q] = describeHours(h);
    }
    return {
      queue: args.queue,
      withinMinutes: args.withinMinutes,
      asOf: isoSeconds(nowMs),
      businessHours,
      tickets: withDue.slice(0, args.limit),
      matched: withDue.length,
      byQueue: [...counts.values()].sort((a, b) => b.overdue - a.overdue || b.dueSoon - a.dueSoon || a.queue.localeCompare(b.queue)),
      openWithoutDue,
      risk: { model: riskNote === null, note: riskNote },
    };
  },
  text(r) {
    const lines = [`Due — ${r.queue ?? 'all queues'}${r.withinMinutes ? `, overdue or due within ${timeLeft(r.withinMinutes)}` : ''} (as of ${r.asOf})`];
    lines.push(r.byQueue.map((c) => `${c.queue}: ${c.overdue} overdue${r.withinMinutes ? `, ${c.dueSoon} due soon` : ''} of ${c.open} open`).join(' · ') || 'No open tickets.');
    if (Object.keys(r.businessHours).length) lines.push(`Time left in business hours: ${Object.entries(r.businessHours).map(([q, h]) => `${q} ${h}`).join(', ')}`);
    if (r.tickets.length) {
      lines.push('');
      const w = Math.max(6, ...r.tickets.map((t) => t.ticketId.length));
      lines.push(`${'ticket'.padEnd(w)}  ${'queue'.padEnd(12)}  ${'time left'.padStart(16)}  ${'risk'.padStart(5)}  subject`);
      for (const t of r.tickets) {
        const risk = t.risk === null ? '–' : `${Math.round(t.risk * 100)} %`;
        lines.push(`${t.ticketId.padEnd(w)}  ${t.queue.padEnd(12)}  ${timeLeft(t.businessMinutesLeft ?? t.minutesLeft).padStart(16)}  ${risk.padStart(5)}  ${t.subject.slice(0, 60)}`);
      }
    } else lines.push('', r.withinMinutes ? 'Nothing overdue or due in that window.' : 'No open ticket has a due time.');
    if (r.matched > r.tickets.length) lines.push(`…and ${r.matched - r.tickets.length} more (limit=N to see more).`);
    if (r.openWithoutDue) lines.push(`${r.openWithoutDue} open ${r.openWithoutDue === 1 ? 'ticket has' : 'tickets have'} no due time.`);
    lines.push(`Risk: ${r.risk.model ? 'escalation probability from the active model' : r.risk.note}.`);
    return lines.join('\n');
  },
  blocks(r): Block[] {
    const blocks: Block[] = [header(`Due — ${clip(r.queue ?? 'all queues', 100)}${r.withinMinutes ? `, within ${timeLeft(r.withinMinutes)}` : ''}`)];
    const summary = r.byQueue.map((c) => `*${esc(c.queue)}* ${c.overdue ? `:red_circle: ${num(c.overdue)} overdue` : '0 overdue'}${r.withinMinutes ? ` · ${num(c.dueSoon)} due soon` : ''} · ${num(c.open)} open`).join('\n');
    blocks.push(section(summary || 'No open tickets.'));
    if (r.tickets.length) {
      const lines = r.tickets.map((t) => {
        const icon = t.overdue ? ':red_circle:' : (t.businessMinutesLeft ?? t.minutesLeft) <= 120 ? ':large_orange_circle:' : ':white_circle:';
        const risk = t.risk === null ? 'risk –' : `risk *${Math.round(t.risk * 100)} %*`;
        return `${icon} \`${esc(t.ticketId)}\` ${esc(t.queue)} · *${timeLeft(t.businessMinutesLeft ?? t.minutesLeft)}* · ${risk} · ${esc(t.priority)}\n      ${esc(clip(t.subject, 120))}`;
      });
      // Sections hold ≤ 3000 chars: ten tickets a section.
      for (let i = 0; i < lines.length; i += 10) blocks.push(section(lines.slice(i, i + 10).join('\n')));
    } else blocks.push(section(r.withinMinutes ? 'Nothing overdue or due in that window. :white_check_mark:' : 'No open ticket has a due time.'));
    const notes: string[] = [];
    if (r.matched > r.tickets.length) notes.push(`…and ${r.matched - r.tickets.length} more (\`limit=N\`)`);
    if (r.openWithoutDue) notes.push(`${r.openWithoutDue} open without a due time`);
    if (Object.keys(r.businessHours).length) notes.push(`time left in business hours (${esc(Object.entries(r.businessHours).map(([q, h]) => `${q} ${h}`).join(', '))})`);
    notes.push(r.risk.model ? 'risk: escalation probability, active model' : `risk: ${esc(r.risk.note ?? 'no model')}`);
    blocks.push(context(notes.join(' · ')));
    return blocks;
  },
});
