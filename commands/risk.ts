/**
 * `risk [queue] | risk T-123 | risk model | risk train [--label …] [--horizon 2h] | risk score [queue] |
 * risk simulate [--speedup 30%]` — which open tickets will escalate (or breach SLA), and why.
 *
 * The model (src/engines/risk) is a gradient-boosted tree ensemble over features known at a cut-off
 * (2 h after creation in training, now when scoring); reasons are exact TreeSHAP contributions to the
 * log-odds, grouped into phrases. Models live in the registry (src/warehouse/models.ts).
 */
import { z } from 'zod';
import { defineCommand, UsageError, type ParseContext } from '../src/registry.js';
import type { Tokens } from '../src/grammar/tokens.js';
import { matchQueue } from '../src/grammar/tokens.js';
import { header, section, context, divider, esc, type Block } from '../src/blocks/kit.js';
import { table } from '../src/format.js';
import { listModels, readRiskData, requireActiveModel, saveModel, isoSeconds, type ModelSummary } from '../src/warehouse/models.js';
import { trainRiskModel, scoreTickets, ineligibility, groupEvents, compareModels, DEFAULT_CUTOFF_HOURS } from '../src/engines/risk/pipeline.js';
import { customerTextAsOf, encode, rawFeatures, rewindTicket, DEFAULT_WAITING_STATUSES } from '../src/engines/risk/features.js';
import { matchedPhrases, tokenize } from '../src/engines/risk/text.js';
import { predictMarginRow } from '../src/engines/risk/gbdt.js';
import { calibrate } from '../src/engines/risk/calibration.js';
import { simulateBreachReduction, DEFAULT_INTERVENTION, type SimResult, type SimTicket } from '../src/engines/risk/simulate.js';
import { explainContributions, formatDuration, type Reason } from '../src/engines/risk/explain.js';
import type { ComparedModel, ModelCard, SliceInfo, SliceMetrics } from '../src/engines/risk/model.js';
import type { RiskLabel } from '../src/engines/risk/types.js';

const EXAMPLE = 'risk billing';
const EX_TRAIN = 'risk train --label escalated --precision 70%';
const EX_HORIZON = 'risk train --horizon 2h   (or --horizon 0s: at creation)';
const EX_SIM = 'risk simulate --speedup 30%';

const label = z.enum(['escalated', 'sla_breached']).default('escalated').describe('What to predict: escalated (the ticket gets escalated) or sla_breached (resolved after its due time)');

export const riskArgs = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('score'),
    label,
    queue: z.string().min(1).nullable().default(null).describe('Queue name; null = all queues'),
    limit: z.number().int().min(1).max(50).default(10).describe('How many open tickets to show'),
  }),
  z.object({ action: z.literal('ticket'), label, ticketId: z.string().min(1).describe('A ticket id such as T-10234') }),
  z.object({ action: z.literal('model'), label }),
  z.object({
    action: z.literal('train'),
    label,
    horizonSeconds: z
      .number()
      .min(0)
      .max(30 * 86400)
      .nullable()
      .default(null)
      .describe(`Train at this one cut-off after creation, seconds (0 = at creation); null = at ${DEFAULT_CUTOFF_HOURS.join(', ')} h, so any age up to ${DEFAULT_CUTOFF_HOURS[DEFAULT_CUTOFF_HOURS.length - 1]} h is inside the training range`),
    precision: z.number().gt(0).lt(1).default(0.7).describe('Precision the flag threshold must reach on validation (90 % lower bound)'),
    waiting: z.array(z.string().min(1)).default([]).describe(`Status values meaning "waiting on the customer"; empty = ${DEFAULT_WAITING_STATUSES.join(', ')}`),
    speedup: z.number().min(0).lt(1).default(DEFAULT_INTERVENTION.speedup).describe('Simulated cut of the remaining time to resolve for flagged tickets'),
  }),
  z.object({ action: z.literal('compare'), label, precision: z.number().gt(0).lt(1).default(0.7).describe('Precision each model\'s flag threshold must reach on validation') }),
  z.object({
    action: z.literal('simulate'),
    label,
    speedup: z.number().min(0).lt(1).default(DEFAULT_INTERVENTION.speedup).describe('Cut of the remaining time to resolve for flagged tickets (0.3 = 30 % faster)'),
  }),
]);
export type RiskArgs = z.output<typeof riskArgs>;

interface SliceJson {
  rows: number;
  from: string | null;
  to: string | null;
}

