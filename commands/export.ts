/**
 * `export <kpi|sla|intervals|tickets|risk> [queue] [range] [csv|json] [--out FILE]` — a file for BI tools.
 * CSV (header row, RFC 4180) or JSON Lines (one object per line), ISO-8601 UTC timestamps, written a batch at
 * a time. `intervals` and `tickets` use the ingest's columns (a round trip export → ingest gives the same
 * rows); `sla` is the daily rows per queue, `kpi` the kpi command's rows (with the previous period's values
 * as previous_*), `risk` the open tickets' scores under the active model.
 * The command writes the file and returns where: the CLI writes `--out FILE` (default a name in the current
 * folder); Slack gets a temporary file, uploads it into the answer's thread and deletes it. `--out` is
 * refused anywhere but the terminal.
 */
import { z } from 'zod';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineCommand, UsageError, type CommandContext } from '../src/registry.js';
import { dateRangeSchema, noLeftovers, takeQueue, takeRange } from './args.js';
import { RowWriter, exportIntervals, exportTickets, attributeNames, exportQueues, INTERVAL_COLUMNS, TICKET_COLUMNS, AGENT_COLUMNS, type ExportFormat, type ExportValue } from '../src/warehouse/export.js';
import { listQueues, dailyRows, dominantTimeZone } from '../src/warehouse/queries.js';
import { addDays, localMidnightUtc, localToday, isoSeconds } from '../src/time.js';
import { runKpi, maySeeAgents, type KpiRow } from './kpi.js';
import { scoreOpenTickets } from './riskScoring.js';
import { header, section, context, esc, type Block } from '../src/blocks/kit.js';
import { num } from '../src/format.js';

const EXAMPLE = 'export tickets billing last 30 days csv';
export const DATASETS = ['kpi', 'sla', 'intervals', 'tickets', 'risk'] as const;
export type Dataset = (typeof DATASETS)[number];

export const exportArgs = z.object({
  dataset: z.enum(DATASETS).describe('What to export'),
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = every queue'),
  range: dateRangeSchema.nullable().default(null).describe('Local dates, inclusive; null = everything (intervals, tickets) or the last 7 complete days (kpi, sla)'),
  format: z.enum(['csv', 'json']).default('csv').describe('csv (header row) or json (JSON Lines: one object per line)'),
  out: z.string().min(1).nullable().default(null).describe('Terminal only: the file to write'),
});
export type ExportArgs = z.output<typeof exportArgs>;

export interface ExportResult {
  kind: 'export';
  dataset: Dataset;
  format: ExportFormat;
  queue: string | null;
  range: { from: string; to: string; label: string } | null;
  columns: string[];
  rows: number;
  bytes: number;
  /** Absolute path of the written file. */
  path: string;
  /** The file's name for an upload. */
  filename: string;
  /** A temporary file the surface deletes after delivering it (Slack); false for `--out`. */
  temporary: boolean;
  /** Columns left out of the file and why (agent-level data for someone who may not see it); null = none. */
  withheld: { columns: string[]; reason: string } | null;
}

/** Why a tickets export has no agent columns (said with the file). */
export const AGENT_WITHHELD = 'agent-level data goes only to RADAR_ADMINS, in a direct message with the bot';

const KPI_FIELDS: (keyof KpiRow['previous'])[] = [
  'tickets', 'resolved', 'fcrPct', 'csatMean', 'csatTop2Pct', 'csatResponses', 'firstResponseP50Minutes', 'firstResponseP90Minutes', 'firstResponseP95Minutes',
  'resolutionP50Hours', 'resolutionP90Hours', 'resolutionP95Hours', 'slaCompliancePct', 'reopenPct', 'escalatedPct', 'backlog', 'backlogAgeP50Hours', 'backlogOldestHours', 'ahtSeconds',
];
const SLA_FIELDS = ['date', 'queue', 'intervals', 'offered', 'handled', 'abandoned', 'answeredWithinTarget', 'sl', 'abandonRate', 'ahtSeconds', 'acwSeconds', 'agentHours', 'avgAgents', 'slTargetPct', 'slTargetSeconds', 'intervalsBelowTarget', 'forecastOffered'] as const;
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function defaultFile(a: ExportArgs): string {
  const parts = ['radar', a.dataset, a.queue, a.range ? `${a.range.from}..${a.range.to}` : null].filter(Boolean) as string[];
  return `${parts.join('-').replace(/[^\w.-]+/g, '_')}.${a.format === 'csv' ? 'csv' : 'jsonl'}`;
}

