/**
 * KPI reads over the warehouse. The KPI facts (migration 008) are derived from tickets and rebuilt by
 * refreshKpiFacts() when the tickets or the queues' time zones changed; every read calls ensureKpiFacts()
 * first, so a read never sees stale facts. A period's KPIs per queue come from its per-day partials
 * (no ticket is read); segments (`by channel` …) from per-segment day partials built once per dimension
 * (ensureSegmentPartials) from v_kpi_tickets.
 */
import type { Db } from './db.js';
import { listQueues } from './queries.js';
import { localParts } from '../time.js';
import {
  ticketFacts, partialOf, closedRun, emptyPartial, type TicketRecord, type TicketFact, type KpiPartial, type ClosedRun,
} from '../engines/kpi/index.js';

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/** Each queue's time zone (sla_policy, else the default). */
export function queueTimeZones(db: Db, defaultTz: string): Map<string, string> {
  return new Map(listQueues(db).map((q) => [q.queue, q.timeZone ?? defaultTz]));
}

function signature(db: Db, defaultTz: string): string {
  const t = db.prepare('SELECT COALESCE(MAX(rowid), 0) AS m FROM tickets').get() as { m: number };
  const run = db.prepare(`SELECT COALESCE(MAX(run_id), 0) AS r FROM etl_runs WHERE status = 'ok'`).get() as { r: number };
  const tz = [...queueTimeZones(db, defaultTz)].map(([q, z]) => `${q}=${z}`).join(',');
  return `v2|${t.m}|${run.r}|${defaultTz}|${tz}`;
}

const int32Blob = (runs: Int32Array[]): Buffer => (runs.length ? Buffer.from(runs[0].buffer, runs[0].byteOffset, runs[0].byteLength) : Buffer.alloc(0));
const f64Blob = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const int32Of = (b: Buffer): Int32Array => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const f64Of = (b: Buffer): Float64Array => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

const PARTIAL_COLUMNS = 'tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed, first_response, resolution, open_due, closed, last_closed_ms, open_created';

/** The stored form of the partial of some tickets' facts (kpi_daily / kpi_segment_daily columns, PARTIAL_COLUMNS order). */
function partialRow(facts: readonly TicketFact[]): (number | Buffer | null)[] {
  const p = partialOf(facts);
  const c = closedRun(facts.filter((f) => f.resolvedMs !== null));
  const both = new Float64Array(c.closedMs.length * 2);
  both.set(c.closedMs, 0);
  both.set(c.createdMs, c.closedMs.length);
  const openCreated = Float64Array.from(facts.filter((f) => f.resolvedMs === null).map((f) => f.createdMs));
  const last = c.closedMs.length ? c.closedMs[c.closedMs.length - 1] : null;
  return [p.tickets, p.resolved, p.fcr, p.reopened, p.escalatedKnown, p.escalated, p.csatN, p.csatSum, p.csatTop2, p.dueMet, p.dueMissed,
    int32Blob(p.firstResponse), int32Blob(p.resolution), p.openDue.length ? f64Blob(p.openDue[0]) : Buffer.alloc(0), f64Blob(both), last, f64Blob(openCreated)];
}

