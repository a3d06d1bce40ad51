import { describe, expect, test, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { validateBlocks } from '../src/blocks/kit.js';
import type { CommandContext } from '../src/registry.js';
import type { DriversResult } from '../commands/kpiDrivers.js';
import { headlineKpis } from '../commands/kpi.js';

// 400 surveyed tickets on 2026-11-01..2026-11-20 (UTC queue "care"). Planted: a first response after 6 h
// (every 4th ticket) gives a low score (1–2) to 5 tickets of 10; a response after 5 minutes to 1 of 10.
// Resolution (7 h, or 30 h for every 5th) and channel (alternating email/chat) are independent of both. Every 8th ticket (i % 8 = 1, all fast) has one transfer event.
// By hand: slow 100 tickets, 50 low; fast 300 tickets, 30 low → raw +40 pts; 80 low of 400 = 20 %.
const H = 'ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at,attr_plan';
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

let db: Db;
const registry = buildRegistry();
const config = loadConfig({});
const now = new Date('2026-11-21T15:00:00Z');
const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({ db, now, config, surface: 'cli', ...over });

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-drivers-'));
  const rows: string[] = [];
  const events: string[] = ['event_id,ticket_id,at,type,author_type,agent_id,from_queue,to_queue,status,body'];
  const t0 = Date.parse('2026-11-01T08:00:00Z');
  for (let i = 0; i < 400; i++) {
    const created = t0 + Math.floor(i / 20) * 86_400_000 + (i % 20) * 60_000;
    const slow = i % 4 === 0;
    const k = Math.floor(i / 4); // index within the slow (or within each fast residue) group
    const low = slow ? k % 10 < 5 : (i % 4 === 1 && k % 10 === 0) || (i % 4 === 2 && k % 10 === 0) || (i % 4 === 3 && k % 10 === 0);
    const frt = created + (slow ? 6 * 3_600_000 : 5 * 60_000);
    const channel = i % 2 === 0 ? 'email' : 'chat';
    rows.push(`D${i},${iso(created)},${iso(frt)},${iso(created + (i % 5 === 0 ? 30 : 7) * 3_600_000)},solved,normal,${channel},care,C-${i},,s,b,cat,${low ? 1 + (i % 2) : 4 + (i % 2)},0,0,0,,${i % 3 === 0 ? 'pro' : 'free'}`);
    if (i % 8 === 1) events.push(`E${i},D${i},${iso(created + 60_000)},transfer,system,,care,care,,`);
  }
  // An unsurveyed ticket: never read by the drivers.
  rows.push(`U1,${iso(t0)},,,open,normal,email,care,C-X,,s,b,cat,,0,0,0,,free`);
  writeFileSync(join(dir, 'tickets.csv'), [H, ...rows].join('\n') + '\n');
  writeFileSync(join(dir, 'events.csv'), events.join('\n') + '\n');
  db = openWarehouse(join(dir, 'w.db'));
  const rep = await ingestFiles(db, [dir], { defaultTz: 'UTC' });
  if (!rep.ok) throw new Error(JSON.stringify(rep.problems.slice(0, 3)));
});

async function drivers(line: string): Promise<DriversResult> {
  const e = await execute(registry, line, ctx());
  if (!e.ok) throw new Error(e.message);
  return e.result as DriversResult;
}