function queuesOf(ctx: CommandContext, queue: string | null): string[] {
  const all = exportQueues(ctx.db);
  if (queue && !all.includes(queue)) throw new UsageError(`No intervals or tickets for queue "${queue}".`, EXAMPLE);
  return queue ? [queue] : all;
}

function lastWeek(ctx: CommandContext, queue: string | null) {
  const infos = listQueues(ctx.db);
  const tz = queue ? infos.find((q) => q.queue === queue)?.timeZone ?? ctx.config.RADAR_TZ : dominantTimeZone(infos, ctx.config.RADAR_TZ);
  const today = localToday(ctx.now, tz);
  return { from: addDays(today, -7), to: addDays(today, -1), label: 'last 7 days' };
}

export function runExport(ctx: CommandContext, a: ExportArgs): ExportResult {
  if (a.out && ctx.surface !== 'cli') throw new UsageError('--out writes a file on the machine running SLA Radar, so it works only in the terminal. In Slack the file is uploaded into the thread.', 'export tickets billing last 30 days csv');
  const temporary = !a.out;
  const path = a.out ? resolve(a.out) : join(mkdtempSync(join(tmpdir(), 'radar-export-')), defaultFile(a));
  const filename = a.out ? path.split(/[\\/]/).pop()! : defaultFile(a);
  const db = ctx.db;
  let w: RowWriter;
  let range = a.range;
  let withheld: ExportResult['withheld'] = null;
  if (a.dataset === 'intervals') {
    const queues = queuesOf(ctx, a.queue);
    w = new RowWriter(path, INTERVAL_COLUMNS, a.format);
    exportIntervals(db, w, queues, range?.from ?? null, range?.to ?? null);
  } else if (a.dataset === 'tickets') {
    const queues = queuesOf(ctx, a.queue);
    const tzOf = new Map(listQueues(db).map((q) => [q.queue, q.timeZone ?? ctx.config.RADAR_TZ]));
    const attrs = attributeNames(db);
    const cols = maySeeAgents(ctx) ? TICKET_COLUMNS : TICKET_COLUMNS.filter((c) => !AGENT_COLUMNS.includes(c));
    if (cols.length < TICKET_COLUMNS.length) withheld = { columns: AGENT_COLUMNS, reason: AGENT_WITHHELD };
    w = new RowWriter(path, [...cols, ...attrs.map((n) => `attr_${n}`)], a.format);
    const bounds = queues.map((q) => {
      const tz = tzOf.get(q) ?? ctx.config.RADAR_TZ;
      return { queue: q, fromIso: range ? isoSeconds(localMidnightUtc(range.from, tz)) : null, toIso: range ? isoSeconds(localMidnightUtc(addDays(range.to, 1), tz)) : null };
    });
    exportTickets(db, w, bounds, attrs, cols);
  } else if (a.dataset === 'sla') {
    range ??= lastWeek(ctx, a.queue);
    const queues = a.queue ? queuesOf(ctx, a.queue) : [];
    w = new RowWriter(path, SLA_FIELDS.map(snake), a.format);
    for (const r of dailyRows(db, range.from, range.to, queues)) w.push(SLA_FIELDS.map((f) => (r as unknown as Record<string, ExportValue>)[f] ?? null));
  } else if (a.dataset === 'kpi') {
    const k = runKpi(ctx, { queue: a.queue, range, by: null, metric: null, mode: 'summary' });
    range = { from: k.period.from, to: k.period.to, label: k.period.label };
    w = new RowWriter(path, ['period_from', 'period_to', 'segment', ...KPI_FIELDS.map(snake), ...KPI_FIELDS.map((f) => `previous_${snake(f)}`)], a.format);
    for (const r of k.rows) w.push([k.period.from, k.period.to, r.segment, ...KPI_FIELDS.map((f) => (r[f] as ExportValue) ?? null), ...KPI_FIELDS.map((f) => (r.previous[f] as ExportValue) ?? null)]);
  } else {
    let scores;
    try {
      scores = scoreOpenTickets(db, ctx.now, { queue: a.queue });
    } catch (e) {
      if (/no active .* risk model/.test(String((e as Error).message))) throw new UsageError('No risk model is trained yet, so there are no scores to export. Train one first: `risk train`.', 'risk train');
      throw e;
    }
    w = new RowWriter(path, ['ticket_id', 'queue', 'created_at', 'priority', 'score', 'flagged', 'outside_support', 'scored_at'], a.format);
    const at = isoSeconds(ctx.now.getTime());
    for (const s of scores.sort((x, y) => y.score - x.score)) w.push([s.ticketId, s.queue, s.createdAt ?? null, s.priority ?? null, s.score, s.flagged ? 1 : 0, s.outsideSupport ? 1 : 0, at]);
  }
  w.close();
  return { kind: 'export', dataset: a.dataset, format: a.format, queue: a.queue, range, columns: w.columns, rows: w.rows, bytes: w.bytes, path, filename, temporary, withheld };
}

