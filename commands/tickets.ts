/**
 * `tickets <words> [queue] [date | from..to] [priority=…] [status=…] [limit=N]` — search ticket text (subject,
 * body, comments) by BM25, hybrid with embeddings when configured; `tickets similar T-123` — tickets like a
 * given one; `tickets index` (terminal) — build or update the embeddings incrementally, with a progress bar.
 */
import { z } from 'zod';
import { defineCommand, UsageError, type ParseContext } from '../src/registry.js';
import type { Tokens } from '../src/grammar/tokens.js';
import { dateRangeSchema, takeRange } from './args.js';
import { addDays, isoSeconds, localMidnightUtc } from '../src/time.js';
import { listQueues } from '../src/warehouse/queries.js';
import {
  rankTickets, similarTickets, buildEmbeddings, embedderFromConfig, embeddingCount, type RankedHit, type BuildReport,
} from '../src/engines/retrieval/index.js';
import { header, section, context, esc, button, type Block } from '../src/blocks/kit.js';
import { num } from '../src/format.js';

const EXAMPLE = 'tickets invoice portal billing last 7 days';
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const STATUSES = ['open', 'pending', 'solved', 'closed'] as const;

export const ticketsArgs = z
  .object({
    mode: z.enum(['search', 'similar', 'index']).default('search').describe('search by words; similar = tickets like ticketId; index = build embeddings (terminal only)'),
    query: z.string().min(1).nullable().default(null).describe('Words to look for in ticket subject, body and comments (search mode)'),
    ticketId: z.string().min(1).nullable().default(null).describe('A ticket id such as T-10234 (similar mode)'),
    queue: z.string().min(1).nullable().default(null).describe('Queue name; null = all queues'),
    range: dateRangeSchema.nullable().default(null).describe('Created on these local dates (inclusive); null = any time'),
    priority: z.array(z.enum(PRIORITIES)).default([]).describe('Only these priorities; empty = any'),
    status: z.array(z.enum(STATUSES)).default([]).describe('Only these statuses; empty = any'),
    limit: z.number().int().min(1).max(50).default(10).describe('How many tickets to show'),
    attributes: z.record(z.string().regex(/^[a-z0-9_]+$/), z.string().min(1)).default({}).describe('Ticket attributes that must match, by name without attr_ (e.g. {"region": "EMEA"} from attr_region=EMEA)'),
  })
  .refine((a) => a.mode !== 'search' || a.query !== null, { message: 'say what to search for, e.g. `tickets invoice portal`', path: ['query'] })
  .refine((a) => a.mode !== 'similar' || a.ticketId !== null, { message: 'say which ticket, e.g. `tickets similar T-10234`', path: ['ticketId'] });
export type TicketsArgs = z.output<typeof ticketsArgs>;

export interface TicketsResult {
  mode: 'search' | 'similar' | 'index';
  query: string | null;
  ticket: { ticketId: string; subject: string; queue: string; createdAt: string; category: string | null } | null;
  filters: { queue: string | null; range: { from: string; to: string; label: string } | null; priority: string[]; status: string[]; attributes?: Record<string, string> };
  ranking: 'bm25' | 'hybrid';
  matched: number;
  note: string | null;
  hits: RankedHit[];
  index: BuildReport | null;
}

