/**
 * The risk model registry (table `models`, sql/migrations/003_models.sql): save a trained model as a new
 * version, load the active one per label, list versions, switch the active version.
 */
import type { Db } from './db.js';
import { parseRiskModel, type RiskModel } from '../engines/risk/model.js';
import type { RiskLabel } from '../engines/risk/types.js';

export interface ModelSummary {
  id: number;
  label: RiskLabel;
  version: number;
  trainedAt: string;
  horizonSeconds: number;
  /** Calibrated probability threshold (null when undefined). */
  threshold: number | null;
  active: boolean;
  /** Test-slice metrics from the card. */
  metrics: Record<string, unknown>;
}

export interface SaveOptions {
  /** Make it the active model of its label (default true). */
  activate?: boolean;
  /** ISO timestamp; defaults to model.trainedAt (one of the two is required: the warehouse has no clock either). */
  trainedAt?: string;
}

/** Stores `model` as the next version of its label; returns its id and version. One transaction. */
export function saveModel(db: Db, model: RiskModel, opts: SaveOptions = {}): { id: number; version: number } {
  const trainedAt = opts.trainedAt ?? model.trainedAt;
  if (!trainedAt) throw new Error('saveModel: trainedAt is required (pass it or set model.trainedAt)');
  const activate = opts.activate ?? true;
  return db.transaction(() => {
    const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM models WHERE label = ?').get(model.label) as { v: number };
    const version = row.v + 1;
    if (activate) db.prepare('UPDATE models SET active = 0 WHERE label = ? AND active = 1').run(model.label);
    const prob = model.threshold.probability;
    const info = db
      .prepare(
        `INSERT INTO models (label, version, trained_at, horizon_seconds, features, metrics, threshold, model, card, active)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        model.label,
        version,
        trainedAt,
        model.horizonSeconds,
        JSON.stringify(model.featureNames),
        JSON.stringify(model.card.metrics.test),
        Number.isFinite(prob) ? prob : null,
        JSON.stringify({ ...model, trainedAt }),
        JSON.stringify(model.card),
        activate ? 1 : 0,
      );
    return { id: Number(info.lastInsertRowid), version };
  })();
}

/** The active model of a label, parsed and checked; null when none is stored. */
export function loadActiveModel(db: Db, label: RiskLabel): RiskModel | null {
  const row = db.prepare('SELECT model FROM models WHERE label = ? AND active = 1').get(label) as { model: string } | undefined;
  return row ? parseRiskModel(row.model) : null;
}

/** A model by id (any version), or null. */
export function loadModel(db: Db, id: number): RiskModel | null {
  const row = db.prepare('SELECT model FROM models WHERE id = ?').get(id) as { model: string } | undefined;
  return row ? parseRiskModel(row.model) : null;
}

/** Versions, newest first (optionally of one label). Reads the v_models view. */
export function listModels(db: Db, label?: RiskLabel): ModelSummary[] {
  const rows = db
    .prepare(
      `SELECT id, label, version, trained_at, horizon_seconds, threshold, active, metrics FROM v_models
       ${label ? 'WHERE label = ?' : ''} ORDER BY label, version DESC`,
    )
    .all(...(label ? [label] : [])) as {
    id: number;
    label: RiskLabel;
    version: number;
    trained_at: string;
    horizon_seconds: number;
    threshold: number | null;
    active: number;
    metrics: string;
  }[];
  return rows.map((r) => ({
    id: r.id,
    label: r.label,
    version: r.version,
    trainedAt: r.trained_at,
    horizonSeconds: r.horizon_seconds,
    threshold: r.threshold,
    active: r.active === 1,
    metrics: JSON.parse(r.metrics) as Record<string, unknown>,
  }));
}

/** Makes model `id` the active one of its label. Throws for an unknown id. */
export function activateModel(db: Db, id: number): void {
  db.transaction(() => {
    const row = db.prepare('SELECT label FROM models WHERE id = ?').get(id) as { label: string } | undefined;
    if (!row) throw new Error(`no model with id ${id}`);
    db.prepare('UPDATE models SET active = 0 WHERE label = ? AND active = 1').run(row.label);
    db.prepare('UPDATE models SET active = 1 WHERE id = ?').run(id);
  })();
}
