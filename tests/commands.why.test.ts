import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import type { CommandContext } from '../src/registry.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { why, whyArgs, type WhyResult } from '../commands/why.js';
import { queueCalibrationFor } from '../commands/queueModel.js';
import { narrate, narrateWhy, narrationText } from '../src/llm/narrator.js';
import { compactFacts, retrieveFor } from '../src/llm/explain.js';
import { guardExplanation } from '../src/llm/guard.js';
import { redactDeep } from '../src/llm/redact.js';

/**
 * The committed sample (data/sample, labels.json): billing talk time +20 % from Wed 2026-11-11 08:00 local,
 * tied to invoice_portal_error tickets; tech_support arrivals +35 % from 2026-11-17, tied to
 * app_release_login_bug tickets (the "App 5.2" release: "login loop", "since new version", …).
 */
const NOW = new Date('2026-11-21T15:00:00Z');
let dir: string;
let db: Db;
let ctx: CommandContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-why-'));
  db = openWarehouse(join(dir, 'w.db'));
  const report = await ingestFiles(db, ['data/sample'], { now: NOW, workerMinBytes: Infinity });
  expect(report.ok).toBe(true);
  ctx = { db, now: NOW, config: loadConfig({}), surface: 'cli' };
}, 120_000);

afterAll(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const runWhy = async (queue: string, date: string) => (await why.run(ctx, whyArgs.parse({ queue, date }))) as WhyResult;

const categoryOf = (id: string) => (db.prepare('SELECT category FROM tickets WHERE ticket_id = ?').get(id) as { category: string | null } | undefined)?.category ?? null;

/** The ticket's own text, as the term lift reads it: subject, body and the customer's comments. */
function ticketText(id: string): string {
  const t = db.prepare('SELECT subject, body FROM tickets WHERE ticket_id = ?').get(id) as { subject: string; body: string };
  const c = db.prepare("SELECT group_concat(body, ' ') AS c FROM ticket_events WHERE ticket_id = ? AND type = 'comment' AND body IS NOT NULL AND (author_type IS NULL OR author_type = 'customer')").get(id) as { c: string | null };
  return `${t.subject}\n${t.body}\n${c.c ?? ''}`.toLowerCase();
}

describe('why: what customers wrote about more than usual (sample warehouse)', () => {
  it('billing 2026-11-18 surfaces the invoice portal, with invoice-portal tickets as examples', async () => {
    const r = await runWhy('billing', '2026-11-18');
    expect(r.customersWindow).not.toBeNull();
    const terms = r.customersWroteAbout;
    expect(terms.length).toBeGreaterThan(0);
    expect(terms.length).toBeLessThanOrEqual(5);
    expect(terms.slice(0, 3).some((t) => /portal|invoice|502/.test(t.term))).toBe(true);
    // Strongest first; each term is said more often after than its baseline share would predict.
    for (let i = 1; i < terms.length; i++) expect(terms[i - 1].zScore).toBeGreaterThanOrEqual(terms[i].zScore);
    const w = r.customersWindow!;
    for (const t of terms) {
      expect(t.countAfter / w.ticketsAfter).toBeGreaterThan(t.countBefore / w.ticketsBefore);
      expect(t.examples.length).toBeGreaterThanOrEqual(1);
      expect(t.examples.length).toBeLessThanOrEqual(2);
      for (const e of t.examples) {
        // An example really mentions its term (every word of it) and really was created in the window.
        for (const word of t.term.split(' ')) expect(ticketText(e.ticketId)).toContain(word);
        const created = (db.prepare('SELECT created_at AS c, queue FROM tickets WHERE ticket_id = ?').get(e.ticketId) as { c: string; queue: string });
        expect(created.queue).toBe('billing');
        expect(created.c >= w.from && created.c < w.to).toBe(true);
      }
    }
    const portal = terms.find((t) => /portal|invoice|502/.test(t.term))!;
    expect(portal.examples.some((e) => categoryOf(e.ticketId) === 'invoice_portal_error')).toBe(true);
    // The window starts at the talk-time onset found by the detector (Wed 08:00 local = 13:00 UTC), the baseline is the 28 days before.
    expect(r.started?.driver).toBe('talk');
    expect(w.from).toBe(r.started!.onsetEstimate);
    expect(Date.parse(w.from) - Date.parse(w.baselineFrom)).toBe(28 * 86_400_000);
    expect(w.baselineTo).toBe(w.from);
  });

  it('tech_support 2026-11-19 surfaces the app release / login terms', async () => {
    const r = await runWhy('tech_support', '2026-11-19');
    const terms = r.customersWroteAbout;
    expect(terms.length).toBeGreaterThan(0);
    expect(terms.some((t) => /version|login|log in|sign in|updat|release|5\.2|loop/.test(t.term))).toBe(true);
    expect(terms.some((t) => /portal|invoice/.test(t.term))).toBe(false);
    const examples = terms.flatMap((t) => t.examples.map((e) => e.ticketId));
    expect(examples.some((id) => categoryOf(id) === 'app_release_login_bug')).toBe(true);
  });

  it('a quiet day before the billing episode lists no invoice-portal terms', async () => {
    const r = await runWhy('billing', '2026-11-05');
    expect(r.customersWroteAbout.some((t) => /portal|502/.test(t.term))).toBe(false);
  });

  it('no tickets, or a failing ticket query, leaves the answer intact with an empty list', async () => {
    const full = await runWhy('billing', '2026-11-18');
    db.exec('BEGIN');
    try {
      db.exec('DELETE FROM ticket_events; DELETE FROM tickets;');
      const r = await runWhy('billing', '2026-11-18');
      expect(r.customersWroteAbout).toEqual([]);
      expect(r.customersWindow).toBeNull();
      expect(r.headline).toBe(full.headline);
      expect(why.text(r)).not.toContain('customers wrote');
    } finally {
      db.exec('ROLLBACK');
    }
    db.exec('BEGIN');
    try {
      db.exec('ALTER TABLE tickets RENAME TO tickets_gone');
      const r = await runWhy('billing', '2026-11-18');
      expect(r.customersWroteAbout).toEqual([]);
      expect(r.contributions).toEqual(full.contributions);
    } finally {
      db.exec('ROLLBACK');
    }
    expect((await runWhy('billing', '2026-11-18')).customersWroteAbout.length).toBeGreaterThan(0);
  });

  it('text and Block Kit show the terms with example tickets; subjects are escaped; blocks are valid', async () => {
    const r = await runWhy('billing', '2026-11-18');
    const text = why.text(r);
    expect(text).toContain('What customers wrote about more than usual');
    const ex = r.customersWroteAbout[0].examples[0];
    expect(text).toContain(ex.ticketId);
    expect(text).toContain(`“${r.customersWroteAbout[0].term}” in ${r.customersWroteAbout[0].countAfter} tickets (${r.customersWroteAbout[0].countBefore} before`);

    const blocks = why.blocks!(r, { public: false });
    expect(validateBlocks(blocks)).toEqual([]);
    const json = JSON.stringify(blocks);
    expect(json).toContain('What customers wrote about more than usual');
    expect(json).toContain(ex.ticketId);

    const hostile: WhyResult = {
      ...r,
      customersWroteAbout: [{ ...r.customersWroteAbout[0], examples: [{ ticketId: 'T-1', subject: `<!channel> & <https://evil.example|click> ${'x'.repeat(3000)}` }] }, ...r.customersWroteAbout.slice(1)],
    };
    const hb = why.blocks!(hostile, { public: false });
    expect(validateBlocks(hb)).toEqual([]);
    const hj = JSON.stringify(hb);
    expect(hj).not.toContain('<!channel>');
    expect(hj).not.toContain('<https://evil');
    expect(hj).toContain('&lt;!channel&gt; &amp;');
  });

  it('the narration cites example tickets and passes the guard the LLM answers face', async () => {
    for (const [queue, date] of [['billing', '2026-11-18'], ['tech_support', '2026-11-19']]) {
      const args = whyArgs.parse({ queue, date });
      const r = (await why.run(ctx, args)) as WhyResult;
      const n = narrate('why', r, () => '');
      const exampleIds = new Set(r.customersWroteAbout.flatMap((t) => t.examples.map((e) => e.ticketId)));
      expect(n.citations.length).toBeGreaterThan(0);
      for (const c of n.citations) expect(exampleIds.has(c)).toBe(true);
      expect(narrationText(n)).toContain('Customers wrote more than usual about');
      // Same facts, tickets and guard as explainExecution uses for an LLM answer.
      const tickets = retrieveFor(db, 'why', args, r);
      const facts = redactDeep(compactFacts({ command: 'why', args, result: r }));
      const verdict = guardExplanation(n, { facts, tickets, question: '' }, tickets.map((t) => t.ticketId));
      expect(verdict).toEqual({ ok: true });
    }
  });
});

describe('why: the split goes through the queue calibration', () => {
  it('billing 2026-11-18 is split through the calibration fitted before that day, named with its accuracy; the split stays efficient', async () => {
    const r = await runWhy('billing', '2026-11-18');
    const cal = queueCalibrationFor(db, 'billing', '2026-11-18');
    if ('error' in cal) throw new Error(cal.error);
    expect(cal.fitThrough < '2026-11-18').toBe(true);
    expect(r.calibrated).toBe(true);
    expect(r.fallbackReason).toBeNull();
    expect(r.modelNote).toContain(`k ${cal.handleTimeFactor.toFixed(2)}`);
    expect(r.modelNote).toContain(`calibrated on ${cal.fitFrom}..${cal.fitThrough}`);
    expect(r.accuracy).toMatch(/^model: Erlang [AC], k \d\.\d\d(, agents × \d\.\d\d)?( \(at a search bound: a limit, not an estimate\))?; backtest last \d+ days/);
    expect(r.sentences.some((s) => s.startsWith(`The queue model (${r.modelNote}) explains`))).toBe(true);
    // The narrators name it as calibrated, with its factor (not a bare "Erlang A").
    expect(r.modelName).toBe(`calibrated Erlang ${cal.model === 'erlang_a' ? 'A' : 'C'} (k = ${cal.handleTimeFactor.toFixed(2)}${cal.agentFactor !== 1 ? `, agents × ${cal.agentFactor.toFixed(2)}` : ''})`);
    expect(narrateWhy(r).points.some((p) => p.startsWith(`The queue model (${r.modelName}) explains`))).toBe(true);
    const sum = Object.values(r.contributions).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(r.modelDelta, 9);
    expect(r.residual).toBeCloseTo(r.observedDelta - r.modelDelta, 9);
    expect(why.text!(r)).toContain(`Queue model accuracy: ${r.accuracy}`);
  });
});
