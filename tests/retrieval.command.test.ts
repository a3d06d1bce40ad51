import { beforeAll, describe, expect, test } from 'vitest';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute, renderBlocks } from '../src/execute.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { highlight, type TicketsResult } from '../commands/tickets.js';
import type { CommandContext } from '../src/registry.js';

const NOW = new Date('2026-11-20T18:00:00Z');
let db: Db;
const registry = buildRegistry();
const ctx = (surface: CommandContext['surface'] = 'cli'): CommandContext => ({ db, now: NOW, config: loadConfig({ RADAR_TZ: 'UTC' }), surface });

beforeAll(async () => {
  db = openWarehouse(':memory:');
  expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
  const ins = db.prepare(`INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject, body, category) VALUES (?, ?, ?, ?, 'email', ?, ?, ?, ?)`);
  ins.run('T-10', '2026-11-18T15:00:00Z', 'open', 'urgent', 'billing', 'Invoice portal down', 'Portal shows error 502 & <b>nothing</b> loads', 'invoice_portal_error');
  ins.run('T-11', '2026-11-19T04:30:00Z', 'pending', 'normal', 'billing', 'Cannot open invoice', 'The invoice page spins forever', 'invoice_portal_error');
  ins.run('T-12', '2026-11-19T16:00:00Z', 'solved', 'low', 'support', 'Login loop', 'App keeps logging me out', 'app_release_login_bug');
});

async function run(line: string, c = ctx()) {
  const e = await execute(registry, line, c);
  if (!e.ok) throw new Error(e.message);
  return e as typeof e & { result: TicketsResult };
}

describe('tickets command', () => {
  test('search with queue, local dates (the queue’s time zone) and filters', async () => {
    const all = await run('tickets invoice');
    expect(all.result.hits.map((h) => h.ticketId).sort()).toEqual(['T-1', 'T-10', 'T-11']);
    // billing is America/New_York: 2026-11-19 local = [05:00Z, next 05:00Z): T-11 (04:30Z) is on the 18th there.
    const day = await run('tickets invoice billing 2026-11-19');
    expect(day.result.filters).toMatchObject({ queue: 'billing', range: { from: '2026-11-19', to: '2026-11-19' } });
    expect(day.result.hits.map((h) => h.ticketId)).toEqual([]);
    const d18 = await run('tickets invoice billing 2026-11-18');
    expect(d18.result.hits.map((h) => h.ticketId).sort()).toEqual(['T-10', 'T-11']);
    expect((await run('tickets invoice priority=urgent,high')).result.hits.map((h) => h.ticketId).sort()).toEqual(['T-1', 'T-10']);
    expect((await run('tickets invoice status=open,pending limit=1')).result.hits).toHaveLength(1);
  });

  test('a queue word is a filter only when it names a queue exactly; other words are searched', async () => {
    const r = await run('tickets login support');
    expect(r.result.filters.queue).toBe('support');
    expect(r.result.query).toBe('login');
    const q = await run('tickets "invoice page"');
    expect(q.result.query).toBe('"invoice page"');
    expect(q.result.hits.map((h) => h.ticketId)).toEqual(['T-11']);
  });

  test('similar tickets, and usage errors with examples', async () => {
    const s = await run('tickets similar t-10');
    expect(s.result.ticket?.ticketId).toBe('T-10');
    expect(s.result.hits[0].ticketId).toMatch(/^T-1[1]?$/);
    for (const [line, msg] of [
      ['tickets', /say what to search for/],
      ['tickets similar T-999', /no ticket "T-999"/],
      ['tickets refund priority=sky', /Unknown priority "sky"/],
      ['tickets index', /Embeddings are not configured/],
    ] as const) {
      const e = await execute(registry, line, ctx());
      expect(e.ok).toBe(false);
      if (!e.ok) expect(e.message).toMatch(msg);
    }
  });

  test('text and Block Kit: highlights, escaping, limits', async () => {
    const r = await run('tickets portal');
    const text = r.command.text(r.result);
    expect(text).toMatch(/^Tickets matching “portal”/);
    expect(text).toContain('«Portal»');
    const blocks = renderBlocks(r);
    expect(validateBlocks(blocks)).toEqual([]);
    const json = JSON.stringify(blocks);
    expect(json).not.toContain('<b>');
    expect(json).toContain('&lt;b&gt;');
    expect(json).toContain('*Portal*');
    expect(highlight('a «b» & <c>')).toBe('a *b* &amp; &lt;c&gt;');
  });
});