function listOpt<T extends string>(v: string | undefined, allowed: readonly T[], what: string): T[] {
  if (v === undefined) return [];
  const out = v.split(/[,|]/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = out.filter((x) => !(allowed as readonly string[]).includes(x));
  if (bad.length) throw new UsageError(`Unknown ${what} "${bad.join(', ')}": use ${allowed.join(', ')}.`, `tickets refund ${what}=${allowed[allowed.length - 1]}`);
  return out as T[];
}

/** Only an exact (case/underscore-insensitive) queue word is a filter here: other words are search terms. */
function takeExactQueue(t: Tokens, pctx: ParseContext): { queue: string | null; rest: string[] } {
  const opt = t.options.queue ?? t.options.q;
  const norm = (s: string) => s.toLowerCase().replace(/[\s_\-.]+/g, '');
  if (opt !== undefined) {
    const q = pctx.queues.find((x) => norm(x) === norm(opt));
    if (!q) throw new UsageError(`I don't know the queue "${opt}". Known queues: ${pctx.queues.join(', ') || '(none loaded yet)'}.`, EXAMPLE);
    return { queue: q, rest: t.positional };
  }
  for (let i = 0; i < t.positional.length; i++) {
    const q = pctx.queues.find((x) => norm(x) === norm(t.positional[i]));
    if (q) return { queue: q, rest: [...t.positional.slice(0, i), ...t.positional.slice(i + 1)] };
  }
  return { queue: null, rest: t.positional };
}

const ticketIdLike = (s: string) => /^[a-z]{1,6}-?\d+$/i.test(s);

export const tickets = defineCommand({
  name: 'tickets',
  summary: 'Search tickets by words (subject, body, comments) with filters, or find tickets similar to one.',
  usage: 'tickets <words> [queue] [date | from..to] [priority=high,urgent] [status=open] [attr_<name>=value] [limit=N] | tickets similar <ticket id> | tickets index',
  examples: [EXAMPLE, 'tickets "refund" status=open', 'tickets similar T-10234', 'tickets login error tech_support yesterday priority=urgent'],
  aliases: ['ticket', 'search'],
  args: ticketsArgs,
  parse(t, pctx): z.input<typeof ticketsArgs> {
    const priority = listOpt(t.options.priority, PRIORITIES, 'priority');
    const status = listOpt(t.options.status, STATUSES, 'status');
    const limitOpt = t.options.limit ?? t.options.n;
    const limit = limitOpt === undefined ? undefined : Number(limitOpt);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.options)) if (k.startsWith('attr_') && v !== undefined) attributes[k.slice(5)] = v;
    const first = t.positional[0]?.toLowerCase();
    if (first === 'index' && t.positional.length === 1) return { mode: 'index' as const };
    if ((first === 'similar' || first === 'like') && t.positional.length >= 2) {
      const rest = { ...t, positional: t.positional.slice(1) };
      const idIdx = rest.positional.findIndex(ticketIdLike);
      if (idIdx < 0) throw new UsageError(`Which ticket? "${rest.positional.join(' ')}" is not a ticket id.`, 'tickets similar T-10234');
      const ticketId = rest.positional[idIdx];
      rest.positional = rest.positional.filter((_, i) => i !== idIdx);
      const { queue, rest: r1 } = takeExactQueue(rest, pctx);
      const { range, rest: r2 } = takeRange(rest, r1, queue ? pctx.queueTz(queue) : pctx.tz, pctx, 'tickets similar T-10234 last 30 days');
      if (r2.length) throw new UsageError(`I didn't understand "${r2.join(' ')}".`, 'tickets similar T-10234');
      return { mode: 'similar' as const, ticketId, queue, range, priority, status, limit, attributes };
    }
    const { queue, rest } = takeExactQueue(t, pctx);
    const { range, rest: words } = takeRange(t, rest, queue ? pctx.queueTz(queue) : pctx.tz, pctx, EXAMPLE);
    // A quoted group arrives as one token with spaces: keep it a phrase.
    const query = words.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ').trim();
    return { mode: 'search' as const, query: query || null, queue, range, priority, status, limit, attributes };
  },
  writes: (args) => args.mode === 'index',
  async run(ctx, args): Promise<TicketsResult> {
    const embedder = embedderFromConfig(ctx.config);
    const filters = { queue: args.queue, range: args.range, priority: args.priority, status: args.status, attributes: args.attributes };
    const base: TicketsResult = { mode: args.mode, query: args.query, ticket: null, filters, ranking: 'bm25', matched: 0, note: null, hits: [], index: null };
    if (args.mode === 'index') {
      if (!embedder) throw new UsageError('Embeddings are not configured: set EMBEDDINGS_MODEL and OPENAI_BASE_URL (or OPENAI_API_KEY). Search works without them (BM25).', 'tickets invoice portal');
      if (ctx.surface !== 'cli') throw new UsageError('Building embeddings runs from the terminal: `radar tickets index`.', 'tickets invoice portal');
      const tty = process.stderr.isTTY === true;
      const cliProgress = tty ? (await import('cli-progress')).default : null;
      const bar = cliProgress ? new cliProgress.SingleBar({ stream: process.stderr, format: 'embedding [{bar}] {percentage}% | {value}/{total} tickets | eta {eta}s', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      let started = false;
      try {
        const report = await buildEmbeddings(ctx.db, embedder, {
          now: ctx.now,
          onProgress: (p) => {
            if (!bar || p.total === 0) return;
            if (!started) {
              bar.start(p.total, 0);
              started = true;
            }
            bar.update(p.done);
          },
        });
        return { ...base, index: report, note: `${report.embedded} embedded, ${report.skipped} already current; ${embeddingCount(ctx.db, embedder.model)} tickets have vectors for ${embedder.model}.` };
      } finally {
        if (started) bar?.stop();
      }
    }
    const known = listQueues(ctx.db).map((q) => q.queue);
    if (args.queue && known.length && !known.includes(args.queue)) {
      const inTickets = ctx.db.prepare('SELECT 1 FROM tickets WHERE queue = ? LIMIT 1').get(args.queue);
      if (!inTickets) throw new UsageError(`No tickets for queue "${args.queue}". Queues: ${known.join(', ')}.`, EXAMPLE);
    }
    const tz = (args.queue ? listQueues(ctx.db).find((q) => q.queue === args.queue)?.timeZone : null) ?? ctx.config.RADAR_TZ;
    const window = args.range
      ? { createdFrom: isoSeconds(localMidnightUtc(args.range.from, tz)), createdTo: isoSeconds(localMidnightUtc(addDays(args.range.to, 1), tz)) }
      : {};
    const opts = { queue: args.queue, ...window, priority: args.priority, status: args.status, attributes: args.attributes, limit: args.limit };
    if (args.mode === 'similar') {
      const s = similarTickets(ctx.db, args.ticketId!, { ...opts, model: embedder?.model ?? null });
      if (!s.ticket) throw new UsageError(`There is no ticket "${args.ticketId}".`, 'tickets similar T-10234');
      return { ...base, ticket: s.ticket, ranking: s.ranking, matched: s.matched, note: s.note, hits: s.hits };
    }
    const r = await rankTickets(ctx.db, args.query!, { ...opts, embedder });
    return { ...base, ranking: r.ranking, matched: r.matched, note: r.note, hits: r.hits };
  },
  text(r) {
    if (r.mode === 'index') return r.note ?? 'Embeddings are up to date.';
    const lines = [headline(r)];
    if (r.note) lines.push(`(${r.note})`);
    if (!r.hits.length) {
      lines.push(r.mode === 'similar' ? 'No similar tickets found.' : 'No tickets match. Try fewer or other words, or a wider date range.');
      return lines.join('\n');
    }
    r.hits.forEach((h, i) => {
      lines.push(`${String(i + 1).padStart(2)}. ${h.ticketId}  ${h.createdAt.slice(0, 10)}  ${h.queue}  ${h.priority}/${h.status}  ${h.subject}`);
      if (h.snippet) lines.push(`    ${h.snippet}`);
    });
    if (r.matched > r.hits.length) lines.push(`… ${num(r.matched - r.hits.length)} more${r.matched >= 1000 ? '+' : ''} matching tickets.`);
    return lines.join('\n');
  },
  blocks(r) {
    if (r.mode === 'index') return [section(esc(r.note ?? 'Embeddings are up to date.'))];
    const blocks: Block[] = [header(clipHeader(headline(r)))];
    if (!r.hits.length) {
      blocks.push(section(r.mode === 'similar' ? 'No similar tickets found.' : 'No tickets match. Try fewer or other words, or a wider date range.'));
    }
    for (const h of r.hits.slice(0, 20)) {
      const snip = h.snippet ? `\n>${highlight(h.snippet)}` : '';
      blocks.push(
        section(
          `*${esc(h.ticketId)}* · ${esc(h.subject)}\n${esc(h.queue)} · ${esc(h.priority)} · ${esc(h.status)} · ${h.createdAt.slice(0, 10)}${snip}`,
          button({ text: 'Similar', actionId: 'run_command', value: `tickets similar ${h.ticketId}` }),
        ),
      );
    }
    const more = r.matched > r.hits.length ? ` · ${num(r.matched - r.hits.length)} more match` : '';
    blocks.push(context(`${r.ranking === 'hybrid' ? 'Ranked by BM25 + embeddings (reciprocal-rank fusion)' : 'Ranked by BM25 (subject counts 3×, comments ½×)'}${more}${r.note ? ` · ${esc(r.note)}` : ''}`));
    return blocks;
  },
});

function headline(r: TicketsResult): string {
  const f = r.filters;
  const scope = [f.queue, f.range?.label, f.priority.length ? `priority ${f.priority.join('/')}` : null, f.status.length ? `status ${f.status.join('/')}` : null, ...Object.entries(f.attributes ?? {}).map(([k, v]) => `${k} ${v}`)].filter(Boolean).join(', ');
  const what = r.mode === 'similar' ? `Tickets similar to ${r.ticket?.ticketId} “${r.ticket?.subject}”` : `Tickets matching “${r.query}”`;
  return `${what}${scope ? ` — ${scope}` : ''}`;
}

function clipHeader(s: string): string {
  return s.length > 150 ? `${s.slice(0, 149)}…` : s;
}

/** Escapes a snippet for mrkdwn and turns its «match» marks into bold. */
export function highlight(snippet: string): string {
  return esc(snippet).replace(/«([^«»]*)»/g, (_, m: string) => (m.trim() ? `*${m}*` : m));
}