/** The JSON view of a slice's metrics: the engine's own fields, without the confusion matrix. */
type MetricsJson = Pick<SliceMetrics, 'rows' | 'rocAuc' | 'prAuc' | 'precision' | 'precisionCi95' | 'recall' | 'f1' | 'flagged' | 'threshold' | 'brier'>;

export interface RiskTrainResult {
  kind: 'train';
  label: RiskLabel;
  modelId: number;
  version: number;
  cutoffHours: number[];
  train: SliceJson;
  validation: SliceJson;
  /** Pooled: every test ticket at every cut-off where it was still open. */
  test: SliceJson & MetricsJson;
  /** Per cut-off: the test tickets still open at it. */
  byCutoff: (MetricsJson & { cutoffHours: number })[];
  thresholdReachedOnValidation: boolean;
  /** Mean |TreeSHAP| per feature over test rows, with the direction of a higher value (the chart's bars). */
  topFeatures: ModelCard['topFeatures'];
  simulation: Pick<SimResult, 'breachesWithout' | 'breachesWith' | 'avoided' | 'reduction' | 'ci95' | 'flagged' | 'tickets' | 'unevaluable' | 'notes'> | null;
}

export interface ScoredRow {
  ticketId: string;
  queue: string;
  subject: string;
  priority: string;
  createdAt: string;
  ageHours: number;
  probability: number;
  flagged: boolean;
  /** Older than the model's last training cut-off: the probability extrapolates. */
  outsideSupport: boolean;
  reasons: Reason[];
}

export interface RiskScoreResult {
  kind: 'score';
  label: RiskLabel;
  modelVersion: number | null;
  asOf: string;
  queue: string | null;
  open: number;
  flagged: number;
  /** Open tickets older than the model's training range (their scores are flagged as extrapolated). */
  outsideSupport: number;
  supportHours: number;
  threshold: number;
  tickets: ScoredRow[];
}

export interface RiskTicketResult {
  kind: 'ticket';
  label: RiskLabel;
  ticket: { ticketId: string; queue: string; subject: string; status: string | null; priority: string; createdAt: string };
  asOf: string;
  note: string | null;
  probability: number;
  flagged: boolean;
  outsideSupport: boolean;
  threshold: number;
  base: number;
  margin: number;
  reasons: Reason[];
}

export interface RiskModelResult {
  kind: 'model';
  label: RiskLabel;
  active: ModelSummary | null;
  versions: ModelSummary[];
  card: ModelCard;
}

export interface RiskSimulateResult {
  kind: 'simulate';
  label: RiskLabel;
  modelVersion: number | null;
  period: { from: string | null; to: string | null };
  simulation: SimResult;
}

export interface RiskCompareResult {
  kind: 'compare';
  label: RiskLabel;
  modelId: number;
  version: number;
  population: string;
  models: ComparedModel[];
}

export type RiskResult = RiskTrainResult | RiskScoreResult | RiskTicketResult | RiskModelResult | RiskSimulateResult | RiskCompareResult;

// ------------------------------------------------------------------------------------------------ grammar

const LABEL_WORDS: Record<string, RiskLabel> = {
  escalated: 'escalated', escalation: 'escalated', escalations: 'escalated', escalate: 'escalated', esc: 'escalated',
  sla_breached: 'sla_breached', breach: 'sla_breached', breaches: 'sla_breached', breached: 'sla_breached', sla: 'sla_breached',
};
const SUBS = new Set(['train', 'score', 'model', 'card', 'simulate', 'sim', 'top', 'list', 'compare']);
const ticketIdLike = (s: string) => /^[a-z]{1,6}-?\d+$/i.test(s);

/** "2h", "90m", "1.5 h", "45min", "7200" (seconds), "1d" → seconds; null when unreadable. */
export function parseHorizon(s: string): number | null {
  const m = s.trim().toLowerCase().match(/^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)?$/);
  if (!m) return null;
  const v = Number(m[1]);
  const u = m[2] ?? 's';
  const mult = u.startsWith('d') ? 86400 : u.startsWith('h') ? 3600 : u.startsWith('m') ? 60 : 1;
  return v * mult;
}

/** "30%", "30", "0.3" → 0.3. */
function parseFraction(s: string, example: string): number {
  const m = s.trim().match(/^(\d+(?:\.\d+)?)\s*(%)?$/);
  if (!m) throw new UsageError(`I couldn't read "${s}" as a percentage.`, example);
  const v = Number(m[1]);
  return m[2] || v > 1 ? v / 100 : v;
}

