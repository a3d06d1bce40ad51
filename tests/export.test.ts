import { describe, expect, test, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import type { CommandContext } from '../src/registry.js';
import type { ExportResult } from '../commands/export.js';

// billing on New York time: its local 2026-11-20 is [11-20T05:00Z, 11-21T05:00Z).
const POLICY = 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone\nbilling,80,20,1800,America/New_York\nsupport,90,30,1800,UTC\n';
const INTERVALS = [
  'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds,answered_wait_seconds,abandoned_wait_seconds',
  '2026-11-20T04:30:00Z,billing,10,9,1,8,312.5,40,3.25,80,20,11,300,95.5,20',
  '2026-11-20T05:00:00Z,billing,0,0,0,0,,,1,80,20,,,,',
  '2026-11-20T05:30:00Z,billing,7,7,0,7,0.1,0.05,2,80,20,7.5,299.999,,',
  // a plan row: outcome columns empty
  '2026-11-22T10:00:00Z,billing,,,,,,,4,80,20,12,310,,',
  '2026-11-20T10:00:00Z,support,3,3,0,2,200,10,1.5,90,30,,,,',
].join('\n');
const TICKETS = [
  'ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at,attr_plan,attr_seats',
  'B1,2026-11-20T04:59:59Z,2026-11-20T05:04:59Z,2026-11-20T06:00:00Z,solved,low,email,billing,C-9,,"Refund, please","She said ""no"", twice\nsecond line — ünïcode",refund,3,0,0,0,,pro,12',
  'B2,2026-11-20T05:00:00Z,,,open,normal,chat,billing,,,s,,,,0,,,2026-11-21T05:00:00Z,,',
  'B3,2026-11-21T04:59:59Z,2026-11-21T05:00:00Z,,pending,urgent,phone,billing,C-1,A-1,=cmd(),"  padded  ",x,5,2,1,1,,free,',
  'S1,2026-11-20T10:00:00Z,2026-11-20T10:40:00Z,2026-11-20T12:00:00Z,solved,high,web,support,C-4,,s,b,y,1,0,0,0,,,3',
].join('\n');

const registry = buildRegistry();
const config = loadConfig({});
const now = new Date('2026-11-23T15:00:00Z');
let dir: string;
let a: Db;

async function warehouse(files: string[], name: string): Promise<Db> {
  const db = openWarehouse(join(dir, `${name}.db`));
  const rep = await ingestFiles(db, files, { defaultTz: 'UTC' });
  if (!rep.ok) throw new Error(JSON.stringify(rep.problems.slice(0, 3)));
  return db;
}

async function exportTo(db: Db, line: string, over: Partial<CommandContext> = {}) {
  return execute(registry, line, { db, now, config, surface: 'cli', ...over });
}

async function exported(db: Db, line: string): Promise<ExportResult> {
  const e = await exportTo(db, line);
  if (!e.ok) throw new Error(e.message);
  return e.result as ExportResult;
}

const dump = (db: Db, sql: string) => db.prepare(sql).raw().all();
const INTERVAL_ROWS = `SELECT queue, interval_start, interval_seconds, local_date, local_minute, local_dow, offered, handled, abandoned, answered_within_target, aht_seconds, acw_seconds,
  agents_staffed, sl_target_pct, sl_target_seconds, forecast_offered, forecast_aht_seconds, has_outcome, answered_wait_seconds, abandoned_wait_seconds FROM interval_inputs ORDER BY queue, interval_start`;
const TICKET_ROWS = `SELECT ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id, agent_id, subject, body, category, csat, reopen_count,
  escalated, sla_breached, due_at, attributes FROM tickets ORDER BY ticket_id`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-export-test-'));
  writeFileSync(join(dir, 'sla_policy.csv'), POLICY);
  writeFileSync(join(dir, 'intervals.csv'), INTERVALS + '\n');
  writeFileSync(join(dir, 'tickets.csv'), TICKETS + '\n');
  a = await warehouse([join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv'), join(dir, 'tickets.csv')], 'a');
});

describe('export → ingest round trip', () => {
  for (const format of ['csv', 'json'] as const) {
    test(`intervals and tickets (${format}) re-ingest to the same rows`, async () => {
      const ext = format === 'csv' ? 'csv' : 'jsonl';
      const iv = await exported(a, `export intervals ${format} --out ${join(dir, `iv.${ext}`)}`);
      const tk = await exported(a, `export tickets ${format} --out ${join(dir, `tk.${ext}`)}`);
      expect(iv.rows).toBe(5);
      expect(tk.rows).toBe(4);
      // The policy first (time zones decide local dates), then the exports.
      const b = await warehouse([join(dir, 'sla_policy.csv'), iv.path, tk.path], `b-${format}`);
      expect(dump(b, INTERVAL_ROWS)).toEqual(dump(a, INTERVAL_ROWS));
      expect(dump(b, TICKET_ROWS)).toEqual(dump(a, TICKET_ROWS));
      // And the export of the copy is the same file, byte for byte.
      const iv2 = await exported(b, `export intervals ${format} --out ${join(dir, `iv2.${ext}`)}`);
      const tk2 = await exported(b, `export tickets ${format} --out ${join(dir, `tk2.${ext}`)}`);
      expect(readFileSync(iv2.path)).toEqual(readFileSync(iv.path));
      expect(readFileSync(tk2.path)).toEqual(readFileSync(tk.path));
    });
  }

  test('CSV: header row, ISO UTC timestamps, quoting, a plan row with empty outcomes, attr_* columns', async () => {
    const tk = await exported(a, `export tickets --out ${join(dir, 't.csv')}`);
    const text = readFileSync(tk.path, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at,attr_plan,attr_seats');
    // billing first (queues in order), by creation; quotes doubled, the newline kept inside the quoted cell.
    expect(lines[1]).toBe('B1,2026-11-20T04:59:59Z,2026-11-20T05:04:59Z,2026-11-20T06:00:00Z,solved,low,email,billing,C-9,,"Refund, please","She said ""no"", twice');
    expect(lines[2]).toBe('second line — ünïcode",refund,3,0,0,0,,pro,12');
    const iv = await exported(a, `export intervals billing --out ${join(dir, 'i.csv')}`);
    const il = readFileSync(iv.path, 'utf8').trim().split('\n');
    expect(il).toHaveLength(5);
    expect(il[4]).toBe('2026-11-22T10:00:00Z,billing,,,,,,,4,80,20,12,310,,');
  });

  test('a range is local days of each queue; json is JSON Lines', async () => {
    // billing's 2026-11-20 in New York: B2 (05:00Z) and B3 (next day 04:59:59Z), not B1 (04:59:59Z).
    const tk = await exported(a, `export tickets billing 2026-11-20 json --out ${join(dir, 'd.jsonl')}`);
    const objs = readFileSync(tk.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => o.ticket_id)).toEqual(['B2', 'B3']);
    expect(objs[1]).toMatchObject({ created_at: '2026-11-21T04:59:59Z', csat: 5, attr_plan: 'free', attr_seats: null, due_at: null });
    // Intervals of billing's local 2026-11-20: 05:00Z and 05:30Z (04:30Z is 11-19 23:30 in New York).
    const iv = await exported(a, `export intervals billing 2026-11-20 --out ${join(dir, 'd.csv')}`);
    expect(iv.rows).toBe(2);
  });

  test('sla and kpi exports, default file in Slack is temporary; --out refused outside the terminal', async () => {
    const sla = await exported(a, `export sla billing 2026-11-20 --out ${join(dir, 's.csv')}`);
    const sl = readFileSync(sla.path, 'utf8').trim().split('\n');
    expect(sl[0].startsWith('date,queue,intervals,offered,handled,abandoned,answered_within_target,sl,')).toBe(true);
    // billing local 11-20: the 05:00Z and 05:30Z intervals: offered 0 + 7, answered within target 7 → SL 1.
    expect(sl[1].split(',').slice(0, 8)).toEqual(['2026-11-20', 'billing', '2', '7', '7', '0', '7', '1']);
    const k = await exported(a, `export kpi 2026-11-20 --out ${join(dir, 'k.csv')}`);
    expect(k.rows).toBe(3); // billing, support, all
    expect(k.columns.slice(0, 4)).toEqual(['period_from', 'period_to', 'segment', 'tickets']);
    const slack = await exportTo(a, 'export tickets billing', { surface: 'slack', userId: 'U1', channelId: 'C1' });
    expect(slack.ok).toBe(true);
    if (slack.ok) {
      const r = slack.result as ExportResult;
      expect(r.temporary).toBe(true);
      expect(existsSync(r.path)).toBe(true);
      expect(r.filename).toBe('radar-tickets-billing.csv');
    }
    const refused = await exportTo(a, `export tickets --out ${join(dir, 'x.csv')}`, { surface: 'slack', userId: 'U1', channelId: 'C1' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/only in the terminal/);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  test('agent_id only to RADAR_ADMINS in a DM with the bot; the terminal always includes it', async () => {
    const admins = loadConfig({ RADAR_ADMINS: 'UADMIN1' });
    const fileOf = async (over: Partial<CommandContext>) => {
      const e = await execute(registry, 'export tickets billing', { db: a, now, config: admins, ...over } as CommandContext);
      if (!e.ok) throw new Error(e.message);
      const r = e.result as ExportResult;
      return { r, head: readFileSync(r.path, 'utf8').split('\n')[0].split(','), text: e.command.text!(e.result) };
    };
    const cli = await fileOf({ surface: 'cli' });
    expect(cli.head).toContain('agent_id');
    expect(cli.r.withheld).toBeNull();
    const admin = await fileOf({ surface: 'slack', userId: 'UADMIN1', channelId: 'D42' });
    expect(admin.head).toContain('agent_id');
    // B3's agent A-1 is in the admin's file.
    expect(readFileSync(admin.r.path, 'utf8')).toMatch(/\bA-1\b/);
    for (const who of [{ userId: 'U1', channelId: 'D42' }, { userId: 'UADMIN1', channelId: 'C1' }, { userId: 'U1', channelId: 'C1' }]) {
      const x = await fileOf({ surface: 'slack', ...who });
      expect(x.head).not.toContain('agent_id');
      expect(x.head).toEqual(cli.head.filter((c) => c !== 'agent_id'));
      expect(readFileSync(x.r.path, 'utf8')).not.toMatch(/\bA-1\b/);
      expect(x.text).toMatch(/Without agent_id: agent-level data goes only to RADAR_ADMINS, in a direct message/);
      // The row count is unchanged: only the column is left out.
      expect(x.r.rows).toBe(cli.r.rows);
    }
  });

  test('bad input: no dataset, unknown words, unknown queue', async () => {
    for (const [line, msg] of [['export', /Say what to export/], ['export tickets bananas', /didn't understand/], ['export tickets queue=nope', /don't know the queue/]] as const) {
      const e = await exportTo(a, line);
      expect(e.ok).toBe(false);
      if (!e.ok) {
        expect(e.kind).toBe('usage');
        expect(e.message).toMatch(msg);
        expect(e.message).toMatch(/Example/);
      }
    }
  });
});
