import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { loadConfig } from '../src/config.js';
import { Registry, parseCommandLine, UsageError, type AnyCommand, type CommandContext, type ParseContext } from '../src/registry.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { risk, parseHorizon, renderText, renderBlocks, type RiskResult, type RiskScoreResult, type RiskTicketResult, type RiskTrainResult, type RiskModelResult, type RiskSimulateResult } from '../commands/risk.js';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { scoreOpenTickets } from '../commands/riskScoring.js';

const registry = new Registry([risk as AnyCommand]);
const pctx: ParseContext = { queues: ['billing', 'tech_support'], now: new Date('2026-06-30T00:00:00Z'), tz: 'UTC', queueTz: () => 'UTC' };

function parse(line: string) {
  const p = parseCommandLine(registry, line, pctx);
  if (!p.ok) throw p.error;
  return p.args as Record<string, unknown>;
}
function parseError(line: string): string {
  const p = parseCommandLine(registry, line, pctx);
  if (p.ok) throw new Error(`expected a usage error for "${line}"`);
  return p.error.message;
}

describe('risk grammar', () => {
  it('reads the subcommands, labels, horizons and speed-ups', () => {
    expect(parse('risk')).toEqual({ action: 'score', label: 'escalated', queue: null, limit: 10 });
    expect(parse('risk billing')).toMatchObject({ action: 'score', queue: 'billing' });
    expect(parse('risk queue=tech limit=5')).toMatchObject({ action: 'score', queue: 'tech_support', limit: 5 });
    expect(parse('risk breach billing')).toMatchObject({ action: 'score', label: 'sla_breached', queue: 'billing' });
    expect(parse('risk T-123')).toEqual({ action: 'ticket', label: 'escalated', ticketId: 'T-123' });
    expect(parse('risk model')).toEqual({ action: 'model', label: 'escalated' });
    expect(parse('risk train')).toEqual({ action: 'train', label: 'escalated', horizonSeconds: null, precision: 0.7, speedup: 0.3, waiting: [] });
    expect(parse('risk train --horizon 0s')).toMatchObject({ horizonSeconds: 0 });
    expect(parse('risk train --waiting pending,on_hold')).toMatchObject({ waiting: ['pending', 'on_hold'] });
    expect(() => parse('risk train --horizon soon')).toThrow(/0s, 90m or 2h/);
    expect(parse('risk train --label sla_breached --horizon 90m --precision 80%')).toMatchObject({ label: 'sla_breached', horizonSeconds: 5400, precision: 0.8 });
    expect(parse('risk simulate --speedup 40%')).toMatchObject({ action: 'simulate', speedup: 0.4 });
    expect(parse('risk sim 0.5')).toMatchObject({ action: 'simulate', speedup: 0.5 });
    expect(parseHorizon('1.5h')).toBe(5400);
    expect(parseHorizon('2 days')).toBe(172800);
    expect(parseHorizon('soon')).toBeNull();
  });

  it('explains mistakes with an example', () => {
    expect(parseError('risk train --label happiness')).toMatch(/Unknown label/);
    expect(parseError('risk train --horizon soon')).toMatch(/horizon/);
    expect(parseError('risk billing tomorrow please')).toMatch(/didn't understand/);
    expect(parseError('risk simulate --speedup 150%')).toMatch(/^Speedup must be/);
  });
});

describe('risk command on a warehouse', () => {
  let dir: string;
  let db: Db;
  let ctx: CommandContext;
  const syn = generateSyntheticTickets({ tickets: 2500, days: 60, seed: 4 });
  const now = new Date(syn.endMs);
  const run = async (line: string): Promise<RiskResult> => {
    const p = parseCommandLine(registry, line, pctx);
    if (!p.ok) throw p.error;
    return (await p.command.run(ctx, p.args)) as RiskResult;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'radar-risk-cmd-'));
    db = openWarehouse(join(dir, 'w.db'));
    const tiers = new Map<string, string>();
    for (const t of syn.tickets) if (t.customer_id && !tiers.has(t.customer_id)) tiers.set(t.customer_id, t.customer_tier as string);
    db.transaction(() => {
      const c = db.prepare('INSERT INTO customers (customer_id, tier) VALUES (?, ?)');
      for (const [id, tier] of tiers) c.run(id, tier);
      const a = db.prepare('INSERT INTO agents (agent_id, name, level, hired_at) VALUES (?, ?, ?, ?)');
      for (const ag of syn.agents) a.run(ag.agent_id, ag.agent_id, ag.level, ag.hired_at);
      const t = db.prepare(
        `INSERT INTO tickets (ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id, agent_id, subject, body, category, escalated, sla_breached, due_at)
         VALUES (@ticket_id, @created_at, @first_response_at, @resolved_at, @status, @priority, @channel, @queue, @customer_id, @agent_id, @subject, @body, @category, @escalated, @sla_breached, @due_at)`,
      );
      for (const k of syn.tickets) t.run({ ...k, first_response_at: k.first_response_at ?? null, resolved_at: k.resolved_at ?? null });
      const e = db.prepare(
        `INSERT INTO ticket_events (event_id, ticket_id, at, type, author_type, agent_id, from_queue, to_queue, status, body)
         VALUES (@event_id, @ticket_id, @at, @type, @author_type, @agent_id, @from_queue, @to_queue, @status, @body)`,
      );
      for (const k of syn.events) e.run({ author_type: null, agent_id: null, from_queue: null, to_queue: null, status: null, body: null, ...k });
    })();
    ctx = { db, now, config: loadConfig({}), surface: 'cli' };
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a model before scoring', async () => {
    await expect(run('risk')).rejects.toThrow(UsageError);
    await expect(run('risk')).rejects.toThrow(/no escalated risk model/);
  });

  it('trains, stores and reports the model in the documented JSON shape', async () => {
    const r = (await run('risk train')) as RiskTrainResult;
    expect(r).toMatchObject({ kind: 'train', label: 'escalated', version: 1 });
    for (const k of ['rows', 'from', 'to']) expect(r.train).toHaveProperty(k);
    for (const k of ['rows', 'from', 'to', 'rocAuc', 'prAuc', 'precision', 'recall', 'f1', 'threshold', 'brier']) expect(r.test).toHaveProperty(k);
    expect(r.train.to! <= r.test.from!).toBe(true);
    expect(r.test.prAuc).toBeGreaterThan(0.4);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(renderText(r)).toMatch(/Trained escalated model v1/);
    const again = (await run('risk train --horizon 3h')) as RiskTrainResult;
    expect(again.version).toBe(2);
    expect(again.cutoffHours).toEqual([3]);
  });

  it('lists the riskiest open tickets with up to three raising reasons', async () => {
    const r = (await run('risk limit=5')) as RiskScoreResult;
    expect(r.tickets.length).toBeLessThanOrEqual(5);
    const open = syn.tickets.filter((t) => !t.resolved_at).length;
    expect(r.open).toBe(open);
    for (let i = 1; i < r.tickets.length; i++) expect(r.tickets[i - 1].probability).toBeGreaterThanOrEqual(r.tickets[i].probability);
    for (const t of r.tickets) {
      expect(t.reasons.length).toBeLessThanOrEqual(3);
      expect(t.reasons.every((q) => q.contribution > 0 && q.arrow === '↑')).toBe(true);
    }
    // Same scores as the alert evaluator's reader.
    const all = scoreOpenTickets(db, now);
    const best = Math.max(...all.map((s) => s.score));
    expect(r.tickets[0].probability).toBe(best);
    expect(validateBlocks(renderBlocks(r))).toEqual([]);
    expect(renderText(r)).toMatch(/Open tickets by escalation risk/);
  });

  it('explains one ticket, scores a resolved one as it stood before, and rejects unknown ids', async () => {
    const openId = syn.tickets.find((t) => !t.resolved_at)!.ticket_id;
    const r = (await run(`risk ${openId}`)) as RiskTicketResult;
    expect(r.ticket.ticketId).toBe(openId);
    expect(r.note).toBeNull();
    expect(r.reasons.length).toBeGreaterThan(0);
    expect(Math.abs(r.reasons[0].contribution)).toBeGreaterThanOrEqual(Math.abs(r.reasons[r.reasons.length - 1].contribution));
    const all = scoreOpenTickets(db, now);
    expect(r.probability).toBe(all.find((s) => s.ticketId === openId)!.score);
    const closed = syn.tickets.find((t) => t.resolved_at)!;
    const c = (await run(`risk ${closed.ticket_id}`)) as RiskTicketResult;
    expect(c.note).toMatch(/Resolved/);
    expect(c.asOf < closed.resolved_at!).toBe(true);
    expect(validateBlocks(renderBlocks(c))).toEqual([]);
    await expect(run('risk T-999999')).rejects.toThrow(/can't find/);
  });

  it('shows the model card and replays the breach simulation', async () => {
    const m = (await run('risk model')) as RiskModelResult;
    expect(m.active?.version).toBe(2);
    expect(m.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(renderText(m)).toMatch(/uncalibrated log-odds/);
    const s = (await run('risk simulate')) as RiskSimulateResult;
    const card = m.card.simulation!;
    // Replaying the stored test period reproduces the simulation made at training time.
    expect([s.simulation.tickets, s.simulation.flagged, s.simulation.breachesWithout, s.simulation.avoided]).toEqual([card.tickets, card.flagged, card.breachesWithout, card.avoided]);
    const zero = (await run('risk simulate --speedup 0')) as RiskSimulateResult;
    expect(zero.simulation.avoided).toBe(0);
    expect(renderText(s)).toMatch(/Assumption/);
  });
  it('compares this model with logistic regression and the class prior on one split, and the card keeps it', async () => {
    const c = (await run('risk compare')) as RiskResult & { kind: 'compare' };
    expect(c.models.map((m) => m.model)).toEqual(['this model (GBDT)', 'logistic regression', 'class prior']);
    const [gb, lr, prior] = c.models;
    expect(prior.rocAuc).toBe(0.5);
    expect(prior.confusion.tp + prior.confusion.fp).toBe(0);
    for (const m of [gb, lr]) expect(m.prAuc).toBeGreaterThan(prior.prAuc + 0.1);
    const total = (m: (typeof c.models)[number]) => m.confusion.tp + m.confusion.fp + m.confusion.fn + m.confusion.tn;
    expect(total(gb)).toBe(total(lr));
    expect(renderText(c)).toMatch(/logistic regression/);
    const card = (await run('risk model')) as RiskModelResult;
    expect(card.card.comparison?.models.length).toBe(3);
    expect(renderText(card)).toMatch(/Compared on the same split/);
  });

});