function parseRisk(t: Tokens, pctx: ParseContext): z.input<typeof riskArgs> {
  const words = [...t.positional];
  let lab: RiskLabel | undefined;
  const labOpt = t.options.label ?? t.options.target;
  if (labOpt !== undefined) {
    lab = LABEL_WORDS[labOpt.toLowerCase()];
    if (!lab) throw new UsageError(`Unknown label "${labOpt}": use escalated or sla_breached.`, EX_TRAIN);
  }
  // Label words may appear anywhere ("risk breach billing").
  for (let i = words.length - 1; i >= 0; i--) {
    const l = LABEL_WORDS[words[i].toLowerCase()];
    if (l) {
      lab ??= l;
      words.splice(i, 1);
    }
  }
  const first = words[0]?.toLowerCase();
  const sub = first && SUBS.has(first) ? (words.shift() as string).toLowerCase() : null;
  const common = lab ? { label: lab } : {};
  if (sub === 'train') {
    const out: Record<string, unknown> = { action: 'train', ...common };
    const h = t.options.horizon ?? words.find((w) => parseHorizon(w) !== null);
    if (h !== undefined) {
      const sec = parseHorizon(h);
      if (sec === null) throw new UsageError(`I couldn't read the horizon "${h}": use a duration after creation such as 0s, 90m or 2h.`, EX_HORIZON);
      if (sec > 30 * 86400) throw new UsageError(`The horizon "${h}" is longer than 30 days.`, EX_HORIZON);
      out.horizonSeconds = sec;
      const k = words.indexOf(h);
      if (k >= 0) words.splice(k, 1);
    }
    if (t.options.precision !== undefined) out.precision = parseFraction(t.options.precision, EX_TRAIN);
    if (t.options.speedup !== undefined) out.speedup = parseFraction(t.options.speedup, EX_TRAIN);
    if (t.options.waiting !== undefined) out.waiting = t.options.waiting.split(/[,|]/).map((w) => w.trim()).filter(Boolean);
    if (words.length) throw new UsageError(`I didn't understand "${words.join(' ')}".`, EX_TRAIN);
    return out as z.input<typeof riskArgs>;
  }
  if (sub === 'compare') {
    if (words.length) throw new UsageError(`I didn't understand "${words.join(' ')}".`, 'risk compare --label escalated');
    return { action: 'compare', ...common, ...(t.options.precision !== undefined ? { precision: parseFraction(t.options.precision, 'risk compare --precision 70%') } : {}) } as z.input<typeof riskArgs>;
  }
  if (sub === 'simulate' || sub === 'sim') {
    const sp = t.options.speedup ?? words.shift();
    if (words.length) throw new UsageError(`I didn't understand "${words.join(' ')}".`, EX_SIM);
    return { action: 'simulate', ...common, ...(sp !== undefined ? { speedup: parseFraction(sp, EX_SIM) } : {}) } as z.input<typeof riskArgs>;
  }
  if (sub === 'model' || sub === 'card') {
    if (words.length) throw new UsageError(`I didn't understand "${words.join(' ')}".`, 'risk model');
    return { action: 'model', ...common } as z.input<typeof riskArgs>;
  }
  const id = t.options.ticket ?? (words.length === 1 && ticketIdLike(words[0]) ? words[0] : undefined);
  if (id !== undefined) return { action: 'ticket', ...common, ticketId: id.toUpperCase() } as z.input<typeof riskArgs>;
  let queue: string | null = null;
  const qOpt = t.options.queue ?? t.options.q;
  if (qOpt !== undefined) queue = matchQueue(qOpt, pctx.queues) ?? qOpt;
  else if (words.length) {
    const w = words.shift() as string;
    queue = matchQueue(w, pctx.queues) ?? w;
  }
  if (words.length) throw new UsageError(`I didn't understand "${words.join(' ')}".`, EXAMPLE);
  const limit = t.options.limit !== undefined ? Number(t.options.limit) : undefined;
  return { action: 'score', ...common, queue, ...(limit !== undefined ? { limit } : {}) } as z.input<typeof riskArgs>;
}

// ------------------------------------------------------------------------------------------------ run

const nanToNull = (v: number): number => (Number.isFinite(v) ? v : (null as unknown as number));
const slice = (s: SliceInfo): SliceJson => ({ rows: s.rows, from: s.from, to: s.to });

function activeVersion(db: Parameters<typeof listModels>[0], lab: RiskLabel): ModelSummary | null {
  return listModels(db, lab).find((m) => m.active) ?? null;
}

function loadModelOrExplain(db: Parameters<typeof listModels>[0], lab: RiskLabel) {
  try {
    return requireActiveModel(db, lab);
  } catch {
    throw new UsageError(`There is no ${lab} risk model yet.`, lab === 'escalated' ? 'risk train' : 'risk train --label sla_breached');
  }
}

