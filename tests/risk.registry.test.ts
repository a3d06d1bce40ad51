import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse } from '../src/warehouse/db.js';
import { saveModel, loadActiveModel, listModels, activateModel, loadModel, readRiskData } from '../src/warehouse/models.js';
import { scoreOpenTickets } from '../commands/riskScoring.js';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { trainRiskModel, scoreTickets } from '../src/engines/risk/pipeline.js';
import { loadRiskModel } from '../src/engines/risk/model.js';

const dir = mkdtempSync(join(tmpdir(), 'radar-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = generateSyntheticTickets({ tickets: 1500, days: 40, seed: 2 });
const opts = { seed: 1, gbdt: { nRounds: 20, learningRate: 0.2 }, bootstrap: 50, shapRows: 50 };
const esc = trainRiskModel(data, { label: 'escalated', ...opts }).model;
const br = trainRiskModel(data, { label: 'sla_breached', ...opts }).model;

describe('model registry', () => {
  it('saves versions per label, keeps one active model and loads it back intact', () => {
    const db = openWarehouse(join(dir, 'w.db'));
    expect(loadActiveModel(db, 'escalated')).toBeNull();
    const a = saveModel(db, esc, { trainedAt: '2026-06-01T00:00:00Z' });
    const b = saveModel(db, esc, { trainedAt: '2026-06-02T00:00:00Z' });
    const c = saveModel(db, br, { trainedAt: '2026-06-02T00:00:00Z', activate: false });
    expect([a.version, b.version, c.version]).toEqual([1, 2, 1]);

    const active = loadActiveModel(db, 'escalated')!;
    expect(active.trainedAt).toBe('2026-06-02T00:00:00Z');
    expect(active.booster).toEqual(esc.booster);
    expect(loadActiveModel(db, 'sla_breached')).toBeNull();

    // The loaded model predicts exactly what the trained one does.
    const t = data.tickets[100];
    const now = Date.parse(t.created_at) + 3_600_000;
    const [s1] = scoreTickets(loadRiskModel(esc), [t], data.events, now);
    const [s2] = scoreTickets(loadRiskModel(active), [t], data.events, now);
    expect(s2.margin).toBe(s1.margin);
    expect(s2.probability).toBe(s1.probability);

    const list = listModels(db);
    expect(list.map((m) => [m.label, m.version, m.active])).toEqual([
      ['escalated', 2, true],
      ['escalated', 1, false],
      ['sla_breached', 1, false],
    ]);
    expect(list[0].metrics).toHaveProperty('prAuc');
    expect(list[0].horizonSeconds).toBe(86400); // the last training cut-off, 24 h

    activateModel(db, a.id);
    expect(listModels(db, 'escalated').find((m) => m.active)!.version).toBe(1);
    expect(loadModel(db, b.id)!.trainedAt).toBe('2026-06-02T00:00:00Z');
    expect(() => activateModel(db, 999)).toThrow(/no model/);
    // The partial unique index forbids two active models of one label.
    expect(() => db.prepare('UPDATE models SET active = 1 WHERE label = ?').run('escalated')).toThrow();
    expect(() => saveModel(db, { ...esc, trainedAt: null })).toThrow(/trainedAt/);
    db.close();
  });

  it('rejects a corrupted stored model instead of scoring with it', () => {
    const db = openWarehouse(join(dir, 'w2.db'));
    const { id } = saveModel(db, esc, { trainedAt: '2026-06-01T00:00:00Z' });
    const bad = JSON.parse(db.prepare('SELECT model FROM models WHERE id = ?').pluck().get(id) as string);
    bad.booster.trees[0].value.pop();
    db.prepare('UPDATE models SET model = ? WHERE id = ?').run(JSON.stringify(bad), id);
    expect(() => loadActiveModel(db, 'escalated')).toThrow();
    db.close();
  });
});

describe('risk reads and open-ticket scoring', () => {
  it('reads tickets with tier and agent joined, and scores only the open ones as of now', () => {
    const db = openWarehouse(join(dir, 'w3.db'));
    expect(() => scoreOpenTickets(db, new Date('2026-06-10T12:00:00Z'))).toThrow(/radar risk train/);
    db.prepare(`INSERT INTO customers (customer_id, tier) VALUES ('C-1', 'enterprise'), ('C-2', 'standard')`).run();
    db.prepare(`INSERT INTO agents (agent_id, name, level, hired_at) VALUES ('A-1', 'Ann', 'junior', '2026-01-01'), ('A-2', 'Bob', 'lead', '2019-01-01')`).run();
    const ins = db.prepare(
      `INSERT INTO tickets (ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id, agent_id, subject, body, escalated, sla_breached, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    ins.run('T-1', '2026-06-10T08:00:00Z', null, null, 'open', 'urgent', 'email', 'billing', 'C-1', 'A-2', 'Charged twice', 'Third time I write. I will cancel and call my lawyer.', null, null, '2026-06-10T16:00:00Z');
    ins.run('T-2', '2026-06-10T09:00:00Z', '2026-06-10T09:05:00Z', null, 'pending', 'low', 'chat', 'billing', 'C-2', 'A-1', 'Question', 'How do I change my address?', null, null, '2026-06-13T09:00:00Z');
    ins.run('T-3', '2026-06-09T09:00:00Z', '2026-06-09T09:05:00Z', '2026-06-09T10:00:00Z', 'solved', 'low', 'chat', 'billing', 'C-2', 'A-1', 'Done', 'ok', 0, 0, '2026-06-12T09:00:00Z');
    ins.run('T-4', '2026-06-11T09:00:00Z', null, null, 'open', 'low', 'chat', 'billing', 'C-2', 'A-1', 'Future', 'created after now', null, null, '2026-06-14T09:00:00Z');
    const ev = db.prepare(`INSERT INTO ticket_events (event_id, ticket_id, at, type, author_type, agent_id, from_queue, to_queue, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    ev.run('e1', 'T-1', '2026-06-10T08:30:00Z', 'transfer', 'system', null, 'tech', 'billing', null);
    ev.run('e2', 'T-1', '2026-06-10T09:00:00Z', 'comment', 'customer', null, null, null, 'Still waiting. Unacceptable.');
    ev.run('e3', 'T-2', '2026-06-10T09:05:00Z', 'comment', 'agent', 'A-1', null, null, 'On it');
    ev.run('e4', 'T-3', '2026-06-09T10:00:00Z', 'resolved', 'agent', 'A-1', null, null, null);

    const all = readRiskData(db);
    expect(all.tickets.map((t) => t.ticket_id)).toEqual(['T-3', 'T-1', 'T-2', 'T-4']);
    expect(all.tickets.find((t) => t.ticket_id === 'T-1')!.customer_tier).toBe('enterprise');
    expect(all.tickets.find((t) => t.ticket_id === 'T-2')!.agent_level).toBe('junior');
    expect(all.events.map((e) => e.event_id)).toEqual(['e4', 'e1', 'e2', 'e3']);
    expect(all.agents?.length).toBe(2);
    const now = new Date('2026-06-10T12:00:00Z');
    const open = readRiskData(db, { openOnly: true, until: '2026-06-10T12:00:00Z' });
    expect(open.tickets.map((t) => t.ticket_id)).toEqual(['T-1', 'T-2']);
    expect(open.events.map((e) => e.event_id)).toEqual(['e1', 'e2', 'e3']);
    expect(readRiskData(db, { ticketIds: ['T-2'] }).tickets.map((t) => t.ticket_id)).toEqual(['T-2']);

    saveModel(db, esc, { trainedAt: '2026-06-10T00:00:00Z' });
    const scores = scoreOpenTickets(db, now);
    expect(scores.map((s) => s.ticketId)).toEqual(['T-1', 'T-2']);
    const direct = scoreTickets(loadRiskModel(esc), open.tickets, open.events, now.getTime(), { agents: open.agents });
    expect(scores.map((s) => s.score)).toEqual(direct.map((d) => d.probability));
    expect(scores[0]).toMatchObject({ queue: 'billing', priority: 'urgent', subject: 'Charged twice' });
    db.close();
  });
});
