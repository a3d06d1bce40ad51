import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { main } from '../src/cli/main.js';

function capture() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } });
  return { stream, get text() { return text; } };
}

async function radar(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(args, { out: out.stream, err: err.stream });
  return { code, out: out.text, err: err.text };
}

let db: string;
beforeAll(async () => {
  process.env.RADAR_NOW = '2026-11-21T15:00:00Z';
  db = join(mkdtempSync(join(tmpdir(), 'radar-cli-')), 'w.db');
  const r = await radar(['--db', db, 'ingest', 'tests/fixtures/small']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/Loaded: 2 sla_policy, 5 intervals/);
});

describe('radar CLI', () => {
  it('sla --json prints the result object with volume-weighted SL', async () => {
    const r = await radar(['--db', db, 'sla', 'billing', '2026-11-19', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.range).toMatchObject({ from: '2026-11-19', to: '2026-11-19' });
    expect(j.queues).toHaveLength(1);
    // (80 + 45) answered within target of (100 + 50 + 0) offered.
    expect(j.queues[0].total.sl).toBeCloseTo(125 / 150, 12);
    expect(j.queues[0].trend14).toHaveLength(14);
  });

  it('sla text lists the worst queue first and intervals below target', async () => {
    const r = await radar(['--db', db, 'sla', 'yesterday']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.findIndex((l) => l.includes('billing'))).toBeLessThan(lines.findIndex((l) => l.includes('support')));
    expect(r.out).toMatch(/billing: 1 interval\(s\) below target on 2026-11-20: 09:00 60 %/);
  });

  it('a bad argument exits 2 with what was wrong and an example', async () => {
    const r = await radar(['--db', db, 'sla', 'nowhere']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/don't know the queue or date "nowhere"/);
    expect(r.err).toMatch(/Example: `radar sla billing yesterday`/);
  });

  it('ingest of a bad path and of bad rows exits non-zero with a report', async () => {
    const missing = await radar(['--db', db, 'ingest', 'no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/No such file or folder/);
  });

  it('on an empty warehouse a data command says nothing is loaded and how to load it', async () => {
    const empty = join(mkdtempSync(join(tmpdir(), 'radar-cli-')), 'empty.db');
    const r = await radar(['--db', empty, 'sla', 'billing', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no interval data yet/);
    expect(r.err).toMatch(/npm run demo/);
    expect(r.err).toMatch(/radar ingest/);
  });

  it('a date range without data says so and names the range the warehouse holds', async () => {
    const r = await radar(['--db', db, 'sla', '2099-01-01']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No interval data for 2099-01-01: the warehouse holds 2026-11-\d\d … 2026-11-\d\d/);
  });

  it('out-of-range arguments are named in user words, not zod’s', async () => {
    const r = await radar(['--db', db, 'staffing', 'billing', '2026-11-20', 'target', '101/20']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Target % must be at most 100\./);
    expect(r.err).not.toMatch(/targetPct|Too big|expected number/);
  });

  it('volume −100 % is refused (no contacts, no SL) instead of reporting SL 100 %', async () => {
    const r = await radar(['--db', db, 'whatif', 'billing', '2026-11-20', 'volume', '-100%']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no contacts at all/);
  });

  it('a huge argument is not echoed back whole', async () => {
    const r = await radar(['--db', db, 'sla', 'x'.repeat(18_000)]);
    expect(r.code).toBe(2);
    expect(r.err.length).toBeLessThan(600);
    expect(r.err).toMatch(/18000 characters/);
  });

  it('help lists every command with an example', async () => {
    const r = await radar(['--db', db, 'help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sla \[queue\]/);
    expect(r.out).toMatch(/e\.g\. sla billing yesterday/);
  });

  it('the installed bin runs (npx radar)', () => {
    const out = execFileSync(process.execPath, ['bin/radar.js', '--db', db, 'sla', 'support', '2026-11-20', '--json'], { encoding: 'utf8', env: { ...process.env } });
    expect(JSON.parse(out).queues[0].total.sl).toBeCloseTo(38 / 40, 12);
  });
});

describe('registry edge cases', () => {
  it('a lone "public" after the command is the visibility flag, not an argument', async () => {
    const { buildRegistry } = await import('../commands/index.js');
    const { parseCommandLine } = await import('../src/registry.js');
    const pctx = { queues: ['billing'], now: new Date('2026-11-21T15:00:00Z'), tz: 'UTC', queueTz: () => 'UTC' };
    const r = parseCommandLine(buildRegistry(), 'sla public', pctx);
    expect(r.ok && r.public).toBe(true);
    const r2 = parseCommandLine(buildRegistry(), 'sla billing public', pctx);
    expect(r2.ok && r2.public && (r2.args as { queue: string }).queue).toBe('billing');
  });

  it('usage errors quoting user text are escaped in Block Kit', async () => {
    const { buildRegistry } = await import('../commands/index.js');
    const { renderBlocks } = await import('../src/execute.js');
    const { parseCommandLine, usageText } = await import('../src/registry.js');
    const pctx = { queues: ['billing'], now: new Date('2026-11-21T15:00:00Z'), tz: 'UTC', queueTz: () => 'UTC' };
    const r = parseCommandLine(buildRegistry(), 'sla <!channel>', pctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const blocks = renderBlocks({ ok: false, kind: 'usage', error: r.error, message: usageText(r.error) });
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(blocks)).toContain('&lt;!channel&gt;');
  });
});