function describe(r: ExportResult): string {
  const what = `${r.dataset}${r.queue ? ` for ${r.queue}` : ''}${r.range ? `, ${r.range.from}..${r.range.to}` : ', all dates'}`;
  const size = r.bytes >= 1 << 20 ? `${num(r.bytes / (1 << 20), 1)} MB` : `${num(r.bytes / 1024, 1)} KB`;
  return `Export of ${what}: ${num(r.rows)} ${r.rows === 1 ? 'row' : 'rows'}, ${r.format === 'csv' ? 'CSV' : 'JSON Lines'}, ${size}.`;
}

const withheldLine = (r: ExportResult): string | null => (r.withheld ? `Without ${r.withheld.columns.join(', ')}: ${r.withheld.reason}.` : null);

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Export kpi, sla, intervals, tickets or risk scores as CSV (header row) or JSON Lines for BI tools; ISO-8601 UTC timestamps; intervals and tickets re-ingest to the same rows. In Slack the file is uploaded into the thread; in the terminal --out FILE. Agent-level data: the tickets export\'s agent_id column goes only to RADAR_ADMINS asking in a DM with the bot (others get the file without it, told why); the terminal always includes it, since its operator owns the warehouse file.',
  usage: 'export <kpi|sla|intervals|tickets|risk> [queue] [date | from..to] [csv|json] [--out FILE]',
  examples: [EXAMPLE, 'export kpi last week', 'export intervals 2026-11-01..2026-11-07 json', 'export risk billing'],
  args: exportArgs,
  // kpi rebuilds its facts on the first read after tickets change.
  writes: (a) => a.dataset === 'kpi',
  parse(t, pctx) {
    let words = [...t.positional];
    const di = words.findIndex((w) => (DATASETS as readonly string[]).includes(w.toLowerCase()));
    if (di < 0) throw new UsageError(`Say what to export: ${DATASETS.join(', ')}.`, EXAMPLE);
    const dataset = words[di].toLowerCase() as Dataset;
    words.splice(di, 1);
    let format: ExportFormat | null = null;
    const fi = words.findIndex((w) => /^(csv|json|jsonl)$/i.test(w));
    if (fi >= 0) {
      format = words[fi].toLowerCase() === 'csv' ? 'csv' : 'json';
      words.splice(fi, 1);
    }
    if (t.options.format) format = /^jsonl?$/i.test(t.options.format) ? 'json' : /^csv$/i.test(t.options.format) ? 'csv' : (t.options.format as ExportFormat);
    const out = t.options.out ?? null;
    if (out === 'true') throw new UsageError('--out needs a file name.', 'export tickets --out tickets.csv');
    if (!format && out) format = /\.(jsonl|ndjson|json)$/i.test(out) ? 'json' : 'csv';
    const { queue, rest } = takeQueue({ ...t, positional: words }, pctx, EXAMPLE);
    words = rest;
    const tz = queue ? pctx.queueTz(queue) : pctx.tz;
    const { range, rest: left } = takeRange(t, words, tz, pctx, EXAMPLE);
    noLeftovers(left, EXAMPLE);
    return { dataset, queue, range, format: format ?? 'csv', out };
  },
  run: runExport,
  text(r: ExportResult) {
    return [describe(r), withheldLine(r), `Wrote ${r.path}`, `Columns: ${r.columns.join(', ')}`].filter(Boolean).join('\n');
  },
  blocks(r: ExportResult): Block[] {
    const w = withheldLine(r);
    return [header(`Export: ${r.dataset}`), section(esc(`${describe(r)} The file follows in the thread.`)), ...(w ? [section(esc(`:lock: ${w}`))] : []), context(esc(`Columns: ${r.columns.join(', ')}`.slice(0, 2900)))];
  },
});
