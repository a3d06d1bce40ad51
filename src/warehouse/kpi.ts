/**
 * KPI reads over the warehouse. The KPI facts (migrations 008, 013, 016) are derived from tickets: a snapshot
 * per ticket of what it contributes (kpi_ticket_facts), one KPI cell per queue and local creation day
 * (kpi_daily) and, for each segment dimension asked for once, per segment of those days (kpi_segment_daily).
 * They are built in full on the first read (or when the queues' time zones changed), then maintained
 * incrementally: triggers log the tickets (customers, agents) that change, and applyKpiChanges() — run by
 * the ingest inside its transaction, and by every read through ensureKpiFacts() — updates only the cells
 * those tickets touch, before and after (a ticket can change retroactively: reopened, CSAT arriving later,
 * moved to another queue). A period's KPIs come from its cells; no read scans the tickets.
 */
import type Database from 'better-sqlite3';
import { stmt, type Db } from './db.js';
import { listQueues } from './queries.js';
import { localParts } from '../time.js';
import {
  ticketFacts, cellOf, updateCell, emptyCell, CellOutOfStep, emptyPartial,
  type TicketRecord, type TicketFact, type KpiPartial, type ClosedRun, type KpiCell,
} from '../engines/kpi/index.js';

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/** Each queue's time zone (sla_policy, else the default). */
export function queueTimeZones(db: Db, defaultTz: string): Map<string, string> {
  return new Map(listQueues(db).map((q) => [q.queue, q.timeZone ?? defaultTz]));
}

/** What the built facts depend on besides the tickets (whose changes the triggers log): the time zones. */
function signature(db: Db, defaultTz: string): string {
  const tz = [...queueTimeZones(db, defaultTz)].map(([q, z]) => `${q}=${z}`).join(',');
  return `v3|${defaultTz}|${tz}`;
}

