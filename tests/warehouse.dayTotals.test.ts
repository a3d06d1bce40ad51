import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';

/**
 * interval_day_totals (migration 019) holds per queue and local day sums of the realised intervals, kept by
 * ingest over the days each run wrote. Checked against a second method: the same sums taken in JavaScript
 * over v_interval_metrics, after every kind of load.
 */
const HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds';

interface DayTotals {
  offered: number;
  talkHandled: number | null;
  acwHandled: number | null;
  handledTimed: number | null;
  agentsOpen: number | null;
  openIntervals: number;
}

const add = (a: number | null, b: number | null) => (b === null ? a : (a ?? 0) + b);

/** The reference: every realised interval summed per queue and local day in JavaScript. */
function reference(db: Db): Map<string, DayTotals> {
  const rows = db
    .prepare('SELECT queue, local_date AS d, offered, handled, aht_seconds AS aht, acw_seconds AS acw, agents_staffed AS agents FROM v_interval_metrics')
    .all() as { queue: string; d: string; offered: number; handled: number; aht: number | null; acw: number | null; agents: number }[];
  const out = new Map<string, DayTotals>();
  for (const r of rows) {
    const k = `${r.queue} ${r.d}`;
    const t = out.get(k) ?? { offered: 0, talkHandled: null, acwHandled: null, handledTimed: null, agentsOpen: null, openIntervals: 0 };
    t.offered += r.offered;
    if (r.aht !== null) {
      t.talkHandled = add(t.talkHandled, (r.aht - (r.acw ?? 0)) * r.handled);
      t.handledTimed = add(t.handledTimed, r.handled);
    }
    if (r.acw !== null) t.acwHandled = add(t.acwHandled, r.acw * r.handled);
    if (r.offered > 0) {
      t.agentsOpen = add(t.agentsOpen, r.agents);
      t.openIntervals++;
    }
    out.set(k, t);
  }
  return out;
}

function stored(db: Db): Map<string, DayTotals> {
  const rows = db
    .prepare('SELECT queue, local_date AS d, offered, talk_handled AS talkHandled, acw_handled AS acwHandled, handled_timed AS handledTimed, agents_open AS agentsOpen, open_intervals AS openIntervals FROM v_interval_day_totals')
    .all() as ({ queue: string; d: string } & DayTotals)[];
  return new Map(rows.map(({ queue, d, ...t }) => [`${queue} ${d}`, t]));
}

function expectConsistent(db: Db): void {
  const want = reference(db);
  const got = stored(db);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [k, w] of want) {
    const g = got.get(k)!;
    for (const f of Object.keys(w) as (keyof DayTotals)[]) {
      if (w[f] === null) expect(g[f], `${k} ${f}`).toBeNull();
      else expect(g[f], `${k} ${f}`).toBeCloseTo(w[f]!, 6);
    }
  }
}

let dir: string;
let db: Db;
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'radar-daytotals-'));
  db = openWarehouse(join(dir, 'w.db'));
});
afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('interval_day_totals: per queue and day sums kept by ingest', () => {
  it('equals the sums of the intervals after a first load, an upsert of changed and new days, a time zone move, a rejected run and a reset', async () => {
    expect((await ingestFiles(db, ['data/sample/sla_policy.csv', 'data/sample/intervals.csv'], { workerMinBytes: Infinity })).ok).toBe(true);
    expect(stored(db).size).toBeGreaterThan(300);
    expectConsistent(db);

    // Changed outcomes on two days (one with an empty AHT now), and a day the warehouse did not have.
    const changed = file('changed.csv', [
      HEADER,
      '2026-11-18T15:00:00Z,billing,40,38,2,30,500,60,9,80,20',
      '2026-11-18T15:30:00Z,billing,0,0,0,0,,,4,80,20',
      '2026-10-02T14:00:00Z,shipping,25,25,0,25,333,,6,80,20',
      '2026-12-01T14:00:00Z,billing,12,11,1,10,400,40,3,80,20',
      '2026-12-01T14:30:00Z,billing,14,14,0,14,410,,3,80,20',
    ]);
    expect((await ingestFiles(db, [changed])).ok).toBe(true);
    expect(stored(db).get('billing 2026-12-01')?.openIntervals).toBe(2);
    expectConsistent(db);

    // billing moves from New York to Tokyo: re-ingested rows land on other local days (16:00Z is 11:00 in New York,
    // 01:00 the next day in Tokyo); the days they left must lose them.
    const policy = readFileSync('data/sample/sla_policy.csv', 'utf8').replace('billing,80,20,1800,America/New_York', 'billing,80,20,1800,Asia/Tokyo');
    const moved = file('moved.csv', [HEADER, '2026-11-10T16:00:00Z,billing,30,30,0,28,420,50,7,80,20', '2026-11-10T16:30:00Z,billing,31,30,1,27,430,50,7,80,20']);
    expect((await ingestFiles(db, [file('sla_policy.csv', policy.trim().split('\n')), moved])).ok).toBe(true);
    expect(db.prepare("SELECT local_date FROM interval_inputs WHERE queue = 'billing' AND interval_start = '2026-11-10T16:00:00Z'").pluck().get()).toBe('2026-11-11');
    expectConsistent(db);

    // A run with a bad row changes nothing, totals included.
    const before = stored(db);
    const bad = file('bad.csv', [HEADER, '2026-11-19T15:00:00Z,billing,99,99,0,99,300,30,9,80,20', '2026-11-19T15:30:00Z,billing,-1,0,0,0,,,4,80,20']);
    expect((await ingestFiles(db, [bad])).ok).toBe(false);
    expect(stored(db)).toEqual(before);

    // --reset keeps only what the run loads.
    const only = file('only.csv', [HEADER, '2026-11-19T15:00:00Z,accounts,10,10,0,9,300,30,3,80,20']);
    expect((await ingestFiles(db, [only], { reset: true })).ok).toBe(true);
    expect([...stored(db).keys()]).toEqual(['accounts 2026-11-19']);
    expectConsistent(db);
  }, 60_000);

  it('a warehouse from before migration 019 gets its totals from the intervals it already holds', async () => {
    expect((await ingestFiles(db, ['data/sample/sla_policy.csv', 'data/sample/intervals.csv'], { workerMinBytes: Infinity })).ok).toBe(true);
    const path = db.name;
    db.close();
    const raw = new Database(path);
    raw.exec('DROP VIEW v_interval_day_totals; DROP TABLE interval_day_totals');
    raw.pragma('user_version = 18');
    raw.close();
    db = openWarehouse(path);
    expect(stored(db).size).toBeGreaterThan(300);
    expectConsistent(db);
  }, 60_000);
});