/** Rebuilds the KPI facts from all tickets (one read, one transaction). Returns the number of tickets. */
export function refreshKpiFacts(db: Db, defaultTz: string): number {
  const tzOf = queueTimeZones(db, defaultTz);
  const rows = db
    .prepare(`SELECT ticket_id, queue, created_at, first_response_at, resolved_at, due_at, csat, reopen_count, escalated, customer_id, category FROM tickets`)
    .raw()
    .all() as [string, string, string, string | null, string | null, string | null, number | null, number, number | null, string | null, string | null][];
  const records: TicketRecord[] = rows.map((r) => ({
    ticketId: r[0], createdMs: Date.parse(r[2]), firstResponseMs: ms(r[3]), resolvedMs: ms(r[4]), dueMs: ms(r[5]),
    csat: r[6], reopenCount: r[7], escalated: r[8], customerId: r[9], category: r[10],
  }));
  const facts = ticketFacts(records);
  const groups = new Map<string, { queue: string; date: string; facts: TicketFact[] }>();
  const dates: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const queue = rows[i][1];
    const date = localParts(records[i].createdMs, tzOf.get(queue) ?? defaultTz).date;
    dates[i] = date;
    const k = `${queue}\u0000${date}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { queue, date, facts: [] }));
    g.facts.push(facts[i]);
  }
  const sig = signature(db, defaultTz);
  db.transaction(() => {
    db.exec(`DELETE FROM kpi_ticket_facts; DELETE FROM kpi_daily; DELETE FROM kpi_segment_daily; DELETE FROM kpi_meta WHERE key LIKE 'seg:%';`);
    const putFact = db.prepare('INSERT INTO kpi_ticket_facts (ticket_id, queue, local_date, fcr) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < rows.length; i++) putFact.run(rows[i][0], rows[i][1], dates[i], facts[i].fcr ? 1 : 0);
    const putDay = db.prepare(`INSERT INTO kpi_daily (queue, local_date, ${PARTIAL_COLUMNS}) VALUES (?, ?, ${PARTIAL_COLUMNS.split(',').map(() => '?').join(', ')})`);
    for (const g of groups.values()) putDay.run(g.queue, g.date, ...partialRow(g.facts));
    db.prepare(`INSERT INTO kpi_meta (key, value) VALUES ('signature', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(sig);
  })();
  return rows.length;
}

/** Rebuilds the KPI facts when the tickets or time zones changed since the last build. */
export function ensureKpiFacts(db: Db, defaultTz: string): void {
  const cur = db.prepare(`SELECT value FROM kpi_meta WHERE key = 'signature'`).pluck().get() as string | undefined;
  if (cur !== signature(db, defaultTz)) refreshKpiFacts(db, defaultTz);
}

type DayRow = {
  tickets: number; resolved: number; fcr: number; reopened: number; escalated_known: number; escalated: number; csat_n: number; csat_sum: number;
  csat_top2: number; due_met: number; due_missed: number; first_response: Buffer; resolution: Buffer; open_due: Buffer;
};

const PARTIAL_READ = 'tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed, first_response, resolution, open_due';

function partialFromRow(r: DayRow): KpiPartial {
  const p = emptyPartial();
  Object.assign(p, {
    tickets: r.tickets, resolved: r.resolved, fcr: r.fcr, reopened: r.reopened, escalatedKnown: r.escalated_known, escalated: r.escalated,
    csatN: r.csat_n, csatSum: r.csat_sum, csatTop2: r.csat_top2, dueMet: r.due_met, dueMissed: r.due_missed,
  });
  if (r.first_response.length) p.firstResponse.push(int32Of(r.first_response));
  if (r.resolution.length) p.resolution.push(int32Of(r.resolution));
  if (r.open_due.length) p.openDue.push(f64Of(r.open_due));
  return p;
}

const closedOf = (b: Buffer): ClosedRun => {
  const all = f64Of(b);
  const n = all.length / 2;
  return { closedMs: all.subarray(0, n), createdMs: all.subarray(n) };
};
const openOf = (b: Buffer): ClosedRun => {
  const createdMs = f64Of(b);
  return { closedMs: new Float64Array(createdMs.length).fill(Infinity), createdMs };
};

/** The per-day partials of one queue for local dates from..to (inclusive). */
export function dailyPartials(db: Db, queue: string, from: string, to: string): KpiPartial[] {
  const rows = db.prepare(`SELECT ${PARTIAL_READ} FROM kpi_daily WHERE queue = ? AND local_date BETWEEN ? AND ?`).all(queue, from, to) as DayRow[];
  return rows.map(partialFromRow);
}

/**
 * Closed-instant runs of one queue's days up to `toDate` that may hold tickets open at `atMs`: the resolved
 * tickets of days with a resolution after `atMs`, plus every day's unresolved tickets (closed = Infinity).
 */
export function backlogRuns(db: Db, queue: string, toDate: string, atMs: number): ClosedRun[] {
  const resolved = db.prepare(`SELECT closed FROM kpi_daily WHERE queue = ? AND local_date <= ? AND last_closed_ms > ?`).pluck().all(queue, toDate, atMs) as Buffer[];
  const open = db.prepare(`SELECT open_created FROM kpi_daily WHERE queue = ? AND local_date <= ? AND length(open_created) > 0`).pluck().all(queue, toDate) as Buffer[];
  return [...resolved.map(closedOf), ...open.map(openOf)];
}