const meta = (db: Db, key: string): string | undefined => stmt(db, 'SELECT value FROM kpi_meta WHERE key = ?').pluck().get(key) as string | undefined;
const setMeta = (db: Db, key: string, value: string): void => {
  db.prepare(`INSERT INTO kpi_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
};

/** A blob as a typed array: a view when the bytes are aligned (better-sqlite3 gives each blob its own buffer), else a copy. */
const int32Of = (b: Buffer): Int32Array =>
  b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const f64Of = (b: Buffer): Float64Array =>
  b.byteOffset % 8 === 0 ? new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8) : new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const blob = (a: Int32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const CELL_COUNTS = 'tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed';
const PARTIAL_COLUMNS = `${CELL_COUNTS}, first_response, resolution, open_due, closed, last_closed_ms, open_created`;
const PLACEHOLDERS = PARTIAL_COLUMNS.split(',').map(() => '?').join(', ');

/** A cell as kpi_daily / kpi_segment_daily columns (PARTIAL_COLUMNS order). closed = [resolved ms …, created ms …]. */
function cellRow(c: KpiCell): (number | Buffer | null)[] {
  const closed = new Float64Array(c.closedMs.length * 2);
  closed.set(c.closedMs, 0);
  closed.set(c.closedCreatedMs, c.closedMs.length);
  const last = c.closedMs.length ? c.closedMs[c.closedMs.length - 1] : null;
  return [c.tickets, c.resolved, c.fcr, c.reopened, c.escalatedKnown, c.escalated, c.csatN, c.csatSum, c.csatTop2, c.dueMet, c.dueMissed,
    blob(c.firstResponse), blob(c.resolution), blob(c.openDue), blob(closed), last, blob(c.openCreated)];
}

/** A stored cell back (PARTIAL_COLUMNS order, raw). */
function cellFromRow(r: unknown[]): KpiCell {
  const closed = f64Of(r[14] as Buffer);
  const n = closed.length / 2;
  return {
    tickets: r[0] as number, resolved: r[1] as number, fcr: r[2] as number, reopened: r[3] as number, escalatedKnown: r[4] as number, escalated: r[5] as number,
    csatN: r[6] as number, csatSum: r[7] as number, csatTop2: r[8] as number, dueMet: r[9] as number, dueMissed: r[10] as number,
    firstResponse: int32Of(r[11] as Buffer), resolution: int32Of(r[12] as Buffer), openDue: f64Of(r[13] as Buffer),
    closedMs: closed.slice(0, n), closedCreatedMs: closed.slice(n), openCreated: f64Of(r[16] as Buffer),
  };
}

/** One ticket's snapshot (a kpi_ticket_facts row): its cell, its KPI facts, its FCR flag and its segment values. */
interface FactRow {
  ticketId: string;
  queue: string;
  localDate: string;
  fact: TicketFact;
  customerId: string | null;
  category: string | null;
  channel: string;
  priority: string;
  tier: string;
  team: string;
  agentId: string | null;
  agent: string;
  attributes: string | null;
}

const FACT_COLUMNS = 'ticket_id, queue, local_date, created_ms, first_response_s, resolution_s, resolved_ms, due_ms, csat, reopened, escalated, fcr, customer_id, category, channel, priority, tier, team, agent_id, agent, attributes';

function factRowValues(r: FactRow): (string | number | null)[] {
  const f = r.fact;
  return [r.ticketId, r.queue, r.localDate, f.createdMs, f.firstResponseS, f.resolutionS, f.resolvedMs, f.dueMs, f.csat, f.reopened ? 1 : 0,
    f.escalated === null ? null : f.escalated ? 1 : 0, f.fcr ? 1 : 0, r.customerId, r.category, r.channel, r.priority, r.tier, r.team, r.agentId, r.agent, r.attributes];
}

function factRowOf(v: unknown[]): FactRow {
  return {
    ticketId: v[0] as string, queue: v[1] as string, localDate: v[2] as string,
    fact: {
      createdMs: v[3] as number, firstResponseS: v[4] as number | null, resolutionS: v[5] as number | null, resolvedMs: v[6] as number | null, dueMs: v[7] as number | null,
      csat: v[8] as number | null, reopened: v[9] === 1, escalated: v[10] === null ? null : v[10] === 1, fcr: v[11] === 1,
    },
    customerId: v[12] as string | null, category: v[13] as string | null, channel: v[14] as string, priority: v[15] as string, tier: v[16] as string,
    team: v[17] as string, agentId: v[18] as string | null, agent: v[19] as string, attributes: v[20] as string | null,
  };
}

/** What the FCR rule reads of a snapshot (repeat contacts: same customer and category). */
const recordOfRow = (r: FactRow): TicketRecord => ({
  ticketId: r.ticketId, createdMs: r.fact.createdMs, firstResponseMs: null, resolvedMs: r.fact.resolvedMs, dueMs: r.fact.dueMs, csat: r.fact.csat,
  reopenCount: r.fact.reopened ? 1 : 0, escalated: null, customerId: r.customerId, category: r.category,
});

/** The tickets as they are now, with their segment values (all, or those with the ids in `ids`). */
const CURRENT_SQL = `SELECT t.ticket_id, t.queue, t.created_at, t.first_response_at, t.resolved_at, t.due_at, t.csat, t.reopen_count, t.escalated, t.customer_id, t.category,
    t.channel, t.priority, COALESCE(c.tier, 'unknown'), COALESCE(a.team, 'unassigned'), t.agent_id, COALESCE(a.name, t.agent_id, 'unassigned'), t.attributes
  FROM tickets t LEFT JOIN customers c ON c.customer_id = t.customer_id LEFT JOIN agents a ON a.agent_id = t.agent_id`;

/** Current tickets → snapshot rows; FCR over exactly these tickets (a full build passes them all). */
function currentRows(db: Db, defaultTz: string, ids: string[] | null): FactRow[] {
  const tzOf = queueTimeZones(db, defaultTz);
  const raw = (ids === null
    ? db.prepare(CURRENT_SQL).raw().all()
    : db.prepare(`${CURRENT_SQL} WHERE t.ticket_id IN (SELECT value FROM json_each(?))`).raw().all(JSON.stringify(ids))) as unknown[][];
  const records: TicketRecord[] = raw.map((r) => ({
    ticketId: r[0] as string, createdMs: Date.parse(r[2] as string), firstResponseMs: ms(r[3] as string | null), resolvedMs: ms(r[4] as string | null), dueMs: ms(r[5] as string | null),
    csat: r[6] as number | null, reopenCount: r[7] as number, escalated: r[8] as number | null, customerId: r[9] as string | null, category: r[10] as string | null,
  }));
  const facts = ticketFacts(records);
  return raw.map((r, i) => ({
    ticketId: records[i].ticketId, queue: r[1] as string, localDate: localParts(records[i].createdMs, tzOf.get(r[1] as string) ?? defaultTz).date, fact: facts[i],
    customerId: records[i].customerId, category: records[i].category, channel: r[11] as string, priority: r[12] as string, tier: r[13] as string, team: r[14] as string,
    agentId: r[15] as string | null, agent: r[16] as string, attributes: r[17] as string | null,
  }));
}

/** The segment value of a snapshot for a dimension (`channel`, …, `attr_<name>`). */
function segmentOf(by: string, r: FactRow): string {
  switch (by) {
    case 'channel': return r.channel;
    case 'priority': return r.priority;
    case 'category': return r.category ?? 'none';
    case 'tier': return r.tier;
    case 'team': return r.team;
    case 'agent': return r.agent;
    default: {
      if (!by.startsWith('attr_')) throw new Error(`unknown segment ${by}`);
      const v = r.attributes === null ? undefined : (JSON.parse(r.attributes) as Record<string, unknown>)[by.slice(5)];
      return v === undefined || v === null ? 'none' : String(v);
    }
  }
}

const cellKey = (...parts: string[]) => parts.join('\u0000');

/** Rebuilds all KPI facts from the tickets (one read, one transaction); segment cells are rebuilt on their next use. Returns the number of tickets. */
export function refreshKpiFacts(db: Db, defaultTz: string): number {
  const rows = currentRows(db, defaultTz, null);
  const groups = new Map<string, { queue: string; date: string; facts: TicketFact[] }>();
  for (const r of rows) {
    const k = cellKey(r.queue, r.localDate);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { queue: r.queue, date: r.localDate, facts: [] }));
    g.facts.push(r.fact);
  }
  const sig = signature(db, defaultTz);
  db.transaction(() => {
    const generation = String(Number(meta(db, 'generation') ?? 0) + 1);
    db.exec(`DELETE FROM kpi_ticket_facts; DELETE FROM kpi_daily; DELETE FROM kpi_segment_daily; DELETE FROM kpi_meta; DELETE FROM kpi_dirty; DELETE FROM kpi_dirty_people;`);
    const putFact = db.prepare(`INSERT INTO kpi_ticket_facts (${FACT_COLUMNS}) VALUES (${FACT_COLUMNS.split(',').map(() => '?').join(', ')})`);
    for (const r of rows) putFact.run(...factRowValues(r));
    const putDay = db.prepare(`INSERT INTO kpi_daily (queue, local_date, ${PARTIAL_COLUMNS}) VALUES (?, ?, ${PLACEHOLDERS})`);
    for (const g of groups.values()) putDay.run(g.queue, g.date, ...cellRow(cellOf(g.facts)));
    setMeta(db, 'generation', generation);
    setMeta(db, 'signature', sig);
  })();
  return rows.length;
}

/** Above this many changed tickets (and this share of all), a full build is cheaper than cell updates. */
const FULL_BUILD_MIN = 50_000;
const FULL_BUILD_SHARE = 0.25;

export type KpiMaintenance = { mode: 'fresh' | 'incremental' | 'full' | 'deferred'; tickets: number; cells: number };

const SNAPSHOT_SQL = `SELECT ${FACT_COLUMNS} FROM kpi_ticket_facts`;

/**
 * Applies the logged ticket changes to the KPI facts: for every changed ticket, what its snapshot contributed
 * leaves its old cells and what it contributes now joins its new ones; the FCR of the other tickets of each
 * (customer, category) concerned is recomputed and applied the same way. Only the cells touched are read and
 * written. Returns what it did ('deferred' = too many changes, left for a full build). Throws CellOutOfStep
 * when a cell does not hold what a snapshot says it contributed (the caller rebuilds in full).
 */
function applyChanges(db: Db, defaultTz: string): KpiMaintenance {
  const ids = stmt(db, `SELECT ticket_id FROM kpi_dirty
      UNION SELECT f.ticket_id FROM kpi_dirty_people p JOIN kpi_ticket_facts f ON f.customer_id = p.id WHERE p.kind = 'customer'
      UNION SELECT f.ticket_id FROM kpi_dirty_people p JOIN kpi_ticket_facts f ON f.agent_id = p.id WHERE p.kind = 'agent'`).pluck().all() as string[];
  if (!ids.length) {
    db.exec('DELETE FROM kpi_dirty_people');
    return { mode: 'fresh', tickets: 0, cells: 0 };
  }
  const total = db.prepare('SELECT COUNT(*) FROM kpi_ticket_facts').pluck().get() as number;
  if (ids.length > FULL_BUILD_MIN && ids.length > FULL_BUILD_SHARE * total) return { mode: 'deferred', tickets: ids.length, cells: 0 };
  const idJson = JSON.stringify(ids);
  const dirty = new Set(ids);
  const before = new Map((db.prepare(`${SNAPSHOT_SQL} WHERE ticket_id IN (SELECT value FROM json_each(?))`).raw().all(idJson) as unknown[][]).map((v) => {
    const r = factRowOf(v);
    return [r.ticketId, r] as const;
  }));
  const now = new Map(currentRows(db, defaultTz, ids).map((r) => [r.ticketId, r] as const));

  // FCR: a ticket's flag depends on the other tickets of its customer and category, old group and new.
  const groupKey = (r: FactRow) => (r.customerId === null ? null : cellKey(r.customerId, r.category ?? ''));
  const groups = new Map<string, { customer: string; category: string }>();
  for (const r of [...before.values(), ...now.values()]) {
    const k = groupKey(r);
    if (k !== null) groups.set(k, { customer: r.customerId!, category: r.category ?? '' });
  }
  const nowByGroup = new Map<string, FactRow[]>();
  for (const r of now.values()) {
    const k = groupKey(r);
    if (k === null) r.fact.fcr = r.fact.resolvedMs !== null && !r.fact.reopened;
    else nowByGroup.set(k, [...(nowByGroup.get(k) ?? []), r]);
  }
  // The unchanged tickets of those groups, read in one query by customer.
  const customers = [...new Set([...groups.values()].map((g) => g.customer))];
  const others = new Map<string, FactRow[]>();
  for (const v of db.prepare(`${SNAPSHOT_SQL} WHERE customer_id IN (SELECT value FROM json_each(?))`).raw().all(JSON.stringify(customers)) as unknown[][]) {
    const r = factRowOf(v);
    const k = groupKey(r)!;
    if (dirty.has(r.ticketId) || !groups.has(k)) continue;
    others.set(k, [...(others.get(k) ?? []), r]);
  }
  const changes: { old: FactRow | null; cur: FactRow | null }[] = [];
  for (const k of groups.keys()) {
    const all = [...(others.get(k) ?? []), ...(nowByGroup.get(k) ?? [])];
    const fcr = ticketFacts(all.map(recordOfRow)).map((f) => f.fcr);
    all.forEach((r, i) => {
      if (dirty.has(r.ticketId)) r.fact.fcr = fcr[i];
      else if (r.fact.fcr !== fcr[i]) changes.push({ old: r, cur: { ...r, fact: { ...r.fact, fcr: fcr[i] } } });
    });
  }
  const same = (a: FactRow | null, b: FactRow | null) => a !== null && b !== null && JSON.stringify(factRowValues(a)) === JSON.stringify(factRowValues(b));
  for (const id of ids) {
    const old = before.get(id) ?? null;
    const cur = now.get(id) ?? null;
    if ((old || cur) && !same(old, cur)) changes.push({ old, cur });
  }

  // The snapshot, then the cells each change leaves and joins.
  const del = db.prepare('DELETE FROM kpi_ticket_facts WHERE ticket_id = ?');
  const put = db.prepare(`INSERT OR REPLACE INTO kpi_ticket_facts (${FACT_COLUMNS}) VALUES (${FACT_COLUMNS.split(',').map(() => '?').join(', ')})`);
  for (const c of changes) {
    if (c.cur) put.run(...factRowValues(c.cur));
    else del.run(c.old!.ticketId);
  }
  let cells = updateCells(changes, (r) => [r.queue, r.localDate], {
    read: db.prepare<unknown[]>(`SELECT ${PARTIAL_COLUMNS} FROM kpi_daily WHERE queue = ? AND local_date = ?`).raw(),
    write: db.prepare<unknown[]>(`INSERT OR REPLACE INTO kpi_daily (queue, local_date, ${PARTIAL_COLUMNS}) VALUES (?, ?, ${PLACEHOLDERS})`),
    drop: db.prepare<unknown[]>('DELETE FROM kpi_daily WHERE queue = ? AND local_date = ?'),
  });
  const generation = meta(db, 'generation');
  const dims = (db.prepare(`SELECT substr(key, 5) FROM kpi_meta WHERE key LIKE 'seg:%' AND value = ?`).pluck().all(generation) as string[]);
  for (const by of dims) {
    cells += updateCells(changes, (r) => [by, r.queue, r.localDate, segmentOf(by, r)], {
      read: db.prepare<unknown[]>(`SELECT ${PARTIAL_COLUMNS} FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date = ? AND segment = ?`).raw(),
      write: db.prepare<unknown[]>(`INSERT OR REPLACE INTO kpi_segment_daily (dim, queue, local_date, segment, ${PARTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ${PLACEHOLDERS})`),
      drop: db.prepare<unknown[]>('DELETE FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date = ? AND segment = ?'),
    });
  }
  db.exec('DELETE FROM kpi_dirty; DELETE FROM kpi_dirty_people;');
  return { mode: 'incremental', tickets: changes.length, cells };
}

type Stmt = Database.Statement<unknown[]>;

/** Applies the changes to the cells keyed by `keyOf` (one read and one write per cell touched). Returns the cells touched. */
function updateCells(changes: { old: FactRow | null; cur: FactRow | null }[], keyOf: (r: FactRow) => string[], s: { read: Stmt; write: Stmt; drop: Stmt }): number {
  const touched = new Map<string, { key: string[]; removed: TicketFact[]; added: TicketFact[] }>();
  const at = (r: FactRow) => {
    const key = keyOf(r);
    const k = cellKey(...key);
    let t = touched.get(k);
    if (!t) touched.set(k, (t = { key, removed: [], added: [] }));
    return t;
  };
  for (const c of changes) {
    if (c.old) at(c.old).removed.push(c.old.fact);
    if (c.cur) at(c.cur).added.push(c.cur.fact);
  }
  for (const t of touched.values()) {
    const row = s.read.get(...t.key) as unknown[] | undefined;
    const cell = updateCell(row ? cellFromRow(row) : emptyCell(), t.removed, t.added);
    if (cell.tickets === 0) s.drop.run(...t.key);
    else s.write.run(...t.key, ...cellRow(cell));
  }
  return touched.size;
}

/**
 * Incremental maintenance for a writer (the ingest, inside its transaction): applies the logged changes when
 * the facts are built for this time-zone setup and the changes are few; otherwise leaves them to the next
 * read (a full build). Never throws for a cell out of step: it then drops the facts so the next read rebuilds.
 */
export function maintainKpiFacts(db: Db, defaultTz: string): KpiMaintenance {
  if (meta(db, 'signature') !== signature(db, defaultTz)) return { mode: 'deferred', tickets: 0, cells: 0 };
  try {
    return db.transaction(() => applyChanges(db, defaultTz))();
  } catch (err) {
    if (!(err instanceof CellOutOfStep)) throw err;
    db.prepare(`DELETE FROM kpi_meta WHERE key = 'signature'`).run();
    return { mode: 'deferred', tickets: 0, cells: 0 };
  }
}

/** Brings the KPI facts up to date before a read: logged changes applied, or a full build when needed. */
export function ensureKpiFacts(db: Db, defaultTz: string): KpiMaintenance {
  const m = maintainKpiFacts(db, defaultTz);
  if (m.mode !== 'deferred') return m;
  const n = refreshKpiFacts(db, defaultTz);
  return { mode: 'full', tickets: n, cells: 0 };
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
  const rows = stmt(db, `SELECT ${PARTIAL_READ} FROM kpi_daily WHERE queue = ? AND local_date BETWEEN ? AND ?`).all(queue, from, to) as DayRow[];
  return rows.map(partialFromRow);
}

/**
 * Closed-instant runs of one queue's days up to `toDate` that may hold tickets open at `atMs`: the resolved
 * tickets of days with a resolution after `atMs`, plus every day's unresolved tickets (closed = Infinity).
 */
export function backlogRuns(db: Db, queue: string, toDate: string, atMs: number): ClosedRun[] {
  const resolved = stmt(db, `SELECT closed FROM kpi_daily WHERE queue = ? AND local_date <= ? AND last_closed_ms > ?`).pluck().all(queue, toDate, atMs) as Buffer[];
  const open = stmt(db, `SELECT open_created FROM kpi_daily WHERE queue = ? AND local_date <= ? AND length(open_created) > 0`).pluck().all(queue, toDate) as Buffer[];
  return [...resolved.map(closedOf), ...open.map(openOf)];
}

/**
 * Builds the segment cells of dimension `by` (kpi_segment_daily, migration 013) from the ticket snapshots when
 * they were never built since the last full build (call ensureKpiFacts first); after that applyKpiChanges
 * keeps them up to date. One queue-day at a time. Returns whether it built.
 */
export function ensureSegmentPartials(db: Db, by: string): boolean {
  const key = `seg:${by}`;
  const generation = meta(db, 'generation');
  if (generation !== undefined && meta(db, key) === generation) return false;
  const days = db.prepare('SELECT queue, local_date FROM kpi_daily ORDER BY queue, local_date').raw().all() as [string, string][];
  const read = db.prepare(`${SNAPSHOT_SQL} WHERE queue = ? AND local_date = ?`).raw();
  db.transaction(() => {
    db.prepare('DELETE FROM kpi_segment_daily WHERE dim = ?').run(by);
    const put = db.prepare(`INSERT INTO kpi_segment_daily (dim, queue, local_date, segment, ${PARTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ${PLACEHOLDERS})`);
    for (const [queue, date] of days) {
      const bySeg = new Map<string, TicketFact[]>();
      for (const v of read.all(queue, date) as unknown[][]) {
        const r = factRowOf(v);
        const seg = segmentOf(by, r);
        let g = bySeg.get(seg);
        if (!g) bySeg.set(seg, (g = []));
        g.push(r.fact);
      }
      for (const [segment, facts] of bySeg) put.run(by, queue, date, segment, ...cellRow(cellOf(facts)));
    }
    setMeta(db, key, generation ?? '0');
  })();
  return true;
}

/** Per segment of `by`, the per-day partials of one queue for local dates from..to (needs ensureSegmentPartials). */
export function segmentPartials(db: Db, by: string, queue: string, from: string, to: string): Map<string, KpiPartial[]> {
  const rows = stmt(db, `SELECT segment, ${PARTIAL_READ} FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date BETWEEN ? AND ?`).all(by, queue, from, to) as (DayRow & { segment: string })[];
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
  const resolved = stmt(db, `SELECT segment, closed FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date <= ? AND last_closed_ms > ?`).raw().all(by, queue, toDate, atMs) as [string, Buffer][];
  const open = stmt(db, `SELECT segment, open_created FROM kpi_segment_daily WHERE dim = ? AND queue = ? AND local_date <= ? AND length(open_created) > 0`).raw().all(by, queue, toDate) as [string, Buffer][];
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

/** The queues that have tickets (a queue may have tickets but no interval data). */
export function ticketQueues(db: Db): string[] {
  return stmt(db, 'SELECT DISTINCT queue FROM kpi_daily ORDER BY queue').pluck().all() as string[];
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
              FROM v_kpi_tickets k WHERE k.queue = ? AND k.local_date BETWEEN ? AND ? AND k.csat IS NOT NULL ORDER BY k.local_date, k.ticket_id`)
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
