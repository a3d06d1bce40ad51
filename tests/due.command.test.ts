/**
 * `due`: open tickets by time left to due_at, overdue first. Expected orders and times are derived here by
 * hand from the fixture rows (not from the command), and business minutes are checked against hand-counted
 * spans plus properties (additive over a split, never more than wall-clock time).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { due, parseDuration, timeLeft, type DueResult } from '../commands/due.js';
import { businessMinutesBetween, parseBusinessHoursConfig, parseHours } from '../src/businessHours.js';
import { validateBlocks } from '../src/blocks/kit.js';

const NOW = new Date('2026-11-20T15:00:00Z'); // a Friday, 10:00 in New York
let dir: string;
let db: Db;

const HEAD = 'ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at';
// id, queue, status, resolved, due, subject
const ROWS: [string, string, string, string, string, string][] = [
  ['T-1', 'billing', 'open', '', '2026-11-20T16:00:00Z', 'Due in an hour'],
  ['T-2', 'billing', 'open', '', '2026-11-20T13:00:00Z', 'Two hours overdue'],
  ['T-3', 'billing', 'pending', '', '2026-11-20T19:30:00Z', 'Due in 4h30'],
  ['T-4', 'billing', 'solved', '2026-11-20T12:00:00Z', '2026-11-20T14:00:00Z', 'Solved: not listed'],
  ['T-5', 'support', 'open', '', '2026-11-19T15:00:00Z', 'A day overdue <!channel> & co'],
  ['T-6', 'support', 'open', '', '', 'No due time'],
  ['T-7', 'support', 'open', '', '2026-11-23T15:00:00Z', 'Due Monday'],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-due-'));
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nbilling,80,20,1800,America/New_York,Billing\nsupport,90,30,1800,UTC,Tech Support\n');
  writeFileSync(
    join(dir, 'tickets.csv'),
    [HEAD, ...ROWS.map(([id, q, st, res, dueAt, subj]) => `${id},2026-11-18T10:00:00Z,,${res},${st},normal,email,${q},C-1,,"${subj}",body,,,0,0,0,${dueAt}`)].join('\n') + '\n',
  );
  db = openWarehouse(join(dir, 'w.db'));
  const report = await ingestFiles(db, [dir]);
  expect(report.ok, JSON.stringify(report)).toBe(true);
});

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(line: string, env: Record<string, string> = {}): Promise<DueResult> {
  const e = await execute(buildRegistry(), line, { db, now: NOW, config: loadConfig(env), surface: 'cli' });
  if (!e.ok) throw new Error(e.message);
  return e.result as DueResult;
}

describe('due', () => {
  it('lists open tickets by time left, overdue first (most overdue first); solved and undated ones left out', async () => {
    const r = await run('due');
    expect(r.tickets.map((t) => t.ticketId)).toEqual(['T-5', 'T-2', 'T-1', 'T-3', 'T-7']);
    expect(r.tickets.map((t) => Math.round(t.minutesLeft))).toEqual([-1440, -120, 60, 270, 3 * 1440]);
    expect(r.tickets.filter((t) => t.overdue).map((t) => t.ticketId)).toEqual(['T-5', 'T-2']);
    expect(r.openWithoutDue).toBe(1);
    expect(r.byQueue).toEqual([
      { queue: 'billing', open: 3, overdue: 1, dueSoon: 0 },
      { queue: 'support', open: 3, overdue: 1, dueSoon: 0 },
    ]);
    expect(r.risk).toEqual({ model: false, note: expect.stringMatching(/no model/) });
  });

  it('`within 2h` keeps overdue tickets and those due inside the window; a queue word filters', async () => {
    expect((await run('due within 2h')).tickets.map((t) => t.ticketId)).toEqual(['T-5', 'T-2', 'T-1']);
    expect((await run('due billing within 5 hours')).tickets.map((t) => t.ticketId)).toEqual(['T-2', 'T-1', 'T-3']);
    expect((await run('due within=90m')).withinMinutes).toBe(90);
  });

  it('counts time left in business hours when configured, in the queue’s time zone', async () => {
    // Support (UTC), 09:00–17:00 Mon–Fri. Now Fri 15:00 UTC. T-7 due Mon 15:00: Fri 15–17 (120) + Mon 09–15 (360) = 480.
    // T-5 due Thu 15:00: Thu 15–17 (120) + Fri 09–15 (360) = 480 business minutes overdue.
    const r = await run('due support', { RADAR_BUSINESS_HOURS: '09:00-17:00 mon-fri' });
    const byId = new Map(r.tickets.map((t) => [t.ticketId, t]));
    expect(byId.get('T-7')!.businessMinutesLeft).toBeCloseTo(480, 6);
    expect(byId.get('T-5')!.businessMinutesLeft).toBeCloseTo(-480, 6);
    expect(r.businessHours).toEqual({ support: '09:00–17:00 mon–fri' });
    // Billing (New York, now 10:00 local) with hours= on the line: T-3 due 14:30 local → 270 business minutes.
    const b = await run('due billing hours=8-18 days=mon-fri');
    expect(b.tickets.find((t) => t.ticketId === 'T-3')!.businessMinutesLeft).toBeCloseTo(270, 6);
  });

  it('escapes customer text in Block Kit and stays within the limits', async () => {
    const r = await run('due');
    const blocks = due.blocks!(r, { surface: 'slack' } as never);
    expect(validateBlocks(blocks)).toEqual([]);
    const text = JSON.stringify(blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; &amp; co');
  });

  it('bad input says what was wrong with an example', async () => {
    await expect(run('due within soon')).rejects.toThrow(/not a duration[\s\S]*due billing within 2h/);
    await expect(run('due hours=late')).rejects.toThrow(/business hours/);
    expect(() => loadConfig({ RADAR_BUSINESS_HOURS: 'whenever' })).toThrow(/RADAR_BUSINESS_HOURS/);
  });
});

describe('durations and business minutes', () => {
  it('reads durations', () => {
    expect(parseDuration('2h')).toBe(120);
    expect(parseDuration('90m')).toBe(90);
    expect(parseDuration('1h30m')).toBe(90);
    expect(parseDuration('2hours')).toBe(120);
    expect(parseDuration('1d')).toBe(1440);
    expect(parseDuration('soon')).toBeNull();
    expect(timeLeft(-125)).toBe('2h 05m overdue');
    expect(timeLeft(45)).toBe('45m');
  });

  it('parses the setting, with per-queue overrides', () => {
    const c = parseBusinessHoursConfig('09:00-17:00 mon-fri; billing=08:00-20:00 mon-sat');
    expect(c.default).toEqual({ from: 540, to: 1020, days: [1, 2, 3, 4, 5] });
    expect(c.byQueue.billing).toEqual({ from: 480, to: 1200, days: [1, 2, 3, 4, 5, 6] });
    expect(parseHours('18:00-08:00')).toBeNull();
    expect(() => parseBusinessHoursConfig('nine to five')).toThrow(/08:00-18:00 mon-fri/);
  });

  it('hand-counted spans across a weekend and a DST-free zone', () => {
    const h = parseHours('09:00-17:00 mon-fri')!;
    const ms = (s: string) => Date.parse(s);
    expect(businessMinutesBetween(ms('2026-11-20T16:00:00Z'), ms('2026-11-23T10:00:00Z'), h, 'UTC')).toBe(60 + 60);
    expect(businessMinutesBetween(ms('2026-11-21T09:00:00Z'), ms('2026-11-22T17:00:00Z'), h, 'UTC')).toBe(0);
    expect(businessMinutesBetween(ms('2026-11-16T00:00:00Z'), ms('2026-11-23T00:00:00Z'), h, 'UTC')).toBe(5 * 480);
  });

  it('properties: additive over any split, antisymmetric, at most the wall-clock minutes', () => {
    const h = parseHours('08:30-18:15 mon-sat')!;
    const base = Date.parse('2026-01-01T00:00:00Z');
    const minute = fc.integer({ min: 0, max: 60 * 24 * 40 });
    fc.assert(
      fc.property(minute, minute, minute, fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'), (a, b, c, tz) => {
        const [x, y, z] = [a, b, c].sort((p, q) => p - q).map((m) => base + m * 60_000);
        const whole = businessMinutesBetween(x, z, h, tz);
        expect(whole).toBeCloseTo(businessMinutesBetween(x, y, h, tz) + businessMinutesBetween(y, z, h, tz), 6);
        expect(businessMinutesBetween(z, x, h, tz)).toBeCloseTo(-whole, 6);
        expect(whole).toBeLessThanOrEqual((z - x) / 60_000 + 1e-9);
        expect(whole).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });
});
