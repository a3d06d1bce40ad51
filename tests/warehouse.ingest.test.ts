import { describe, it, expect, beforeEach } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles, parseTimestamp, formatIngestReport } from '../src/warehouse/ingest.js';
import { readRiskData } from '../src/warehouse/models.js';
import { listTicketAttributes } from '../src/warehouse/attributes.js';
import { searchTickets } from '../src/engines/retrieval/search.js';

const FIXTURE = 'tests/fixtures/small';
const DATA_TABLES = ['sla_policy', 'interval_inputs', 'customers', 'agents', 'tickets', 'ticket_events'];

function snapshot(db: Db): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of DATA_TABLES) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
  return out;
}

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'radar-ingest-'));
  db = openWarehouse(join(dir, 'w.db'));
});

const INTERVAL_HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds';

/** A large, valid interval file: `n` rows of one queue every 30 minutes from 2026-01-01. */
function bigIntervalFile(path: string, n: number, badLine?: { line: number; row: string }) {
  const lines = [INTERVAL_HEADER];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const ts = new Date(t0 + i * 1800_000).toISOString().slice(0, 19) + 'Z';
    lines.push(`${ts},big,${50 + (i % 7)},${48 + (i % 7)},2,${40 + (i % 5)},300,40,12,80,20`);
  }
  if (badLine) lines[badLine.line - 1] = badLine.row;
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('ingest', () => {
  it('loads every table of a good fixture and logs the run', async () => {
    const r = await ingestFiles(db, [FIXTURE]);
    expect(r.ok).toBe(true);
    expect(r.rows).toEqual({ sla_policy: 2, intervals: 5, customers: 2, agents: 1, tickets: 2, ticket_events: 5 });
    expect(r.warnings.join(' ')).toMatch(/extra_col/);
    const run = db.prepare('SELECT status, rejected_rows, rows_by_table FROM etl_runs WHERE run_id = ?').get(r.runId) as { status: string; rejected_rows: number; rows_by_table: string };
    expect(run.status).toBe('ok');
    expect(JSON.parse(run.rows_by_table).intervals).toBe(5);
    // Local calendar: 14:00Z on 2026-11-19 is 09:00 in New York (EST, UTC−5), a Thursday.
    const row = db.prepare(`SELECT local_date, local_minute, local_dow FROM interval_inputs WHERE queue='billing' AND interval_start='2026-11-19T14:00:00Z'`).get();
    expect(row).toEqual({ local_date: '2026-11-19', local_minute: 540, local_dow: 4 });
    // 04:30Z on 2026-11-20 is 23:30 the previous evening in New York.
    const late = db.prepare(`SELECT local_date, local_minute FROM interval_inputs WHERE queue='billing' AND interval_start='2026-11-20T04:30:00Z'`).get();
    expect(late).toEqual({ local_date: '2026-11-19', local_minute: 1410 });
  });

  it('re-ingesting the same files upserts: no duplicates, same contents', async () => {
    await ingestFiles(db, [FIXTURE]);
    const first = snapshot(db);
    const r2 = await ingestFiles(db, [FIXTURE]);
    expect(r2.ok).toBe(true);
    expect(snapshot(db)).toEqual(first);
  });

  it('a bad row in the middle of a large file names its line and column, and changes nothing', async () => {
    await ingestFiles(db, [FIXTURE]);
    const before = snapshot(db);
    const big = join(dir, 'big.csv');
    // line 25,001 (header is line 1): handled + abandoned > offered
    bigIntervalFile(big, 50_000, { line: 25_001, row: '2026-07-01T00:00:00Z,big,10,9,5,5,300,40,12,80,20' });
    const r = await ingestFiles(db, [big, join(FIXTURE, 'tickets.csv')]);
    expect(r.ok).toBe(false);
    expect(r.problemCount).toBe(1);
    expect(r.problems[0]).toMatchObject({ line: 25_001, column: 'handled' });
    expect(r.problems[0].reason).toMatch(/≤ offered/);
    expect(snapshot(db)).toEqual(before);
    expect(formatIngestReport(r)).toMatch(/big\.csv:25001 handled="9": handled \+ abandoned \(14\) must be ≤ offered \(10\)/);
    const run = db.prepare('SELECT status, rejected_rows FROM etl_runs ORDER BY run_id DESC LIMIT 1').get();
    expect(run).toEqual({ status: 'rejected', rejected_rows: 1 });
  });

  it('a key repeated inside one file is reported with both lines, and nothing is loaded', async () => {
    const f = join(dir, 'dup.csv');
    bigIntervalFile(f, 300);
    const text = readFileSync(f, 'utf8').trimEnd().split('\n');
    text.push('2026-01-01T00:30:00Z,big,99,90,9,80,300,40,12,80,20'); // same key as line 3
    writeFileSync(f, text.join('\n') + '\n');
    for (const workerMinBytes of [Infinity, 0]) {
      const r = await ingestFiles(db, [f], { workerMinBytes });
      expect(r.ok).toBe(false);
      expect(r.problemCount).toBe(1);
      expect(r.problems[0]).toMatchObject({ file: f, line: 302, column: 'interval_start', value: '2026-01-01T00:30:00Z' });
      expect(r.problems[0].reason).toMatch(/repeats line 3/);
      expect((db.prepare('SELECT COUNT(*) n FROM interval_inputs').get() as { n: number }).n).toBe(0);
    }
    // Tickets (a text key) the same way.
    const t = join(dir, 'tickets.csv');
    const tl = readFileSync(join(FIXTURE, 'tickets.csv'), 'utf8').trimEnd().split('\n');
    writeFileSync(t, [...tl, tl[1]].join('\n') + '\n');
    const r2 = await ingestFiles(db, [t]);
    expect(r2.ok).toBe(false);
    expect(r2.problems[0]).toMatchObject({ line: tl.length + 1, column: 'ticket_id', value: tl[1].split(',')[0] });
    expect(r2.problems[0].reason).toMatch(/repeats line 2/);
  });

  it('a malformed CSV (an unclosed quote) is a problem at its line, not a crash', async () => {
    const f = join(dir, 'broken.csv');
    writeFileSync(f, `${INTERVAL_HEADER}\n2026-01-01T00:00:00Z,big,10,10,0,9,300,40,12,80,20\n2026-01-01T00:30:00Z,"big,10,10,0,9,300,40,12,80,20\n`);
    const r = await ingestFiles(db, [f]);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: f, line: 3 });
    expect(r.problems[0].reason).toMatch(/never closed/);
  });

  it('the worker-thread path (large files) gives the same rows and the same problems as the inline path', async () => {
    const good = join(dir, 'good.csv');
    bigIntervalFile(good, 5_000);
    const inline = await ingestFiles(db, [good], { workerMinBytes: Infinity });
    const rowsInline = db.prepare('SELECT * FROM interval_inputs ORDER BY queue, interval_start').all();
    const db2 = openWarehouse(join(dir, 'w2.db'));
    const threaded = await ingestFiles(db2, [good], { workerMinBytes: 0 });
    expect(threaded.ok && inline.ok).toBe(true);
    expect(db2.prepare('SELECT * FROM interval_inputs ORDER BY queue, interval_start').all()).toEqual(rowsInline);
    const bad = join(dir, 'bad-big.csv');
    bigIntervalFile(bad, 5_000, { line: 4_000, row: '2026-03-25T00:00:00Z,big,10,9,1,5,300,400,12,80,20' });
    const before = db2.prepare('SELECT COUNT(*) n FROM interval_inputs').get();
    const r = await ingestFiles(db2, [bad], { workerMinBytes: 0 });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ line: 4_000, column: 'acw_seconds' });
    expect(db2.prepare('SELECT COUNT(*) n FROM interval_inputs').get()).toEqual(before);
    db2.close();
  });

  it('reports the first 20 problems and a count, each with file, line, column, value and an example', async () => {
    const bad = join(dir, 'bad.csv');
    const rows = [INTERVAL_HEADER];
    for (let i = 0; i < 30; i++) rows.push(`2026-01-01T0${i % 10}:00:00Z,q,abc,1,0,1,300,40,12,80,20`);
    writeFileSync(bad, rows.join('\n'));
    const r = await ingestFiles(db, [bad]);
    expect(r.problemCount).toBe(30);
    expect(r.problems).toHaveLength(20);
    expect(r.problems[0]).toMatchObject({ line: 2, column: 'offered', value: 'abc', reason: 'must be a whole number', example: '120' });
    expect(formatIngestReport(r)).toMatch(/… and 10 more/);
    expect((db.prepare('SELECT COUNT(*) n FROM interval_inputs').get() as { n: number }).n).toBe(0);
  });

  it('checks every rule of the interval format', async () => {
    const cases: [string, string, RegExp][] = [
      ['2026-01-01T00:10:00Z,q,10,9,1,5,300,40,12,80,20', 'interval_start', /aligned/],
      ['2026-01-01T00:00:00Z,q,10,9,1,10,300,40,12,80,20', 'answered_within_target', /≤ handled/],
      ['2026-01-01T00:00:00Z,q,10,9,1,5,,,12,80,20', 'aht_seconds', /required when handled > 0/],
      ['2026-01-01T00:00:00Z,q,10,9,1,5,300,400,12,80,20', 'acw_seconds', /≤ aht_seconds/],
      ['2026-01-01T00:00:00Z,q,10,9,1,5,300,40,12,0,20', 'sl_target_pct', /> 0/],
      ['2026-01-01T00:00:00Z,q,10,9,1,5,300,40,-1,80,20', 'agents_staffed', /≥ 0/],
      ['not-a-date,q,10,9,1,5,300,40,12,80,20', 'interval_start', /ISO-8601/],
      ['2026-02-30T00:00:00Z,q,10,9,1,5,300,40,12,80,20', 'interval_start', /ISO-8601/],
      // Impossible dates in the non-standard forms (space, no seconds, zone offsets): Date.parse rolls them over.
      ['2026-02-30 09:30,q,10,9,1,5,300,40,12,80,20', 'interval_start', /ISO-8601/],
      ['2026-02-29 09:30,q,10,9,1,5,300,40,12,80,20', 'interval_start', /ISO-8601/], // 2026 is no leap year
      ['2026-04-31T09:30+02:00,q,10,9,1,5,300,40,12,80,20', 'interval_start', /ISO-8601/],
      // Integers written other than in plain decimal digits: Number() would read them as 100 and 16.
      ['2026-01-01T00:00:00Z,q,1e2,9,1,5,300,40,12,80,20', 'offered', /whole number/],
      ['2026-01-01T00:00:00Z,q,0x10,9,1,5,300,40,12,80,20', 'offered', /whole number/],
      ['2026-01-01T00:00:00Z,q,100,9,1,5,300,40,0x0C,80,20', 'agents_staffed', /must be a number/],
      ['2026-01-01T00:00:00Z,q,99999999999999999999999,9,1,5,300,40,12,80,20', 'offered', /too large/],
    ];
    for (const [row, column, reason] of cases) {
      const f = join(dir, `case.csv`);
      writeFileSync(f, `${INTERVAL_HEADER}\n${row}\n`);
      const r = await ingestFiles(db, [f]);
      expect(r.ok, row).toBe(false);
      expect(r.problems[0].column, row).toBe(column);
      expect(r.problems[0].reason, row).toMatch(reason);
    }
  });

  it('accepts the same rows with possible dates and plain integers (the rules above reject only what is wrong)', async () => {
    const f = join(dir, 'possible.csv');
    writeFileSync(f, `${INTERVAL_HEADER}\n2026-02-28 09:30,q,100,9,1,5,300,40,12,80,20\n2028-02-29 09:30,q,16,9,1,5,300,40,12,80,20\n2026-04-30T09:30+02:00,q,+7,6,1,5,300,40,12,80,20\n`);
    const r = await ingestFiles(db, [f]);
    expect(r.problems).toEqual([]);
    expect(db.prepare('SELECT interval_start, offered FROM interval_inputs ORDER BY interval_start').all()).toEqual([
      { interval_start: '2026-02-28T09:30:00Z', offered: 100 },
      { interval_start: '2026-04-30T07:30:00Z', offered: 7 },
      { interval_start: '2028-02-29T09:30:00Z', offered: 16 },
    ]);
  });

  it('accepts empty AHT when nothing was handled, columns in any order, and timestamps without a zone as UTC', async () => {
    const f = join(dir, 'ok.csv');
    writeFileSync(f, 'queue,offered,interval_start,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds\nq,0,2026-01-01T09:30:00,0,0,0,,,3,80,20\n');
    const r = await ingestFiles(db, [f]);
    expect(r.ok).toBe(true);
    expect(db.prepare('SELECT interval_start, aht_seconds FROM interval_inputs').get()).toEqual({ interval_start: '2026-01-01T09:30:00Z', aht_seconds: null });
  });

  it('reads JSON Lines with the same rules', async () => {
    const f = join(dir, 'i.jsonl');
    const good = { interval_start: '2026-01-01T09:30:00Z', queue: 'q', offered: 10, handled: 9, abandoned: 1, answered_within_target: 8, aht_seconds: 300, acw_seconds: 30, agents_staffed: 4, sl_target_pct: 80, sl_target_seconds: 20 };
    writeFileSync(f, JSON.stringify(good) + '\n' + JSON.stringify({ ...good, interval_start: '2026-01-01T10:00:00Z', handled: 'x' }) + '\n');
    const r = await ingestFiles(db, [f]);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ line: 2, column: 'handled' });
    writeFileSync(f, JSON.stringify(good) + '\n');
    expect((await ingestFiles(db, [f])).ok).toBe(true);
  });

  it('rejects unknown headers, missing required columns and events of unknown tickets', async () => {
    const u = join(dir, 'u.csv');
    writeFileSync(u, 'foo,bar\n1,2\n');
    const r1 = await ingestFiles(db, [u]);
    expect(r1.ok).toBe(false);
    expect(r1.problems[0].reason).toMatch(/unrecognised header/);
    const ev = join(dir, 'ev.csv');
    writeFileSync(ev, 'event_id,ticket_id,at,type\nE-9,T-404,2026-01-01T00:00:00Z,comment\n');
    const r2 = await ingestFiles(db, [ev]);
    expect(r2.ok).toBe(false);
    expect(r2.problems[0]).toMatchObject({ column: 'ticket_id', value: 'T-404', line: 2 });
  });

  it('--dry-run validates and writes nothing; --reset replaces the data in one transaction', async () => {
    const dry = await ingestFiles(db, [FIXTURE], { dryRun: true });
    expect(dry.ok).toBe(true);
    expect((db.prepare('SELECT COUNT(*) n FROM tickets').get() as { n: number }).n).toBe(0);
    await ingestFiles(db, [FIXTURE]);
    const only = join(dir, 'only');
    mkdirSync(only);
    copyFileSync(join(FIXTURE, 'sla_policy.csv'), join(only, 'sla_policy.csv'));
    const r = await ingestFiles(db, [only], { reset: true });
    expect(r.ok).toBe(true);
    expect((db.prepare('SELECT COUNT(*) n FROM tickets').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) n FROM sla_policy').get() as { n: number }).n).toBe(2);
  });

  it('parses ISO timestamps with offsets, milliseconds, space separators; rejects nonsense', () => {
    expect(parseTimestamp('2026-11-20T09:30:00Z')).toBe(Date.UTC(2026, 10, 20, 9, 30));
    expect(parseTimestamp('2026-11-20 09:30')).toBe(Date.UTC(2026, 10, 20, 9, 30));
    expect(parseTimestamp('2026-11-20T09:30:00.250+02:00')).toBe(Date.UTC(2026, 10, 20, 7, 30, 0, 250));
    expect(parseTimestamp('2026-11-20T09:30:00-0500')).toBe(Date.UTC(2026, 10, 20, 14, 30));
    expect(parseTimestamp('2026-11-20')).toBe(Date.UTC(2026, 10, 20));
    for (const bad of ['', '20/11/2026', '2026-13-01', '2026-11-20T25:00', 'yesterday']) expect(parseTimestamp(bad)).toBeNull();
  });

  it('reads the stored form exactly as a Date round trip does: real instants only (Feb 29 in leap years, no Feb 30, no 24:00)', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), (y, mo, d, h, mi, s) => {
        const text = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}Z`;
        // Reference: a Date set field by field is a real instant exactly when every field reads back unchanged.
        const ref = new Date(0);
        ref.setUTCFullYear(y, mo - 1, d);
        ref.setUTCHours(h, mi, s, 0);
        const real = ref.getUTCFullYear() === y && ref.getUTCMonth() === mo - 1 && ref.getUTCDate() === d && ref.getUTCHours() === h && ref.getUTCMinutes() === mi && ref.getUTCSeconds() === s;
        expect(parseTimestamp(text)).toBe(real ? ref.getTime() : null);
      }),
      { numRuns: 3000 },
    );
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTimestamp('2100-02-29T00:00:00Z')).toBeNull();
  });
});

describe('views against hand-computed values', () => {
  beforeEach(async () => {
    const r = await ingestFiles(db, [FIXTURE]);
    expect(r.ok).toBe(true);
  });

  it('v_interval_metrics: SL, abandon rate, Erlangs, talk and occupancy of one interval', () => {
    const m = db.prepare(`SELECT * FROM v_interval_metrics WHERE queue='billing' AND interval_start='2026-11-19T14:00:00Z'`).get() as Record<string, number>;
    // 100 offered, 90 handled, 10 abandoned, 80 within target, AHT 300 (ACW 60), 20 agents, 30-min interval.
    expect(m.sl).toBeCloseTo(80 / 100, 12);
    expect(m.abandon_rate).toBeCloseTo(10 / 100, 12);
    expect(m.traffic_erlangs).toBeCloseTo((100 * 300) / 1800, 12); // 16.67 Erlangs
    expect(m.talk_seconds).toBe(240);
    expect(m.occupancy).toBeCloseTo((90 * 300) / (20 * 1800), 12); // 0.75
    const empty = db.prepare(`SELECT sl, traffic_erlangs, occupancy FROM v_interval_metrics WHERE interval_start='2026-11-20T04:30:00Z'`).get();
    expect(empty).toEqual({ sl: null, traffic_erlangs: 0, occupancy: null });
  });

  it('v_queue_daily: volume-weighted SL and AHT, not averages of averages', () => {
    const d = db.prepare(`SELECT * FROM v_queue_daily WHERE queue='billing' AND local_date='2026-11-19'`).get() as Record<string, number>;
    // Intervals of the local day: (100 offered, 80 in target, 90 handled @300 s), (50, 45, 50 @240 s), (0, 0, 0).
    expect(d.offered).toBe(150);
    expect(d.sl).toBeCloseTo(125 / 150, 12); // 0.8333; the mean of ratios would be 0.85
    expect(d.aht_seconds).toBeCloseTo((90 * 300 + 50 * 240) / 140, 12); // 278.57; mean of means would be 270
    expect(d.acw_seconds).toBeCloseTo((90 * 60 + 50 * 30) / 140, 12);
    expect(d.agent_hours).toBeCloseTo((20 + 10 + 2) * 0.5, 12);
    expect(d.intervals_below_target).toBe(0);
    const d20 = db.prepare(`SELECT sl, intervals_below_target FROM v_queue_daily WHERE queue='billing' AND local_date='2026-11-20'`).get();
    expect(d20).toEqual({ sl: 0.6, intervals_below_target: 1 });
  });

  it('v_ticket_facts: first response, resolution, transfers and messages in the first 2 h', () => {
    const t = db.prepare(`SELECT * FROM v_ticket_facts WHERE ticket_id='T-1'`).get() as Record<string, unknown>;
    expect(t.first_response_seconds).toBe(30 * 60);
    expect(t.resolution_seconds).toBe(5 * 3600);
    expect(t.transfers).toBe(1);
    // comments at +30 min and +90 min are within 2 h; the one at +3 h is not.
    expect(t.messages_first_2h).toBe(2);
    expect(t.customer_tier).toBe('enterprise');
    expect(t.agent_level).toBe('senior');
    const open = db.prepare(`SELECT first_response_seconds, resolution_seconds, transfers FROM v_ticket_facts WHERE ticket_id='T-2'`).get();
    expect(open).toEqual({ first_response_seconds: null, resolution_seconds: null, transfers: 0 });
  });
});

it('fixture files exist', () => {
  expect(readdirSync(FIXTURE).sort()).toEqual(['agents.csv', 'customers.csv', 'intervals.csv', 'sla_policy.csv', 'ticket_events.csv', 'tickets.csv']);
  expect(readFileSync(join(FIXTURE, 'intervals.csv'), 'utf8')).toMatch(/^interval_start,/);
});

describe('ticket attributes (attr_<name> columns)', () => {
  it('round-trip from CSV and JSON Lines, reach readRiskData and v_ticket_attributes, and say which are numeric', async () => {
    const lines = readFileSync(join(FIXTURE, 'tickets.csv'), 'utf8').trim().split('\n');
    const f = join(dir, 'tickets.csv');
    // Two attribute columns: region (text) and seats (numeric); an empty cell is no value.
    writeFileSync(f, [`${lines[0]},attr_region,attr_seats`, `${lines[1]},EMEA,12`, `${lines[2]},"APAC, north",`, ...lines.slice(3).map((l) => `${l},EMEA,3.5`)].join('\n') + '\n');
    const r = await ingestFiles(db, [join(FIXTURE, 'customers.csv'), join(FIXTURE, 'agents.csv'), f]);
    expect(r.ok).toBe(true);
    expect(r.warnings.join(' ')).not.toMatch(/attr_/);
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    const data = readRiskData(db);
    const byId = new Map(data.tickets.map((t) => [t.ticket_id, t]));
    expect(byId.get(ids[0])!.attributes).toEqual({ region: 'EMEA', seats: '12' });
    expect(byId.get(ids[1])!.attributes).toEqual({ region: 'APAC, north' });
    const rows = db.prepare('SELECT name, value FROM v_ticket_attributes WHERE ticket_id = ? ORDER BY name').all(ids[0]);
    expect(rows).toEqual([{ name: 'region', value: 'EMEA' }, { name: 'seats', value: '12' }]);
    expect(listTicketAttributes(db)).toEqual([
      { name: 'region', kind: 'text', tickets: ids.length, distinct: 2 },
      { name: 'seats', kind: 'numeric', tickets: ids.length - 1, distinct: new Set(['12', ...ids.slice(2).map(() => '3.5')]).size },
    ]);
    // `tickets` filters: only tickets whose attribute matches (case-insensitive).
    const any = searchTickets(db, 'refund OR invoice OR portal', { limit: 50 }).hits.map((h) => h.ticketId);
    const emea = searchTickets(db, 'refund OR invoice OR portal', { limit: 50, attributes: { region: 'emea' } }).hits.map((h) => h.ticketId);
    expect(any).toContain(ids[1]);
    expect(emea).not.toContain(ids[1]);
    expect(emea.every((id) => byId.get(id)!.attributes?.region === 'EMEA')).toBe(true);
    expect(emea.length).toBeGreaterThan(0);
    // JSON Lines: attr_ fields too.
    const j = join(dir, 'more.jsonl');
    const t0 = db.prepare('SELECT * FROM tickets WHERE ticket_id = ?').get(ids[0]) as Record<string, unknown>;
    const { attributes: _a, ...plain } = t0;
    writeFileSync(j, JSON.stringify({ ...plain, ticket_id: 'T-J1', attr_region: 'LATAM', attr_seats: 4 }) + '\n');
    expect((await ingestFiles(db, [j])).ok).toBe(true);
    expect(readRiskData(db, { ticketIds: ['T-J1'] }).tickets[0].attributes).toEqual({ region: 'LATAM', seats: '4' });
  });

  it('rejects a badly named attribute column with an example, changing nothing', async () => {
    const lines = readFileSync(join(FIXTURE, 'tickets.csv'), 'utf8').trim().split('\n');
    const f = join(dir, 'bad.csv');
    writeFileSync(f, [`${lines[0]},attr_Region!`, `${lines[1]},EMEA`].join('\n') + '\n');
    const r = await ingestFiles(db, [join(FIXTURE, 'customers.csv'), join(FIXTURE, 'agents.csv'), f]);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ column: 'attr_region!', example: 'attr_region' });
    expect(db.prepare('SELECT COUNT(*) FROM tickets').pluck().get()).toBe(0);
  });
});