export const risk = defineCommand({
  name: 'risk',
  summary: 'Open tickets most likely to escalate or breach SLA, with the reasons; train, inspect and simulate the model.',
  usage:
    'risk [queue] | risk <ticket id> | risk model | risk compare [--label …] | risk train [--label escalated|sla_breached] [--precision 70%] [--horizon 2h] [--waiting pending,on_hold] | risk simulate [--speedup 30%]\n' +
    'labels: escalated (the ticket gets escalated), sla_breached (resolved after its due time); --precision: the precision the flag threshold must keep (90 % lower bound on validation); ' +
    `--horizon: train at one cut-off only (default: ${DEFAULT_CUTOFF_HOURS.join(', ')} h after creation)`,
  examples: [EXAMPLE, 'risk', 'risk T-10234', 'risk model', EX_TRAIN, 'risk train --label sla_breached', 'risk train --horizon 0s', 'risk breach billing', 'risk compare', EX_SIM],
  args: riskArgs,
  parse: parseRisk,
  // Training saves a model; scoring stores each ticket's text signals on first sight.
  writes: () => true,
  run(ctx, args): RiskResult {
    const db = ctx.db;
    const nowMs = ctx.now.getTime();
    const asOf = isoSeconds(ctx.now);
    switch (args.action) {
      case 'train': {
        const data = readRiskData(db, { until: asOf });
        let r;
        try {
          r = trainRiskModel(data, {
            label: args.label,
            cutoffHours: args.horizonSeconds === null ? undefined : [args.horizonSeconds / 3600],
            waitingStatuses: args.waiting.length ? args.waiting : undefined,
            precisionTarget: args.precision,
            dataEndMs: nowMs,
            trainedAt: asOf,
            // Opening hour and weekday are read in the deployment's time zone.
            timeZone: ctx.config.RADAR_TZ,
            intervention: args.speedup === DEFAULT_INTERVENTION.speedup ? DEFAULT_INTERVENTION : { ...DEFAULT_INTERVENTION, speedup: args.speedup, description: `Flagged tickets get ${Math.round(args.speedup * 100)} % less remaining time to resolve (routed to a senior queue).` },
          });
        } catch (err) {
          throw new UsageError(`I can't train a ${args.label} model on this data: ${(err as Error).message}.`, 'ingest tickets and ticket_events first (radar ingest <files>), then: risk train');
        }
        const { id, version } = saveModel(db, r.model);
        const c = r.card;
        const sim = c.simulation;
        const mj = (m: SliceMetrics): MetricsJson => ({
          rows: m.rows,
          rocAuc: nanToNull(m.rocAuc),
          prAuc: nanToNull(m.prAuc),
          precision: nanToNull(m.precision),
          precisionCi95: [nanToNull(m.precisionCi95[0]), nanToNull(m.precisionCi95[1])],
          recall: nanToNull(m.recall),
          f1: nanToNull(m.f1),
          flagged: m.flagged,
          threshold: nanToNull(m.threshold),
          brier: nanToNull(m.brier),
        });
        return {
          kind: 'train',
          label: args.label,
          modelId: id,
          version,
          cutoffHours: c.cutoffHours,
          train: slice(c.split.train),
          validation: slice(c.split.validation),
          test: { ...slice(c.split.test), ...mj(c.metrics.test) },
          byCutoff: c.metrics.byCutoff.map((m) => ({ cutoffHours: m.cutoffHours, ...mj(m) })),
          thresholdReachedOnValidation: c.threshold.reachedOnValidation,
          topFeatures: c.topFeatures.slice(0, 10),
          simulation: sim
            ? { tickets: sim.tickets, unevaluable: sim.unevaluable, notes: sim.notes, flagged: sim.flagged, breachesWithout: sim.breachesWithout, breachesWith: sim.breachesWith, avoided: nanToNull(sim.avoided), reduction: nanToNull(sim.reduction), ci95: sim.ci95 }
            : null,
        };
      }
      case 'compare': {
        const data = readRiskData(db, { until: asOf });
        let r;
        try {
          r = trainRiskModel(data, { label: args.label, precisionTarget: args.precision, dataEndMs: nowMs, trainedAt: asOf, timeZone: ctx.config.RADAR_TZ });
        } catch (err) {
          throw new UsageError(`I can't train a ${args.label} model on this data: ${(err as Error).message}.`, 'ingest tickets and ticket_events first (radar ingest <files>), then: risk compare');
        }
        const comparison = compareModels(r);
        // The model card keeps the comparison: the compared model is stored as the new active version.
        r.model.card.comparison = comparison;
        const { id, version } = saveModel(db, r.model);
        const models = comparison.models.map((m) => ({ ...m, prAuc: nanToNull(m.prAuc), rocAuc: nanToNull(m.rocAuc), brier: nanToNull(m.brier), precision: nanToNull(m.precision), recall: nanToNull(m.recall) }));
        return { kind: 'compare', label: args.label, modelId: id, version, population: comparison.population, models };
      }
      case 'score': {
        const m = loadModelOrExplain(db, args.label);
        const data = readRiskData(db, { openOnly: true, queue: args.queue, until: asOf });
        if (args.queue && data.tickets.length === 0) {
          const known = (db.prepare('SELECT DISTINCT queue FROM v_ticket_facts ORDER BY queue').pluck().all() as string[]);
          if (!known.includes(args.queue)) throw new UsageError(`I don't know the queue "${args.queue}". Queues with tickets: ${known.join(', ') || '(none)'}.`, EXAMPLE);
        }
        const scored = scoreTickets(m, data.tickets, data.events, nowMs, { agents: data.agents });
        const order = scored.map((_, i) => i).sort((a, b) => scored[b].probability - scored[a].probability || scored[b].margin - scored[a].margin);
        const top = order.slice(0, args.limit);
        // Reasons only for the tickets shown (TreeSHAP per ticket).
        const shown = scoreTickets(m, top.map((i) => data.tickets[i]), data.events, nowMs, { agents: data.agents, reasons: 3 });
        return {
          kind: 'score',
          label: args.label,
          modelVersion: activeVersion(db, args.label)?.version ?? null,
          asOf,
          queue: args.queue,
          open: scored.length,
          flagged: scored.filter((s) => s.flagged).length,
          outsideSupport: scored.filter((s) => s.outsideSupport).length,
          supportHours: m.model.support.maxHours,
          threshold: m.model.threshold.probability,
          tickets: top.map((i, k) => {
            const t = data.tickets[i];
            return {
              ticketId: t.ticket_id,
              queue: t.queue,
              subject: t.subject,
              priority: t.priority,
              createdAt: t.created_at,
              ageHours: shown[k].ageHours,
              probability: shown[k].probability,
              flagged: shown[k].flagged,
              outsideSupport: shown[k].outsideSupport,
              reasons: (shown[k].reasons ?? []).filter((r) => r.contribution > 0).slice(0, 3),
            };
          }),
        };
      }
      case 'ticket': {
        const m = loadModelOrExplain(db, args.label);
        const data = readRiskData(db, { ticketIds: [args.ticketId] });
        const t = data.tickets[0];
        if (!t) throw new UsageError(`I can't find ticket ${args.ticketId}.`, 'risk T-10234');
        // A resolved ticket is shown as it stood one second before it was resolved.
        const resolved = t.resolved_at ? Date.parse(t.resolved_at) : NaN;
        const cut = Number.isFinite(resolved) && resolved <= nowMs ? resolved - 1000 : nowMs;
        const note = cut < nowMs ? `Resolved at ${t.resolved_at}: scored as it stood just before.` : null;
        const raw = rawFeatures(m.model.schema, rewindTicket(t, data.events, cut), data.events, cut, { agents: new Map((data.agents ?? []).map((a) => [a.agent_id, a])) });
        const x = encode(m.model.schema, raw);
        const margin = predictMarginRow(m.booster, x);
        const phi = m.shap.contributions(x);
        const levels: Record<string, string> = {};
        m.model.schema.categoricals.forEach((c, k) => (levels[c.name] = raw.levels[k]));
        const age = (cut - Date.parse(t.created_at)) / 3_600_000;
        const s = { probability: calibrate(m.model.calibration, margin), flagged: margin >= m.model.threshold.margin, outsideSupport: !(age >= m.model.support.minHours - 0.25 && age <= m.model.support.maxHours) };
        return {
          kind: 'ticket',
          label: args.label,
          ticket: { ticketId: t.ticket_id, queue: t.queue, subject: t.subject, status: t.status ?? null, priority: t.priority, createdAt: t.created_at },
          asOf: isoSeconds(new Date(cut)),
          note,
          probability: s.probability,
          flagged: s.flagged,
          outsideSupport: s.outsideSupport,
          threshold: m.model.threshold.probability,
          base: m.shap.base,
          margin,
          reasons: explainContributions(m.model.featureNames, x, phi, { top: 8, phrases: matchedPhrases(tokenize(customerTextAsOf(t, data.events, cut))), levels }),
        };
      }
      case 'model': {
        const m = loadModelOrExplain(db, args.label);
        const versions = listModels(db, args.label);
        return { kind: 'model', label: args.label, active: versions.find((v) => v.active) ?? null, versions, card: m.model.card };
      }
      case 'simulate': {
        const m = loadModelOrExplain(db, args.label);
        const card = m.model.card;
        const from = card.split.test.from;
        const to = card.split.test.to;
        // Replay the model's test period: tickets created then, eligible at their cut-off, as they stood then.
        const data = readRiskData(db, { until: asOf });
        const byTicket = groupEvents(data.events);
        const agents = new Map((data.agents ?? []).map((a) => [a.agent_id, a]));
        const sims: SimTicket[] = [];
        for (const t of data.tickets) {
          if (!from || !to || t.created_at < from || t.created_at > to) continue;
          const evs = byTicket.get(t.ticket_id) ?? [];
          // Flagged at the first training cut-off where it was still open and its score passed the threshold.
          let flaggedAt = NaN;
          let eligible = false;
          for (const h of card.cutoffHours) {
            const cutoff = Date.parse(t.created_at) + h * 3_600_000;
            if (ineligibility(t, evs, m.model.label, cutoff, nowMs, true)) continue;
            eligible = true;
            const x = encode(m.model.schema, rawFeatures(m.model.schema, rewindTicket(t, evs, cutoff), evs, cutoff, { agents }));
            if (predictMarginRow(m.booster, x) >= m.model.threshold.margin) {
              flaggedAt = cutoff;
              break;
            }
          }
          if (!eligible) continue;
          sims.push({ ticket_id: t.ticket_id, created_at: t.created_at, resolved_at: t.resolved_at, due_at: t.due_at, sla_breached: t.sla_breached, cutoffMs: Number.isNaN(flaggedAt) ? Date.parse(t.created_at) : flaggedAt, flagged: !Number.isNaN(flaggedAt) });
        }
        const intervention = { ...DEFAULT_INTERVENTION, speedup: args.speedup, description: args.speedup === DEFAULT_INTERVENTION.speedup ? DEFAULT_INTERVENTION.description : `Flagged tickets get ${Math.round(args.speedup * 100)} % less remaining time to resolve (routed to a senior queue).` };
        return {
          kind: 'simulate',
          label: args.label,
          modelVersion: activeVersion(db, args.label)?.version ?? null,
          period: { from, to },
          simulation: simulateBreachReduction(sims, { intervention, bootstrap: 1000, seed: 1 }),
        };
      }
    }
  },
  text(r) {
    return renderText(r);
  },
  blocks(r) {
    return renderBlocks(r);
  },
});

