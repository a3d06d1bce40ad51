/**
 * KPI facts maintained incrementally equal a full rebuild: random warehouses (two queues on New York and UTC
 * days, tickets at half-hour steps across local midnights, repeat contacts of few customers and categories),
 * the facts and several segment dimensions built, then random edits written straight into the tables (new
 * tickets, tickets rewritten, late CSAT, reopenings, deletions, a customer's tier and an agent's team
 * changing). The incremental update must leave every derived table exactly as a rebuild from scratch does.
 * Also the ingest path: a second ingest of changed tickets updates the cells inside the ingest, and the
 * answer changes by the amounts worked out by hand.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ensureKpiFacts, ensureSegmentPartials, refreshKpiFacts } from '../src/warehouse/kpi.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import type { KpiResult } from '../commands/kpi.js';

const TZ = 'UTC';
const DIMS = ['channel', 'priority', 'category', 'tier', 'team', 'agent', 'attr_plan'];
const BASE = Date.parse('2026-11-19T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

interface Spec {
  slot: number;
  queue: number;
  frtMin: number | null;
  resHours: number | null;
  dueHours: number | null;
  csat: number | null;
  reopen: number;
  escalated: number | null;
  customer: number | null;
  category: number | null;
  channel: number;
  priority: number;
  agent: number | null;
  plan: number | null;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  slot: fc.integer({ min: 0, max: 200 }), // half-hour steps over ~4 days: crosses UTC and New York midnights
  queue: fc.integer({ min: 0, max: 1 }),
  frtMin: fc.option(fc.integer({ min: 0, max: 600 })),
  resHours: fc.option(fc.integer({ min: 0, max: 200 })), // up to ~8 days: repeats within 7 days of resolution
  dueHours: fc.option(fc.constantFrom(4, 24, 48)),
  csat: fc.option(fc.integer({ min: 1, max: 5 })),
  reopen: fc.constantFrom(0, 0, 0, 1, 2),
  escalated: fc.option(fc.integer({ min: 0, max: 1 })),
  customer: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 5 }),
  category: fc.option(fc.integer({ min: 0, max: 1 })),
  channel: fc.integer({ min: 0, max: 4 }),
  priority: fc.integer({ min: 0, max: 3 }),
  agent: fc.option(fc.integer({ min: 0, max: 2 })),
  plan: fc.option(fc.integer({ min: 0, max: 2 })),
});

type Edit =
  | { kind: 'insert'; s: Spec }
  | { kind: 'replace'; i: number; s: Spec }
  | { kind: 'csat'; i: number; v: number }
  | { kind: 'reopen'; i: number }
  | { kind: 'delete'; i: number }
  | { kind: 'tier'; c: number; tier: number }
  | { kind: 'team'; a: number; team: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), s: spec }),
  fc.record({ kind: fc.constant('replace' as const), i: fc.nat(), s: spec }),
  fc.record({ kind: fc.constant('csat' as const), i: fc.nat(), v: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('reopen' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('tier' as const), c: fc.integer({ min: 0, max: 3 }), tier: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('team' as const), a: fc.integer({ min: 0, max: 2 }), team: fc.integer({ min: 0, max: 2 }) }),
);

const CHANNELS = ['email', 'chat', 'phone', 'web', 'social'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TIERS = ['standard', 'premium', 'enterprise'];
const PLANS = ['"pro"', '"free"', '2'];

function row(id: string, s: Spec): unknown[] {
  const created = BASE + s.slot * 1_800_000;
  const resolved = s.resHours === null ? null : created + s.resHours * 3_600_000;
  return [
    id, iso(created), s.frtMin === null ? null : iso(created + s.frtMin * 60_000), resolved === null ? null : iso(resolved), resolved === null ? 'open' : 'solved',
    PRIORITIES[s.priority], CHANNELS[s.channel], ['billing', 'support'][s.queue], s.customer === null ? null : `C${s.customer}`, s.agent === null ? null : `A${s.agent}`,
    s.category === null ? null : `cat${s.category}`, s.csat, s.reopen, s.escalated, s.dueHours === null ? null : iso(created + s.dueHours * 3_600_000),
    s.plan === null ? null : `{"plan":${PLANS[s.plan]}}`,
  ];
}

const COLS = 'ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id, agent_id, category, csat, reopen_count, escalated, due_at, attributes';

function seed(db: Db, specs: Spec[]): void {
  db.prepare(`INSERT INTO sla_policy (queue, sl_target_pct, sl_target_seconds, interval_seconds, time_zone) VALUES ('billing', 80, 20, 1800, 'America/New_York'), ('support', 80, 20, 1800, 'UTC')`).run();
  for (let c = 0; c < 4; c++) db.prepare('INSERT INTO customers (customer_id, tier) VALUES (?, ?)').run(`C${c}`, TIERS[c % 3]);
  // C3 has no customers row: its tickets' tier is 'unknown' until one arrives.
  db.prepare(`DELETE FROM customers WHERE customer_id = 'C3'`).run();
  for (let a = 0; a < 3; a++) db.prepare('INSERT INTO agents (agent_id, name, team) VALUES (?, ?, ?)').run(`A${a}`, `Agent ${a}`, `team${a}`);
  const ins = db.prepare(`INSERT INTO tickets (${COLS}, subject) VALUES (${COLS.split(',').map(() => '?').join(', ')}, 's')`);
  specs.forEach((s, i) => ins.run(...row(`T${i}`, s)));
}

let next = 1000;

function applyEdits(db: Db, edits: Edit[]): void {
  const ids = () => db.prepare('SELECT ticket_id FROM tickets ORDER BY ticket_id').pluck().all() as string[];
  for (const e of edits) {
    const all = ids();
    const pick = (i: number) => all[i % all.length];
    if (e.kind === 'insert') db.prepare(`INSERT INTO tickets (${COLS}, subject) VALUES (${COLS.split(',').map(() => '?').join(', ')}, 's')`).run(...row(`N${next++}`, e.s));
    else if (!all.length) continue;
    else if (e.kind === 'replace') {
      const [, ...vals] = row(pick(e.i), e.s);
      db.prepare(`UPDATE tickets SET ${COLS.split(', ').slice(1).map((c) => `${c} = ?`).join(', ')} WHERE ticket_id = ?`).run(...vals, pick(e.i));
    } else if (e.kind === 'csat') db.prepare('UPDATE tickets SET csat = ? WHERE ticket_id = ?').run(e.v, pick(e.i));
    else if (e.kind === 'reopen') db.prepare(`UPDATE tickets SET reopen_count = reopen_count + 1, resolved_at = NULL, status = 'open' WHERE ticket_id = ?`).run(pick(e.i));
    else if (e.kind === 'delete') db.prepare('DELETE FROM tickets WHERE ticket_id = ?').run(pick(e.i));
    else if (e.kind === 'tier') db.prepare('INSERT INTO customers (customer_id, tier) VALUES (?, ?) ON CONFLICT (customer_id) DO UPDATE SET tier = excluded.tier').run(`C${e.c}`, TIERS[e.tier]);
    else db.prepare('UPDATE agents SET team = ? WHERE agent_id = ?').run(`team${e.team}`, `A${e.a}`);
  }
}

const dumpAll = (db: Db) => ({
  facts: db.prepare('SELECT * FROM kpi_ticket_facts ORDER BY ticket_id').raw().all(),
  daily: db.prepare('SELECT * FROM kpi_daily ORDER BY queue, local_date').raw().all(),
  segments: db.prepare('SELECT * FROM kpi_segment_daily ORDER BY dim, queue, local_date, segment').raw().all(),
});

describe('incremental KPI facts', () => {
  test('equal a full rebuild after random ticket, customer and agent edits (fast-check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-kpi-inc-'));
    let n = 0;
    let incremental = 0;
    try {
      fc.assert(
        fc.property(fc.array(spec, { minLength: 0, maxLength: 40 }), fc.array(fc.array(edit, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 }), (specs, rounds) => {
          const db = openWarehouse(join(dir, `w${n++}.db`));
          try {
            seed(db, specs);
            expect(ensureKpiFacts(db, TZ).mode).toBe('full');
            for (const d of DIMS) ensureSegmentPartials(db, d);
            for (const edits of rounds) {
              applyEdits(db, edits);
              const m = ensureKpiFacts(db, TZ);
              expect(['incremental', 'fresh']).toContain(m.mode);
              if (m.mode === 'incremental') incremental++;
              for (const d of DIMS) expect(ensureSegmentPartials(db, d)).toBe(false);
              const kept = dumpAll(db);
              refreshKpiFacts(db, TZ);
              for (const d of DIMS) ensureSegmentPartials(db, d);
              expect(kept).toEqual(dumpAll(db));
              expect(db.prepare('SELECT COUNT(*) FROM kpi_dirty').pluck().get()).toBe(0);
            }
          } finally {
            db.close();
          }
        }),
        { numRuns: 40, seed: 17 },
      );
      // The property exercised the incremental path, not only no-op rounds.
      expect(incremental).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an ingest of changed tickets updates the cells in its transaction; the answer moves by the hand-counted amounts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-kpi-ingest-'));
    try {
      const head = 'ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at';
      // support (UTC), 2026-11-20: three email tickets, one chat ticket.
      const first = [
        'S1,2026-11-20T09:00:00Z,2026-11-20T09:10:00Z,2026-11-20T10:00:00Z,solved,normal,email,support,C-1,,s,,a,4,0,0,0,',
        'S2,2026-11-20T10:00:00Z,2026-11-20T10:20:00Z,2026-11-20T12:00:00Z,solved,normal,email,support,C-2,,s,,a,,0,0,0,',
        'S3,2026-11-20T11:00:00Z,2026-11-20T11:30:00Z,,open,normal,email,support,C-3,,s,,a,,0,0,0,',
        'S4,2026-11-20T12:00:00Z,2026-11-20T12:05:00Z,2026-11-20T13:00:00Z,solved,normal,chat,support,C-4,,s,,a,5,0,0,0,',
      ];
      // Later: S2's survey arrives (score 1); S4 is reopened (and open again); a new email ticket S5 from C-1 in
      // the same category 2 hours after S1 was resolved, which makes S1 a repeat contact (no longer FCR).
      const second = [
        'S2,2026-11-20T10:00:00Z,2026-11-20T10:20:00Z,2026-11-20T12:00:00Z,solved,normal,email,support,C-2,,s,,a,1,0,0,0,',
        'S4,2026-11-20T12:00:00Z,2026-11-20T12:05:00Z,,open,normal,chat,support,C-4,,s,,a,5,1,0,0,',
        'S5,2026-11-20T12:00:00Z,2026-11-20T12:30:00Z,,open,normal,email,support,C-1,,s,,a,,0,0,0,',
      ];
      writeFileSync(join(dir, 'a.csv'), [head, ...first].join('\n') + '\n');
      writeFileSync(join(dir, 'b.csv'), [head, ...second].join('\n') + '\n');
      const db = openWarehouse(join(dir, 'w.db'));
      expect((await ingestFiles(db, [join(dir, 'a.csv')], { defaultTz: TZ })).ok).toBe(true);
      const registry = buildRegistry();
      const ctx = { db, now: new Date('2026-11-23T12:00:00Z'), config: loadConfig({}), surface: 'cli' as const };
      const ask = async () => {
        const e = await execute(registry, 'kpi 2026-11-20 by channel', ctx);
        if (!e.ok) throw new Error(e.message);
        return Object.fromEntries((e.result as KpiResult).rows.map((r) => [r.segment, r]));
      };
      const before = await ask();
      // email: S1, S2 resolved, S1 and S2 FCR (no repeats) → 100 %; surveyed 1 (S1: 4).
      expect(before.email).toMatchObject({ tickets: 3, resolved: 2, fcrPct: 100, csatResponses: 1, csatMean: 4 });
      expect(before.chat).toMatchObject({ tickets: 1, resolved: 1, fcrPct: 100, reopenPct: 0 });
      expect((await ingestFiles(db, [join(dir, 'b.csv')], { defaultTz: TZ })).ok).toBe(true);
      // Maintained inside the ingest: nothing is left for the read to do.
      expect(db.prepare('SELECT COUNT(*) FROM kpi_dirty').pluck().get()).toBe(0);
      const after = await ask();
      // email: 4 tickets (S5 new), resolved S1, S2; FCR: S1 now has a repeat (S5 within 7 days) → 1 of 2 = 50 %;
      // surveyed S1 (4), S2 (1) → mean 2.5, 4–5 share 50 %. Backlog at the day's end (UTC midnight): S3, S5.
      expect(after.email).toMatchObject({ tickets: 4, resolved: 2, fcrPct: 50, csatResponses: 2, csatMean: 2.5, csatTop2Pct: 50, backlog: 2 });
      // chat: S4 reopened and unresolved: 0 resolved, reopen 100 %, backlog 1.
      expect(after.chat).toMatchObject({ tickets: 1, resolved: 0, reopenPct: 100, backlog: 1 });
      // And the same as a rebuild from scratch.
      refreshKpiFacts(db, TZ);
      expect(await ask()).toEqual(after);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
