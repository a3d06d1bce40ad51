/**
 * The risk model registry (table `models`, sql/migrations/003_models.sql): save a trained model as a new
 * version, load the active one per label, list versions, switch the active version. Also the risk
 * engine's typed reads of tickets (with their attributes), events and agents (views v_ticket_facts,
 * v_ticket_events, v_risk_agents). The warehouse stores; scoring happens in the callers
 * (commands/riskScoring.ts).
 */
import type { Db } from './db.js';
import { parseRiskModel, loadRiskModel, type RiskModel, type LoadedRiskModel } from '../engines/risk/model.js';
import type { RiskData } from '../engines/risk/pipeline.js';
import type { RiskAgent, RiskEvent, RiskLabel, RiskTicket } from '../engines/risk/types.js';
import { parseAttributes } from './attributes.js';

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

const TICKET_COLUMNS = `ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id,
  customer_tier, agent_id, agent_level, agent_hired_at, subject, body, category, csat, reopen_count, escalated, sla_breached, due_at, attributes`;
const EVENT_COLUMNS = 'event_id, ticket_id, at, type, author_type, agent_id, from_queue, to_queue, status, body';
/** Open = not resolved; status alone can lag (a solved ticket reopened has resolved_at cleared). */
const OPEN = `resolved_at IS NULL AND status IN ('open', 'pending')`;

export interface RiskReadOptions {
  /** Only tickets still open. */
  openOnly?: boolean;
  queue?: string | null;
  ticketIds?: readonly string[];
  /** Tickets created at or before this ISO time (events too). */
  until?: string | null;
}

/**
 * Tickets (with tier and agent joined in), their events and the agents, as the risk engine takes them.
 * O(rows); events are read only for the selected tickets.
 */
export function readRiskData(db: Db, opts: RiskReadOptions = {}): RiskData {
  const where: string[] = [];
  const params: unknown[] = [];
  if (opts.openOnly) where.push(OPEN);
  if (opts.queue) {
    where.push('queue = ?');
    params.push(opts.queue);
  }
  if (opts.until) {
    where.push('created_at <= ?');
    params.push(opts.until);
  }
  if (opts.ticketIds) {
    if (opts.ticketIds.length === 0) return { tickets: [], events: [], agents: [] };
    where.push(`ticket_id IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(opts.ticketIds));
  }
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const rows = db.prepare(`SELECT ${TICKET_COLUMNS} FROM v_ticket_facts ${cond} ORDER BY created_at, ticket_id`).all(...params) as (Omit<RiskTicket, 'attributes'> & { attributes: string | null })[];
  const tickets: RiskTicket[] = rows.map((r) => ({ ...r, attributes: parseAttributes(r.attributes) }));
  const evCond = where.length ? `WHERE e.ticket_id IN (SELECT ticket_id FROM v_ticket_facts ${cond})` : '';
  const until = opts.until ? `${evCond ? ' AND' : 'WHERE'} e.at <= ?` : '';
  const events = db
    .prepare(
      `SELECT ${EVENT_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM v_ticket_events e JOIN tickets t ON t.ticket_id = e.ticket_id ${evCond}${until} ORDER BY t.created_at, e.ticket_id, e.at, e.event_id`,
    )
    .all(...params, ...(opts.until ? [opts.until] : [])) as RiskEvent[];
  const agents = db.prepare('SELECT agent_id, level, hired_at FROM v_risk_agents').all() as RiskAgent[];
  return { tickets, events, agents };
}

/**
 * The active model of each label loaded for scoring, per connection: a stored model never changes (training adds
 * a row, activation moves the flag), so its id and training instant name it. Parsing one costs ~100 ms and ~7 MB
 * of garbage per call on the bench's 20k tickets; a Slack worker keeps the active one per label, nothing more.
 */
const loadedModels = new WeakMap<Db, Map<RiskLabel, { key: string; loaded: LoadedRiskModel }>>();

/** The active model of `label`, loaded for scoring; throws a message that says how to get one. */
export function requireActiveModel(db: Db, label: RiskLabel = 'escalated'): LoadedRiskModel {
  const active = db.prepare('SELECT id, trained_at AS trainedAt FROM models WHERE label = ? AND active = 1').get(label) as { id: number; trainedAt: string } | undefined;
  const key = active ? `${active.id}|${active.trainedAt}` : '';
  let byLabel = loadedModels.get(db);
  const kept = byLabel?.get(label);
  if (active && kept?.key === key) return kept.loaded;
  const m = active ? loadModel(db, active.id) : null;
  if (!m) throw new Error(`no active ${label} risk model: train one with \`radar risk train --label ${label}\``);
  const loaded = loadRiskModel(m);
  if (!byLabel) loadedModels.set(db, (byLabel = new Map()));
  byLabel.set(label, { key, loaded });
  return loaded;
}

/** 'YYYY-MM-DDTHH:MM:SSZ', the warehouse's timestamp text. */
export function isoSeconds(d: Date): string {
  return d.toISOString().slice(0, 19) + 'Z';
}