/**
 * Builds the per-segment partials of dimension `by` (kpi_segment_daily, migration 013) when they are missing or
 * older than the KPI facts (call ensureKpiFacts first). One queue-day of tickets at a time. Returns whether it built.
 */
export function ensureSegmentPartials(db: Db, defaultTz: string, by: string): boolean {
  const sig = signature(db, defaultTz);
  const key = `seg:${by}`;
  if ((db.prepare('SELECT value FROM kpi_meta WHERE key = ?').pluck().get(key) as string | undefined) === sig) return false;
  const s = segmentSql(db, by);
  const days = db.prepare('SELECT queue, local_date FROM kpi_daily ORDER BY queue, local_date').raw().all() as [string, string][];
  const read = db
    .prepare(`SELECT ${s.select}, k.queue, k.created_at, k.first_response_at, k.resolved_at, k.due_at, k.csat, k.reopen_count, k.escalated, k.fcr
              FROM v_kpi_tickets k WHERE k.queue = ? AND k.local_date = ?`)
    .raw();
  db.transaction(() => {
    db.prepare('DELETE FROM kpi_segment_daily WHERE dim = ?').run(by);
    const put = db.prepare(`INSERT INTO kpi_segment_daily (dim, queue, local_date, segment, ${PARTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ${PARTIAL_COLUMNS.split(',').map(() => '?').join(', ')})`);
    for (const [queue, date] of days) {
      const bySeg = new Map<string, TicketFact[]>();
      for (const r of read.all(queue, date) as unknown[][]) {
        const t = segmentRow(r);
        let g = bySeg.get(t.segment);
        if (!g) bySeg.set(t.segment, (g = []));
        g.push(t);
      }
      for (const [segment, facts] of bySeg) put.run(by, queue, date, segment, ...partialRow(facts));
    }
    db.prepare(`INSERT INTO kpi_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, sig);
  })();
  return true;
}

/** Per segment of `by`, the per-day partials of one queue for local dates from..to (needs ensureSegmentPartials). */
export function segmentPartials(db: Db, by: string, queue: string, from: string, to: string): Map<string, KpiPartial[]> {
  const rows = db.prepare(`SELECT segment, ${PARTIAL_READ} FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date BETWEEN ? AND ?`).all(by, queue, from, to) as (DayRow & { segment: string })[];
  const out = new Map<string, KpiPartial[]>();
  for (const r of rows) {
    let a = out.get(r.segment);
    if (!a) out.set(r.segment, (a = []));
    a.push(partialFromRow(r));
  }
  return out;
}

/** Per segment of `by`, the backlog runs of one queue at `atMs` (see backlogRuns). */
export function segmentBacklogRuns(db: Db, by: string, queue: string, toDate: string, atMs: number): Map<string, ClosedRun[]> {
  const resolved = db.prepare(`SELECT segment, closed FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date <= ? AND last_closed_ms > ?`).raw().all(by, queue, toDate, atMs) as [string, Buffer][];
  const open = db.prepare(`SELECT segment, open_created FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date <= ? AND length(open_created) > 0`).raw().all(by, queue, toDate) as [string, Buffer][];
  const out = new Map<string, ClosedRun[]>();
  const add = (seg: string, run: ClosedRun) => {
    let a = out.get(seg);
    if (!a) out.set(seg, (a = []));
    a.push(run);
  };
  for (const [seg, b] of resolved) add(seg, closedOf(b));
  for (const [seg, b] of open) add(seg, openOf(b));
  return out;
}

/** Segment columns `by` accepts, and the view column each reads (attr_* columns are checked to exist). */
export const SEGMENTS = ['queue', 'channel', 'priority', 'category', 'tier', 'team', 'agent'] as const;

/** The ticket attributes loaded (attr_<name> columns of tickets files, migration 007), as `attr_<name>`. */
export function ticketAttributes(db: Db): string[] {
  return (db.prepare(`SELECT DISTINCT 'attr_' || name FROM v_ticket_attributes ORDER BY 1`).pluck().all() as string[]);
}

export interface SegmentTicket extends TicketFact {
  segment: string;
  queue: string;
}

function segmentSql(db: Db, by: string): { select: string; join: string } {
  if (by === 'agent') return { select: `COALESCE(k.agent_name, k.agent_id, 'unassigned')`, join: '' };
  if ((SEGMENTS as readonly string[]).includes(by)) return { select: `COALESCE(k.${by}, 'none')`, join: '' };
  // The name is checked against the loaded attributes, so it is a plain identifier here.
  if (/^attr_[a-z0-9_]+$/.test(by) && ticketAttributes(db).includes(by)) {
    return { select: `COALESCE(CAST(json_extract(k.attributes, '$."${by.slice(5)}"') AS TEXT), 'none')`, join: '' };
  }
  throw new Error(`unknown segment ${by}`);
}

const segmentRow = (r: unknown[]): SegmentTicket => {
  const createdMs = Date.parse(r[2] as string);
  const fr = ms(r[3] as string | null);
  const resolvedMs = ms(r[4] as string | null);
  return {
    segment: String(r[0]), queue: r[1] as string, createdMs,
    firstResponseS: fr === null ? null : Math.round((fr - createdMs) / 1000),
    resolutionS: resolvedMs === null ? null : Math.round((resolvedMs - createdMs) / 1000),
    resolvedMs, dueMs: ms(r[5] as string | null), csat: r[6] as number | null, reopened: (r[7] as number) > 0,
    escalated: r[8] === null ? null : r[8] === 1, fcr: r[9] === 1,
  };
};

/** The queues that have tickets (a queue may have tickets but no interval data). */
export function ticketQueues(db: Db): string[] {
  return db.prepare('SELECT DISTINCT queue FROM kpi_daily ORDER BY queue').pluck().all() as string[];
}

/** A surveyed ticket with the facts the CSAT drivers read (nothing written after the survey: no remarks, no text). */
export interface SurveyedTicket {
  ticketId: string;
  createdMs: number;
  csat: number;
  queue: string;
  channel: string | null;
  priority: string | null;
  category: string | null;
  tier: string;
  team: string;
  /** Seconds created → first response / resolution; null when none. */
  firstResponseS: number | null;
  resolutionS: number | null;
  reopenCount: number;
  escalated: number | null;
  /** Transfer and reassign events of the ticket. */
  transfers: number;
  attributes: string | null;
}

/** Surveyed tickets of the queues created on local dates from..to (needs fresh KPI facts). */
export function surveyedTickets(db: Db, queues: string[], from: string, to: string): SurveyedTicket[] {
  const stmt = db
    .prepare(`SELECT k.csat, k.queue, k.channel, k.priority, k.category, k.tier, k.team, k.created_at, k.first_response_at, k.resolved_at, k.reopen_count, k.escalated, k.attributes, k.ticket_id,
                (SELECT COUNT(*) FROM v_ticket_events e WHERE e.ticket_id = k.ticket_id AND e.type IN ('transfer', 'reassign')) AS transfers
              FROM v_kpi_tickets k WHERE k.queue = ? AND k.local_date BETWEEN ? AND ? AND k.csat IS NOT NULL`)
    .raw();
  const out: SurveyedTicket[] = [];
  for (const q of queues) {
    for (const r of stmt.all(q, from, to) as unknown[][]) {
      const created = Date.parse(r[7] as string);
      const fr = ms(r[8] as string | null);
      const res = ms(r[9] as string | null);
      out.push({
        ticketId: r[13] as string, createdMs: created, csat: r[0] as number, queue: r[1] as string, channel: r[2] as string | null, priority: r[3] as string | null, category: r[4] as string | null,
        tier: r[5] as string, team: r[6] as string, firstResponseS: fr === null ? null : (fr - created) / 1000, resolutionS: res === null ? null : (res - created) / 1000,
        reopenCount: r[10] as number, escalated: r[11] as number | null, attributes: r[12] as string | null, transfers: r[14] as number,
      });
    }
  }
  return out;
}

/** Whether any transfer or reassign event is loaded (else transfers cannot be a driver). */
export function hasTransferEvents(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM v_ticket_events WHERE type IN ('transfer', 'reassign') LIMIT 1`).get() !== undefined;
}
