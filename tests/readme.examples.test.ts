/**
 * Every command example in the README runs as written, at the clock the README states, on the warehouse
 * `npm run demo` builds (data/sample/ plus a trained risk model): none may end in a usage error (exit 2)
 * or an internal one (exit 1).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.js';
import { buildRegistry } from '../commands/index.js';

const README = readFileSync('README.md', 'utf8');
const names = new Set(buildRegistry().names());

/** Words of a command line as a shell would split them (double quotes group). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** Examples: the last cell of each Commands-table row, and inline `radar …` / `/radar …` code that names a command. */
function readmeExamples(): string[] {
  const out = new Set<string>();
  const commands = README.slice(README.indexOf('## Commands'), README.indexOf('\n## ', README.indexOf('## Commands') + 5));
  for (const row of commands.split('\n').filter((l) => l.startsWith('| `'))) {
    const cells = row.split(/(?<!\\)\|/).map((c) => c.trim()).filter(Boolean);
    const code = cells[cells.length - 1].match(/^`([^`]+)`$/);
    if (code && names.has(code[1].split(' ')[0])) out.add(code[1]);
  }
  for (const m of README.matchAll(/`(?:npx radar|radar|\/radar) ([^`]+)`/g)) {
    const line = m[1];
    if (/[<…[\]|]/.test(line) || !names.has(line.split(' ')[0])) continue; // grammar, not an example
    out.add(line);
  }
  return [...out];
}

function sink() {
  let text = '';
  return { stream: new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } }), get text() { return text; } };
}

async function radar(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, { out: out.stream, err: err.stream });
  return { code, out: out.text, err: err.text };
}

const clock = README.match(/`RADAR_NOW=([0-9T:Z-]+)`/)?.[1];
let db: string;

beforeAll(async () => {
  expect(clock, 'the README states its clock as `RADAR_NOW=…`').toBeTruthy();
  process.env.RADAR_NOW = clock;
  db = join(mkdtempSync(join(tmpdir(), 'radar-readme-')), 'w.db');
  expect((await radar(['--db', db, 'ingest', 'data/sample'])).code).toBe(0);
  expect((await radar(['--db', db, 'risk', 'train'])).code).toBe(0);
}, 120_000);

describe('README examples', () => {
  const examples = readmeExamples();
  it('finds the examples (the Commands table and the inline ones)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(12);
    for (const c of ['sla', 'why', 'drift', 'whatif', 'staffing', 'risk', 'tickets', 'alerts', 'ask', 'help']) expect(examples.some((e) => e.startsWith(c + ' '))).toBe(true);
  });
  for (const line of examples) {
    it(`radar ${line}`, async () => {
      const r = await radar(['--db', db, ...shellWords(line)]);
      expect(r.err, `radar ${line}`).not.toMatch(/^Example:/m);
      expect(r.code, `radar ${line}\n${r.err}`).toBe(0);
    }, 60_000);
  }
});

describe('radar demo', () => {
  it('runs its tour at the sample’s own clock on any later day: every step answers, the risk model is trained', async () => {
    const pinned = process.env.RADAR_NOW;
    delete process.env.RADAR_NOW;
    try {
      const fresh = join(mkdtempSync(join(tmpdir(), 'radar-demo-')), 'w.db');
      const r = await radar(['--db', fresh, 'demo']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/# Clock: 2026-11-20 15:00 UTC, the sample's last day/);
      const steps = r.out.split('\n$ radar ').slice(1);
      expect(steps.length).toBeGreaterThanOrEqual(8);
      for (const s of steps) {
        expect(s, s.slice(0, 200)).not.toMatch(/^Example: `radar/m);
        expect(s, s.slice(0, 200)).not.toMatch(/Sorry — something went wrong|Not enough data|no model/i);
      }
      expect(steps.find((s) => s.startsWith('risk train'))).toBeTruthy();
      // The last-7-days table has the 7 days before the sample clock's today (11-13 … 11-19).
      const week = steps.find((s) => s.startsWith('sla billing last 7 days'))!;
      for (let d = 13; d <= 19; d++) expect(week).toContain(`2026-11-${d}`);
    } finally {
      process.env.RADAR_NOW = pinned;
    }
  }, 120_000);
});