// ------------------------------------------------------------------------------------------------ render

const p100 = (v: number | null | undefined, d = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(d)} %`);
const f3 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const reasonText = (q: Reason) => `${q.text} ${q.arrow}`;

function simLine(s: Pick<SimResult, 'breachesWithout' | 'breachesWith' | 'avoided' | 'reduction' | 'ci95' | 'flagged' | 'tickets'>): string {
  if (s.tickets === 0 || s.avoided === null || !Number.isFinite(s.avoided)) return 'not evaluable (no ticket with both a due time and a resolution time)';
  return `${s.avoided} of ${s.breachesWithout} breaches avoided (${p100(s.reduction, 1)}, 95 % CI ${p100(s.ci95.reduction[0], 1)}–${p100(s.ci95.reduction[1], 1)}) flagging ${s.flagged} of ${s.tickets} evaluable tickets`;
}

export function renderText(r: RiskResult): string {
  switch (r.kind) {
    case 'train': {
      const t = r.test;
      const cut = (m: MetricsJson) => `PR-AUC ${f3(m.prAuc)} · ROC-AUC ${f3(m.rocAuc)} · precision ${f3(m.precision)} (95 % CI ${f3(m.precisionCi95[0])}–${f3(m.precisionCi95[1])}), recall ${f3(m.recall)}`;
      return [
        `Trained ${r.label} model v${r.version} on tickets as they stood ${r.cutoffHours.join(', ')} h after creation.`,
        `Train ${r.train.rows} rows (${r.train.from} … ${r.train.to}), validation ${r.validation.rows}, test ${t.rows} rows (${t.from} … ${t.to}).`,
        `Test, all rows (every ticket at every cut-off where still open), at p ≥ ${f3(t.threshold)}: ${cut(t)}, F1 ${f3(t.f1)} · Brier ${f3(t.brier)}`,
        ...r.byCutoff.map((m) => `  tickets open at ${m.cutoffHours} h (${m.rows}): ${cut(m)}`),
        r.thresholdReachedOnValidation ? '' : 'The precision target was not reachable on validation: the threshold maximises F1 instead.',
        `Top features: ${r.topFeatures.slice(0, 6).map((f) => f.feature).join(', ')}`,
        r.simulation ? `Simulation on the test period: ${simLine(r.simulation)}.` : '',
        ...(r.simulation?.notes ?? []),
      ].filter(Boolean).join('\n');
    }
    case 'score': {
      const head = `Open tickets by ${r.label === 'escalated' ? 'escalation' : 'SLA-breach'} risk${r.queue ? ` in ${r.queue}` : ''} — ${r.open} open, ${r.flagged} flagged (p ≥ ${f3(r.threshold)}), as of ${r.asOf}`;
      if (!r.tickets.length) return `${head}\nNo open tickets.`;
      return [
        head,
        r.outsideSupport ? `${r.outsideSupport} open ticket(s) are older than ${formatDuration(r.supportHours)}, the oldest age the model was trained on: their scores (marked ~) extrapolate.` : '',
        table(
          ['ticket', 'risk', 'queue', 'age', 'subject', 'why'],
          r.tickets.map((t) => [`${t.flagged ? '⚑ ' : ''}${t.ticketId}`, `${t.outsideSupport ? '~' : ''}${p100(t.probability)}`, t.queue, formatDuration(t.ageHours), t.subject.slice(0, 40), t.reasons.map(reasonText).join('; ')]),
          [2, 4, 5],
        ),
      ].filter(Boolean).join('\n');
    }
    case 'ticket':
      return [
        `${r.ticket.ticketId} — ${r.ticket.subject} (${r.ticket.queue}, ${r.ticket.priority}, ${r.ticket.status ?? '?'})`,
        `${r.label === 'escalated' ? 'Escalation' : 'SLA-breach'} risk ${p100(r.probability)}${r.flagged ? ' — flagged' : ''} (threshold ${p100(r.threshold)}), as of ${r.asOf}`,
        r.note ?? '',
        r.outsideSupport ? 'This ticket is older than any age the model was trained on: the probability extrapolates.' : '',
        'Why (contributions to the log-odds; base ' + r.base.toFixed(2) + ' → ' + r.margin.toFixed(2) + '):',
        ...r.reasons.map((q) => `  ${q.arrow} ${q.text} (${q.contribution >= 0 ? '+' : '−'}${Math.abs(q.contribution).toFixed(2)})`),
      ].filter(Boolean).join('\n');
    case 'model': {
      const c = r.card;
      const t = c.metrics.test;
      return [
        `${r.label} model v${r.active?.version ?? '?'} trained ${r.active?.trainedAt ?? '?'} — rows at ${c.cutoffHours.join(', ')} h after creation; scores of tickets older than ${formatDuration(c.support.maxHours)} are marked as extrapolated`,
        c.attributes.numeric.length + c.attributes.categorical.length ? `Ticket attributes read: ${[...c.attributes.categorical, ...c.attributes.numeric].join(', ')}` : '',
        `Data ${c.data.from} … ${c.data.to}: ${c.data.eligible} eligible of ${c.data.tickets} tickets; positive rate train ${p100(c.classBalance.train, 1)}, test ${p100(c.classBalance.test, 1)}`,
        `Split: ${c.split.method}`,
        `Test (${c.metrics.population}): PR-AUC ${f3(t.prAuc)} · ROC-AUC ${f3(t.rocAuc)} · precision ${f3(t.precision)} (95 % CI ${f3(t.precisionCi95?.[0])}–${f3(t.precisionCi95?.[1])}) · recall ${f3(t.recall)} · F1 ${f3(t.f1)} · Brier ${f3(t.brier)} at p ≥ ${f3(c.threshold.probability)} (target precision ${c.threshold.precisionTarget}${c.threshold.reachedOnValidation ? '' : ', not reachable on validation: max-F1 threshold'})`,
        ...c.metrics.byCutoff.map((m) => `  ${m.population} (${m.rows}): PR-AUC ${f3(m.prAuc)} · ROC-AUC ${f3(m.rocAuc)} · precision ${f3(m.precision)} · recall ${f3(m.recall)}`),
        c.comparison ? `Compared on the same split (${c.comparison.population}): ` + c.comparison.models.map((m) => `${m.model} PR-AUC ${f3(m.prAuc)} ROC-AUC ${f3(m.rocAuc)} Brier ${f3(m.brier)}`).join(' · ') : '',
        'Calibration (deciles): ' + c.metrics.calibration.map((b) => `${p100(b.meanPredicted)}→${p100(b.observedRate)}`).join(' '),
        'Top features (mean |SHAP|): ' + c.topFeatures.slice(0, 8).map((f) => `${f.feature} ${f.meanAbsContribution.toFixed(3)}`).join(', '),
        c.simulation ? `Intervention: ${c.simulation.assumption.description} ${simLine(c.simulation)}.` : '',
        c.simulation ? `Why this assumption: ${c.simulation.assumption.rationale}` : '',
        ...c.notes,
        `Versions: ${r.versions.map((v) => `v${v.version}${v.active ? '*' : ''}`).join(' ')}`,
      ].filter(Boolean).join('\n');
    }
    case 'compare':
      return [
        `${r.label}: this model vs logistic regression vs the class prior on one time split (${r.population}); stored as model v${r.version}.`,
        table(
          ['model', 'PR-AUC', 'ROC-AUC', 'Brier', 'precision', 'recall', 'TP', 'FP', 'FN', 'TN'],
          r.models.map((m) => [m.model, f3(m.prAuc), f3(m.rocAuc), f3(m.brier), f3(m.precision), f3(m.recall), String(m.confusion.tp), String(m.confusion.fp), String(m.confusion.fn), String(m.confusion.tn)]),
        ),
        'Precision/recall and the confusion matrix are at each model\'s own threshold, chosen on the validation slice for the same precision target; the prior flags nobody.',
      ].join('\n');
    case 'simulate': {
      const s = r.simulation;
      return [
        `Breach-reduction replay of the ${r.label} model v${r.modelVersion ?? '?'} over its test period ${r.period.from} … ${r.period.to}`,
        `Assumption: ${s.assumption.description}`,
        `${simLine(s)}.`,
        'Sensitivity: ' + s.sensitivity.map((q) => `${p100(q.speedup)} faster → ${p100(q.reduction, 1)}`).join(', '),
        ...s.notes,
        `Why this assumption: ${s.assumption.rationale}`,
      ].join('\n');
    }
  }
}

export function renderBlocks(r: RiskResult): Block[] {
  switch (r.kind) {
    case 'score': {
      const blocks: Block[] = [header(`${r.label === 'escalated' ? 'Escalation' : 'SLA-breach'} risk${r.queue ? ` — ${r.queue}` : ''}`)];
      blocks.push(context(esc(`${r.open} open · ${r.flagged} flagged (p ≥ ${f3(r.threshold)}) · as of ${r.asOf}`)));
      if (!r.tickets.length) blocks.push(section('No open tickets.'));
      for (const t of r.tickets.slice(0, 20)) {
        blocks.push(
          section(
            `${t.flagged ? ':triangular_flag_on_post: ' : ''}*${esc(t.ticketId)}* ${t.outsideSupport ? '~' : ''}${p100(t.probability)} · ${esc(t.queue)} · ${formatDuration(t.ageHours)} old${t.outsideSupport ? ' (older than the model’s training range: extrapolated)' : ''}\n${esc(t.subject.slice(0, 120))}\n` +
              (t.reasons.length ? t.reasons.map((q) => `• ${esc(reasonText(q))}`).join('\n') : '_no strong reasons_'),
          ),
        );
      }
      blocks.push(context('Reasons are exact contributions (TreeSHAP) to the model’s log-odds. `/radar risk T-123` for one ticket, `/radar risk model` for the model card.'));
      return blocks;
    }
    case 'ticket':
      return [
        header(`${r.ticket.ticketId} — ${p100(r.probability)} ${r.label === 'escalated' ? 'escalation' : 'SLA-breach'} risk`),
        section(`*${esc(r.ticket.subject)}*\n${esc(r.ticket.queue)} · ${esc(r.ticket.priority)} · ${esc(r.ticket.status ?? '?')}${r.flagged ? ' · :triangular_flag_on_post: flagged' : ''}`),
        section(r.reasons.map((q) => `${q.arrow} ${esc(q.text)} (${q.contribution >= 0 ? '+' : '−'}${Math.abs(q.contribution).toFixed(2)})`).join('\n') || '_no reasons_'),
        context(esc(`${r.note ? r.note + ' ' : ''}As of ${r.asOf}. Contributions are to the uncalibrated log-odds (base ${r.base.toFixed(2)} → ${r.margin.toFixed(2)}).`)),
      ];
    default:
      return [section('```' + esc(renderText(r)).slice(0, 2900) + '```'), divider(), context(`/radar risk ${r.kind}`)];
  }
}
