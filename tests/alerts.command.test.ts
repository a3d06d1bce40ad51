import { describe, it, expect, afterEach } from 'vitest';
import { PassThrough } from 'node:stream';
import type { Db } from '../src/warehouse/db.js';
import { execute, renderText, type Execution } from '../src/execute.js';
import type { CommandContext } from '../src/registry.js';
import { configSchema } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { getRule, listRules } from '../src/alerts/store.js';
import { main } from '../src/cli/main.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

const registry = buildRegistry();
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
});

/** One day of billing: SL 90, 70, 70, 90, 70, 90, 90, 70, 70, 70 % from 08:00 UTC. */
const PATTERN = [90, 70, 70, 90, 70, 90, 90, 70, 70, 70];
function rows(): IntervalSpec[] {
  return PATTERN.map((sl, k) => ({ start: slot('2026-11-18T08:00:00Z', k), queue: 'billing', offered: 100, awt: sl }));
}

async function setup() {
  const w = await warehouseWith(rows(), [{ queue: 'billing', tz: 'UTC', target: 80 }, { queue: 'returns', tz: 'Europe/London', target: 85 }]);
  dbs.push(w.db);
  return w;
}

function ctx(db: Db, o: Partial<CommandContext> = {}): CommandContext {
  return { db, now: new Date('2026-11-20T12:00:00Z'), config: configSchema.parse({ RADAR_ADMINS: 'UADMIN' }), surface: 'cli', ...o };
}
const slack = (db: Db, userId: string, channelId = 'C0OPS') => ctx(db, { surface: 'slack', userId, channelId });
const ok = (e: Execution) => {
  if (!e.ok) throw new Error(e.message);
  return e.result as Record<string, unknown>;
};