describe('kpi csat drivers on hand-built tickets', () => {
  test('finds the planted first-response effect, with the counts computed by hand', async () => {
    const r = await drivers('kpi csat drivers 2026-11-01..2026-11-20');
    expect(r.kind).toBe('drivers');
    expect(r.surveyed).toBe(400);
    expect(r.fitted).toBe(400);
    expect(r.lowCount).toBe(80);
    expect(r.lowPct).toBeCloseTo(20, 10);
    const wait = r.effects.find((e) => e.driver === 'first_response')!;
    expect(wait.level).toBe('4–24 h');
    expect(wait.reference).toBe('< 15 min');
    expect(wait.n).toBe(100);
    expect(wait.lowCount).toBe(50);
    expect(wait.rawPts).toBeCloseTo(40, 10);
    expect(wait.clear).toBe(true);
    expect(wait.adjustedCi.low).toBeGreaterThan(20);
    expect(r.effects[0]).toBe(wait);
    // Channel and plan were assigned without regard to the score: their intervals cover 0.
    for (const e of r.effects.filter((x) => x.driver === 'channel' || x.driver === 'attr_plan')) {
      expect(e.adjustedCi.low).toBeLessThan(0);
      expect(e.adjustedCi.high).toBeGreaterThan(0);
    }
    // Transfers come from the events: 50 tickets with one (i % 8 = 1).
    const tr = r.effects.find((e) => e.driver === 'transfers')!;
    expect(tr.level).toBe('1');
    expect(tr.n).toBe(50);
    // One-level drivers are named as not estimated, not silently dropped.
    expect(r.dropped.join(' ')).toMatch(/priority/);
    expect(r.dropped.join(' ')).toMatch(/reopened/);
  });

  test('text, Block Kit within limits, and a JSON-able result', async () => {
    const e = await execute(registry, 'kpi csat drivers 2026-11-01..2026-11-20', ctx());
    if (!e.ok) throw new Error(e.message);
    const text = e.command.text(e.result);
    expect(text).toContain('What drives low CSAT — all queues');
    expect(text).toMatch(/first-response wait\s+4–24 h \(vs < 15 min\)\s+100\s+50\.0%\s+\+40\.0/);
    const blocks = e.command.blocks!(e.result, {});
    expect(validateBlocks(blocks)).toEqual([]);
    const round = JSON.parse(JSON.stringify(e.result)) as DriversResult;
    expect(round.effects.length).toBe((e.result as DriversResult).effects.length);
  });

  test('too few surveyed tickets, "by", and a non-CSAT metric are usage errors with an example', async () => {
    const few = await execute(registry, 'kpi csat drivers 2026-11-01..2026-11-02', ctx());
    expect(few.ok).toBe(false);
    if (!few.ok) expect(few.message).toMatch(/Only 40 surveyed tickets.*at least 100/s);
    const by = await execute(registry, 'kpi csat drivers last 30 days by channel', ctx());
    expect(by.ok).toBe(false);
    const fcr = await execute(registry, 'kpi fcr drivers', ctx());
    expect(fcr.ok).toBe(false);
    if (!fcr.ok) expect(fcr.message).toMatch(/CSAT only/);
  });

  test('headlineKpis gives the same numbers as kpi for the day', async () => {
    const h = headlineKpis(ctx(), '2026-11-20');
    expect(h.day).toBe('2026-11-20');
    const all = h.rows.find((x) => x.segment === 'all')!;
    // 20 tickets on 11-20 (i = 380..399): slow i%4=0 → 5 tickets (k = 95..99: k%10 ≥ 5 → none low);
    // fast: none with k%10 = 0 for k = 95..99 → no low scores. CSAT scores 4 or 5 alternate: mean 4.5.
    expect(all.tickets).toBe(20);
    expect(all.csatResponses).toBe(20);
    expect(all.csatMean).toBeCloseTo(4.5, 10);
    // First response: 15 after 5 min, 5 after 360 min → p90: h = 17.1 → 360.
    expect(all.firstResponseP90Minutes).toBeCloseTo(360, 10);
    const e = await execute(registry, 'kpi 2026-11-20', ctx());
    if (!e.ok) throw new Error(e.message);
    const k = (e.result as { rows: { segment: string; csatMean: number | null }[] }).rows.find((x) => x.segment === 'all')!;
    expect(all.csatMean).toBe(k.csatMean);
  });

  test('kpi … by channel: per-segment partials are rebuilt after tickets change', async () => {
    const rowsOf = async () => {
      const e = await execute(registry, 'kpi 2026-11-20 by channel', ctx());
      if (!e.ok) throw new Error(e.message);
      return (e.result as { rows: { segment: string; tickets: number }[] }).rows.map((x) => [x.segment, x.tickets]);
    };
    // 20 tickets on 11-20 (i = 380..399), channel alternating email (even i) / chat (odd i).
    expect(await rowsOf()).toEqual([['chat', 10], ['email', 10], ['all', 20]]);
    const dir = mkdtempSync(join(tmpdir(), 'radar-drivers-more-'));
    writeFileSync(join(dir, 'tickets.csv'), `${H}\nW1,2026-11-20T12:00:00Z,,,open,normal,web,care,C-W,,s,b,cat,,0,0,0,,free\n`);
    const rep = await ingestFiles(db, [dir], { defaultTz: 'UTC' });
    expect(rep.ok).toBe(true);
    expect(await rowsOf()).toEqual([['chat', 10], ['email', 10], ['web', 1], ['all', 21]]);
  });
});
