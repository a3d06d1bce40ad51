import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse } from '../src/warehouse/db.js';
import { saveModel, loadActiveModel, listModels, activateModel, loadModel } from '../src/warehouse/models.js';
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
    expect(list[0].horizonSeconds).toBe(7200);

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