describe('alerts command', () => {
  it('adds from Slack into the current channel with the creator recorded; from the CLI the channel may be omitted', async () => {
    const { db } = await setup();
    const a = ok(await execute(registry, 'alerts add sl < 75 for 2 intervals queue=billing severity=high', slack(db, 'UANA')));
    expect(a.kind).toBe('added');
    expect(getRule(db, 1)).toMatchObject({ createdBy: 'UANA', spec: { channel: 'C0OPS', tz: 'UTC', severity: 'high' } });
    const e = await execute(registry, 'alerts add abandon > 8 returns', ctx(db), 'radar');
    expect(renderText(e)).toMatch(/Added rule #2: abandon rate > 8 % for 1 interval · returns · \(no channel\) · medium \(Europe\/London\)\nNo channel:/);
    expect(getRule(db, 2)?.spec.channel).toBeNull();
  });

  it('only the creator or an admin may change a rule; others get a polite refusal', async () => {
    const { db } = await setup();
    await execute(registry, 'alerts add sl < 75 queue=billing', slack(db, 'UANA'));
    for (const line of ['alerts edit 1 severity=critical', 'alerts remove 1', 'alerts mute 1 2h']) {
      const r = ok(await execute(registry, line, slack(db, 'UBOB')));
      expect(r.kind).toBe('refused');
      expect(r.message).toMatch(/^Sorry — only its creator \(<@UANA>\) or a Radar admin can (change|remove|mute) rule #1\./);
    }
    expect(getRule(db, 1)?.spec.severity).toBe('medium');
    expect(ok(await execute(registry, 'alerts edit 1 severity=critical', slack(db, 'UADMIN'))).kind).toBe('edited');
    expect(getRule(db, 1)?.spec.severity).toBe('critical');
    expect(ok(await execute(registry, 'alerts mute 1 2h', slack(db, 'UANA'))).kind).toBe('muted');
    expect(getRule(db, 1)?.mutedUntil).toBe(Date.parse('2026-11-20T14:00:00Z'));
    expect(ok(await execute(registry, 'alerts remove 1', slack(db, 'UANA'))).kind).toBe('removed');
    expect(listRules(db)).toHaveLength(0);
  });

  it('bad subcommands and ids come back as usage errors with an example', async () => {
    const { db } = await setup();
    const cases: [string, RegExp][] = [
      ['alerts frobnicate', /I don't know "alerts frobnicate"/],
      ['alerts add', /Tell me what to watch/],
      ['alerts edit x severity=high', /Which rule\?/],
      ['alerts remove 7', /There is no rule #7/],
      ['alerts digest #ops 8h30', /didn't understand "8h30"/],
      ['alerts backtest --from 2026-11-10 --to 2026-11-01', /must end on or after its start/],
    ];
    for (const [line, re] of cases) {
      const e = await execute(registry, line, ctx(db), 'radar');
      expect(e.ok, line).toBe(false);
      if (!e.ok) {
        expect(e.kind).toBe('usage');
        expect(e.message, line).toMatch(re);
        expect(e.message, line).toMatch(/Example: `radar alerts /);
      }
    }
  });

  it('test evaluates a rule now without storing anything', async () => {
    const { db } = await setup();
    const r = ok(await execute(registry, 'alerts test sl < 75 queue=billing', ctx(db, { now: new Date('2026-11-18T09:31:00Z') })));
    expect(r).toMatchObject({ kind: 'test', stored: false });
    expect((r.results as { scope: string; value: number; phase: string }[]).map((x) => [x.scope, x.value, x.phase])).toEqual([['billing', 70, 'firing']]);
    expect(listRules(db)).toHaveLength(0);
  });

  it('digest subscriptions: set, list, stop', async () => {
    const { db } = await setup();
    expect(renderText(await execute(registry, 'alerts digest #support-ops 08:30 Europe/London', ctx(db)))).toMatch(/Daily digest for #support-ops at 08:30 Europe\/London/);
    expect(renderText(await execute(registry, 'alerts digest', ctx(db)))).toBe('#support-ops at 08:30 Europe/London');
    expect(renderText(await execute(registry, 'alerts digest off #support-ops', ctx(db)))).toMatch(/stopped/);
    expect(renderText(await execute(registry, 'alerts digest list', ctx(db)))).toMatch(/No digests/);
  });
});

describe('backtest (hand-derived episodes)', () => {
  it('counts alerts, durations and flaps', async () => {
    const { db } = await setup();
    await execute(registry, 'alerts add sl < 75 for 2 intervals queue=billing', ctx(db));
    const r = ok(await execute(registry, 'alerts backtest --rule 1 --from 2026-11-18 --to 2026-11-18', ctx(db)));
    // Runs of breached intervals: k1–2 (fires at the end of k2, recovers at k3: 60 min, raised then gone at once → flap),
    // k4 alone (too short), k7–9 (fires at the end of k8, still firing at the end of the data).
    expect(r.alerts).toEqual([
      { rule: 1, scope: 'billing', firedAt: '2026-11-18T08:30:00Z', resolvedAt: '2026-11-18T09:30:00Z', peak: 70, notifiedAt: '2026-11-18T09:30:00Z', durationMinutes: 60, reopens: 0, flap: true },
      { rule: 1, scope: 'billing', firedAt: '2026-11-18T11:30:00Z', resolvedAt: null, peak: 70, notifiedAt: '2026-11-18T12:30:00Z', durationMinutes: null, reopens: 0, flap: false },
    ]);
    expect(r.summary).toMatchObject({ fired: 2, flaps: 1, meanDurationMinutes: 60 });
  });

  it('a long cooldown merges re-breaches into one re-opened alert (counted as a flap)', async () => {
    const { db } = await setup();
    await execute(registry, 'alerts add sl < 75 for 1 interval cooldown=2h queue=billing', ctx(db));
    const r = ok(await execute(registry, 'alerts backtest 1 2026-11-18', ctx(db)));
    // Fires at k1; recovers at k3; re-breaches at k4 (30 min later: re-opened) and k7 (60 min after k5's recovery).
    expect(r.alerts).toEqual([{ rule: 1, scope: 'billing', firedAt: '2026-11-18T08:30:00Z', resolvedAt: null, peak: 70, notifiedAt: '2026-11-18T09:00:00Z', durationMinutes: null, reopens: 2, flap: true }]);
  });

  it('radar alerts backtest --json prints { alerts, summary }', async () => {
    const { db, path } = await setup();
    await execute(registry, 'alerts add sl < 75 for 2 intervals queue=billing', ctx(db));
    db.close();
    dbs.splice(dbs.indexOf(db), 1);
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const code = await main(['--db', path, 'alerts', 'backtest', '--rule', '1', '--from', '2026-11-18', '--to', '2026-11-18', '--json'], { out, err });
    expect(code).toBe(0);
    const parsed = JSON.parse(text) as { alerts: Record<string, unknown>[]; summary: Record<string, unknown> };
    expect(Object.keys(parsed).sort()).toEqual(['alerts', 'summary']);
    expect(parsed.alerts[0]).toMatchObject({ rule: 1, scope: 'billing', firedAt: '2026-11-18T08:30:00Z', resolvedAt: '2026-11-18T09:30:00Z', peak: 70 });
    expect(parsed.summary).toMatchObject({ fired: 2, flaps: 1, meanDurationMinutes: 60 });
  });
});
