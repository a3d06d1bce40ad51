/**
 * Fact sheets: a command's result as named facts the LLM may refer to (`{sl_delta}`,
 * `{driver.talk.points}`) but never write itself. Each fact carries its text exactly as SLA Radar prints it
 * (the engine's formatting, sign and unit, the same formatters the narrator uses), what it measures, the
 * quantity words the prose may attach to it and, for a change, its direction. The grounding check
 * (grounding.ts) fills the references in and rejects prose that states a figure, a direction or a quantity
 * the sheet cannot account for.
 *
 * Only engine results become facts: ticket text never does (it goes to the prompt's tickets block as data),
 * nor does the user's question. Commands without a sheet are explained by the narrator alone.
 */
import type { SlaResult } from '../../commands/sla.js';
import type { TicketsResult } from '../../commands/tickets.js';
import type { WhatifCommandResult } from '../../commands/whatif.js';
import type { StaffingCommandResult } from '../../commands/staffing.js';
import type { WhyResult } from '../../commands/why.js';
import type { RiskResult } from '../../commands/risk.js';
import type { DriftFacts } from './narrator.js';
import { pct, pts, num, dur, hhmm } from '../format.js';
import { fmtPct, fmtPts } from '../engines/drift/attribution.js';

/** The quantities prose may name. A fact lists those it may be attached to; see QUANTITY_WORDS. */
export const QUANTITIES = [
  'sl', 'target', 'arrivals', 'talk', 'acw', 'aht', 'agents', 'abandon', 'occupancy', 'asa', 'residual', 'model', 'tickets', 'risk', 'intervals', 'agent_hours', 'shrinkage', 'terms', 'drift',
] as const;
export type Quantity = (typeof QUANTITIES)[number];

export type Direction = 'up' | 'down' | 'flat';

export interface Fact {
  /** Reference name: lower-case words, dots and underscores (`driver.talk.points`). */
  name: string;
  /** The text that replaces `{name}`: SLA Radar's own formatting, sign and unit. */
  text: string;
  /** What it is, for the prompt's fact table. */
  meaning: string;
  /** Quantity words the prose may attach to it; empty = a label (date, time, name, reason), not checked for quantity. */
  quantities: Quantity[];
  /** For a change: its sign. Direction words bound to it must agree. */
  direction?: Direction;
  /** The ticket a per-ticket figure belongs to: the prose must name that ticket next to it. */
  ticket?: string;
}

export interface FactSheet {
  command: string;
  facts: Fact[];
  /** Which way each quantity moved, where the result says so (direction words tied to a quantity word are checked against it). */
  directions: Partial<Record<Quantity, Direction>>;
}

const dirOf = (x: number, eps = 1e-9): Direction => (x > eps ? 'up' : x < -eps ? 'down' : 'flat');

/** A signed fact plus its magnitude (`name.abs`, sign stripped) so prose can say "fell {sl_delta.abs}". */
function signed(name: string, text: string, meaning: string, quantities: Quantity[], value: number, extra: Partial<Fact> = {}): Fact[] {
  const direction = dirOf(value);
  const abs = text.replace(/^[−+±-]\s*/, '');
  return [
    { name, text, meaning: `${meaning} (signed)`, quantities, direction, ...extra },
    { name: `${name}.abs`, text: abs, meaning: `${meaning}, size only (the signed value is ${direction === 'up' ? 'positive' : direction === 'down' ? 'negative' : 'zero'}: say so in words)`, quantities, direction, ...extra },
  ];
}

const label = (name: string, text: string, meaning: string): Fact => ({ name, text, meaning, quantities: [] });
const qty = (name: string, text: string, meaning: string, quantities: Quantity[], extra: Partial<Fact> = {}): Fact => ({ name, text, meaning, quantities, ...extra });

/** Fact names are built from queue and driver keys: keep them to the reference alphabet. */
const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]+/g, '_');

const WHY_Q: Record<string, Quantity> = { arrivals: 'arrivals', talk: 'talk', acw: 'acw', agents: 'agents' };
const WHY_WORD: Record<string, string> = { arrivals: 'arrivals (calls offered)', talk: 'talk time', acw: 'after-call work (ACW)', agents: 'agents staffed' };

export function whyFacts(r: WhyResult): FactSheet {
  const f: Fact[] = [];
  f.push(label('queue', r.displayName, 'the queue'));
  f.push(label('when', r.mode === 'day' ? `on ${r.date}` : `${r.afterRange.from}..${r.afterRange.to}`, 'the period explained'));
  f.push(label('baseline', r.mode === 'day' ? 'the same weekday of the 4 weeks before' : `${r.beforeRange.from}..${r.beforeRange.to}`, 'what it is compared with'));
  f.push(qty('sl_after', `${r.after.sl.toFixed(1)} %`, 'SL in the period explained', ['sl']));
  f.push(qty('sl_before', `${r.before.sl.toFixed(1)} %`, 'SL in the baseline', ['sl']));
  f.push(...signed('sl_delta', fmtPts(r.observedDelta), 'observed change in SL, period vs baseline', ['sl'], r.observedDelta));
  f.push(...signed('model_delta', fmtPts(r.modelDelta), 'change in SL the queue model explains from the four drivers', ['model', 'sl'], r.modelDelta));
  f.push(...signed('residual', fmtPts(r.residual), 'SL change the queue model does not explain', ['residual', 'model'], r.residual));
  f.push(label('model', r.modelName ?? (r.model === 'erlang-a' ? 'Erlang A' : 'Erlang C'), 'the queue model used'));
  const directions: FactSheet['directions'] = { sl: dirOf(r.observedDelta, 0.05) };
  const before = { arrivals: num(r.before.offeredPerDay), talk: dur(r.before.talkSeconds), acw: dur(r.before.acwSeconds), agents: num(r.before.agents, 1) };
  const after = { arrivals: num(r.after.offeredPerDay), talk: dur(r.after.talkSeconds), acw: dur(r.after.acwSeconds), agents: num(r.after.agents, 1) };
  const unit = { arrivals: ' calls a day', talk: '', acw: '', agents: ' on average' };
  for (const fact of r.facts) {
    const d = fact.driver as keyof typeof before;
    const q = WHY_Q[d];
    if (!q) continue;
    f.push(...signed(`driver.${d}.change`, fmtPct(fact.change), `relative change in ${WHY_WORD[d]}`, [q], fact.change));
    f.push(...signed(`driver.${d}.points`, fmtPts(fact.contribution), `SL points contributed by ${WHY_WORD[d]} (Shapley share of the model's change)`, [q], fact.contribution));
    f.push(qty(`driver.${d}.before`, `${before[d]}${unit[d]}`, `${WHY_WORD[d]} in the baseline`, [q]));
    f.push(qty(`driver.${d}.after`, `${after[d]}${unit[d]}`, `${WHY_WORD[d]} in the period explained`, [q]));
    directions[q] = dirOf(fact.change, 0.0005);
  }
  if (r.started) {
    f.push(label('started', r.started.atLeast ? `since at least ${r.started.onsetLocal.slice(4, 14)}` : `from ${r.started.onsetLocal}`, `when the ${WHY_WORD[r.started.driver] ?? r.started.driver} shift began`));
  }
  r.sameDriverElsewhere.slice(0, 3).forEach((o, i) => {
    f.push(label(`elsewhere.${i + 1}.queue`, o.queue, `another queue where the main driver moved the same way`));
    const q = WHY_Q[r.facts[0]?.driver ?? ''];
    if (q) f.push(...signed(`elsewhere.${i + 1}.change`, fmtPct(o.change), `relative change of the main driver on ${o.queue}`, [q], o.change));
  });
  const w = r.customersWindow;
  if (w) {
    f.push(label('tickets.window', w.label, 'the ticket window compared'));
    f.push(label('tickets.baseline', w.baselineLabel, 'the ticket baseline window'));
    f.push(qty('tickets.after', num(w.ticketsAfter), 'tickets created in the window', ['tickets']));
    f.push(qty('tickets.before', num(w.ticketsBefore), 'tickets created in the baseline window', ['tickets']));
  }
  r.customersWroteAbout.slice(0, 3).forEach((t, i) => {
    f.push(label(`term.${i + 1}`, `“${t.term}”`, `a word customers used more than usual (rank ${i + 1})`));
    f.push(qty(`term.${i + 1}.count`, num(t.countAfter), `tickets mentioning term ${i + 1} in the window`, ['tickets', 'terms']));
    f.push(qty(`term.${i + 1}.count_before`, num(t.countBefore), `tickets mentioning term ${i + 1} in the baseline`, ['tickets', 'terms']));
  });
  return { command: 'why', facts: f, directions };
}

export function slaFacts(r: SlaResult): FactSheet {
  const span = `${r.range.from}${r.range.to !== r.range.from ? `..${r.range.to}` : ''}`;
  const f: Fact[] = [label('when', /^\d{4}-\d{2}-\d{2}$/.test(r.range.label) ? `on ${r.range.label}` : `${r.range.label} (${span})`, 'the dates shown')];
  const below = r.queues.filter((q) => q.status === 'below_target');
  f.push(qty('queues.below', num(below.length), 'queues below their SL target', ['target', 'sl']));
  f.push(qty('queues.count', num(r.queues.filter((q) => q.status !== 'no_data').length), 'queues with data', []));
  for (const q of r.queues.slice(0, 8)) {
    const k = `q.${key(q.queue)}`;
    f.push(label(`${k}.name`, q.displayName, 'a queue'));
    f.push(label(`${k}.status`, q.status.replace(/_/g, ' '), `${q.displayName}: status against target`));
    f.push(qty(`${k}.target`, `${q.target.pct} % in ${q.target.seconds} s`, `${q.displayName}: SL target`, ['target']));
    if (q.total.sl === null) continue;
    f.push(qty(`${k}.sl`, pct(q.total.sl), `${q.displayName}: SL (answered within target ÷ offered)`, ['sl']));
    f.push(...signed(`${k}.gap`, pts(q.total.sl - q.target.pct / 100), `${q.displayName}: SL minus target`, ['sl', 'target'], q.total.sl - q.target.pct / 100));
    f.push(qty(`${k}.offered`, num(q.total.offered), `${q.displayName}: calls offered`, ['arrivals']));
    f.push(qty(`${k}.abandon`, pct(q.total.abandonRate), `${q.displayName}: abandon rate`, ['abandon']));
    f.push(qty(`${k}.aht`, dur(q.total.ahtSeconds), `${q.displayName}: average handle time incl. ACW`, ['aht', 'talk']));
    if (q.total.avgAgents !== null) f.push(qty(`${k}.agents`, num(q.total.avgAgents, 1), `${q.displayName}: agents on average`, ['agents']));
    f.push(qty(`${k}.intervals_below`, num(q.belowTarget.length), `${q.displayName}: intervals below target on ${r.range.to}`, ['intervals']));
    if (q.belowTarget.length) {
      const worst = [...q.belowTarget].sort((a, b) => a.sl - b.sl)[0];
      f.push(label(`${k}.worst_time`, worst.localTime, `${q.displayName}: the worst interval's start (local)`));
      f.push(qty(`${k}.worst_sl`, pct(worst.sl, 0), `${q.displayName}: SL in the worst interval`, ['sl', 'intervals']));
    }
  }
  return { command: 'sla', facts: f, directions: {} };
}

export function whatifFacts(r: WhatifCommandResult): FactSheet {
  const w = r.result;
  const f: Fact[] = [
    label('queue', r.displayName, 'the queue'),
    label('date', r.date, 'the day simulated'),
    label('levers', r.leverText.length ? r.leverText.join(', ') : 'no change', 'the change simulated'),
    label('basis', r.basisNote, 'what the simulation is based on'),
    qty('target', `${r.target.pct} %`, 'SL target', ['target']),
    qty('sl_scenario', pct(w.scenario.serviceLevel), 'predicted SL with the change', ['sl']),
    qty('sl_baseline', pct(w.baseline.serviceLevel), 'predicted SL without the change', ['sl']),
    ...signed('sl_delta', pts(w.delta.slPts / 100), 'SL change the scenario buys', ['sl'], w.delta.slPts),
    qty('asa_baseline', dur(w.baseline.asaSeconds), 'average speed of answer without the change', ['asa']),
    qty('asa_scenario', dur(w.scenario.asaSeconds), 'average speed of answer with the change', ['asa']),
    qty('occupancy_baseline', pct(w.baseline.occupancy), 'agent occupancy without the change', ['occupancy']),
    qty('occupancy_scenario', pct(w.scenario.occupancy), 'agent occupancy with the change', ['occupancy']),
    qty('intervals_at_risk', num(w.atRisk.length), 'intervals still predicted below target', ['intervals']),
  ];
  const worst = w.atRisk[0];
  if (worst) {
    f.push(label('worst.time', worst.localMinute !== undefined ? hhmm(worst.localMinute) : worst.intervalStart.slice(11, 16), 'the worst interval'));
    f.push(qty('worst.sl', pct(worst.predictedSl, 0), 'predicted SL in the worst interval', ['sl', 'intervals']));
    f.push(qty('worst.agents_short', num(Math.max(0, worst.agentGap)), 'agents short in the worst interval', ['agents']));
  }
  const best = w.leverRanking?.[0];
  if (best && best.slPts > 0) {
    f.push(label('next_lever', best.lever, 'the next best single step'));
    f.push(...signed('next_lever.points', pts(best.slPts / 100), 'SL bought by the next best step', ['sl'], best.slPts));
  }
  return { command: 'whatif', facts: f, directions: { sl: dirOf(w.delta.slPts, 0.05) } };
}

export function staffingFacts(r: StaffingCommandResult): FactSheet {
  const t = r.plan.totals;
  const f: Fact[] = [
    label('queue', r.displayName, 'the queue'),
    label('date', r.date, 'the day planned'),
    label('basis', r.basisNote, 'what the plan is based on'),
    qty('target', `${r.target.pct} % in ${r.target.seconds} s`, 'SL target', ['target', 'sl']),
    qty('shrinkage', `${num(r.shrinkagePct)} %`, 'shrinkage assumed', ['shrinkage']),
    qty('hours.raw', num(t.rawAgentHours, 1), 'agent-hours needed on the phones', ['agent_hours']),
    qty('hours.scheduled', num(t.scheduledAgentHours, 1), 'agent-hours to schedule after shrinkage', ['agent_hours']),
    qty('hours.staffed', num(t.staffedAgentHours, 1), 'agent-hours staffed', ['agent_hours']),
    qty('hours.short', num(t.shortAgentHours, 1), 'agent-hours missing in short intervals', ['agent_hours']),
    qty('hours.surplus', num(t.surplusAgentHours, 1), 'agent-hours above requirement elsewhere', ['agent_hours']),
    qty('intervals_short', num(r.plan.intervalsShort), 'intervals short of agents', ['intervals']),
  ];
  if (r.peak) {
    f.push(qty('peak.agents', num(r.peak.rawAgents), 'peak agents required', ['agents']));
    f.push(label('peak.time', r.peak.localTime, 'when the peak requirement falls'));
  }
  return { command: 'staffing', facts: f, directions: {} };
}

const DRIFT_Q: Record<string, Quantity> = { arrivals: 'arrivals', talk: 'talk', acw: 'acw', agents: 'agents', sl: 'sl' };

export function driftFacts(r: DriftFacts): FactSheet {
  const names = new Map(r.queues.map((q) => [q.queue, q.displayName]));
  const f: Fact[] = [label('when', r.range.label, 'the dates monitored'), qty('events', num(r.events.length), 'drift events found', ['drift']), qty('events.open', num(r.events.filter((e) => e.status === 'open').length), 'drift events still open', ['drift'])];
  const directions: FactSheet['directions'] = {};
  r.events.slice(0, 6).forEach((e, i) => {
    const k = `event.${i + 1}`;
    const q = DRIFT_Q[e.driver];
    f.push(label(`${k}.queue`, names.get(e.queue) ?? e.queue, `event ${i + 1}: queue`));
    f.push(label(`${k}.status`, e.status === 'open' ? 'still going' : 'back to normal', `event ${i + 1}: status`));
    if (e.onsetLocal) f.push(label(`${k}.since`, e.onsetLocal, `event ${i + 1}: when it began`));
    if (!q) return;
    const v = (x: number) => (e.driver === 'talk' || e.driver === 'acw' ? dur(x) : e.driver === 'sl' ? pct(x) : e.driver === 'arrivals' ? `${num(x, 1)} calls per interval` : num(x, 1));
    f.push(...signed(`${k}.change`, fmtPct(e.magnitude), `event ${i + 1}: relative change in ${e.driver}`, [q], e.magnitude));
    f.push(qty(`${k}.observed`, v(e.observed), `event ${i + 1}: ${e.driver} observed`, [q]));
    f.push(qty(`${k}.usual`, v(e.expected), `event ${i + 1}: ${e.driver} usual for the time of week`, [q]));
    if (directions[q] === undefined) directions[q] = dirOf(e.magnitude);
    else if (directions[q] !== dirOf(e.magnitude)) directions[q] = undefined;
  });
  return { command: 'drift', facts: f, directions };
}

export function riskFacts(r: RiskResult): FactSheet | null {
  const what = r.label === 'escalated' ? 'escalation' : 'SLA breach';
  if (r.kind === 'score') {
    const f: Fact[] = [
      label('label', what, 'what is predicted'),
      qty('open', num(r.open), 'open tickets scored', ['tickets']),
      qty('flagged', num(r.flagged), 'tickets flagged', ['tickets', 'risk']),
      qty('threshold', pct(r.threshold, 0), 'probability at which a ticket is flagged', ['risk']),
    ];
    if (r.queue) f.push(label('queue', r.queue, 'the queue'));
    for (const t of r.tickets.slice(0, 5)) {
      const k = `ticket.${t.ticketId}`;
      f.push(qty(`${k}.probability`, pct(t.probability, 0), `${t.ticketId}: ${what} probability`, ['risk'], { ticket: t.ticketId }));
      f.push(label(`${k}.priority`, t.priority, `${t.ticketId}: priority`));
      t.reasons.slice(0, 3).forEach((x, i) => f.push(label(`${k}.reason.${i + 1}`, `${x.text} ${x.arrow}`, `${t.ticketId}: reason ${i + 1} (arrow: raises or lowers the risk)`)));
    }
    return { command: 'risk', facts: f, directions: {} };
  }
  if (r.kind === 'ticket') {
    const id = r.ticket.ticketId;
    const f: Fact[] = [
      label('label', what, 'what is predicted'),
      qty(`ticket.${id}.probability`, pct(r.probability, 0), `${id}: ${what} probability`, ['risk'], { ticket: id }),
      qty('threshold', pct(r.threshold, 0), 'probability at which a ticket is flagged', ['risk']),
      label(`ticket.${id}.flagged`, r.flagged ? 'flagged' : 'not flagged', `${id}: flagged or not`),
    ];
    r.reasons.slice(0, 5).forEach((x, i) => f.push(label(`ticket.${id}.reason.${i + 1}`, `${x.text} ${x.arrow}`, `${id}: reason ${i + 1} (arrow: raises or lowers the risk)`)));
    return { command: 'risk', facts: f, directions: {} };
  }
  return null;
}

export function ticketsFacts(r: TicketsResult): FactSheet | null {
  if (r.mode === 'index') return null;
  const f: Fact[] = [qty('matched', num(r.matched), 'tickets matching', ['tickets']), qty('shown', num(r.hits.length), 'tickets shown', ['tickets'])];
  if (r.query) f.push(label('query', `“${r.query}”`, 'the words searched'));
  if (r.filters.queue) f.push(label('queue', r.filters.queue, 'the queue filter'));
  if (r.filters.range) f.push(label('when', r.filters.range.label, 'the date filter'));
  const open = r.hits.filter((h) => h.status === 'open' || h.status === 'pending').length;
  f.push(qty('shown.open', num(open), 'shown tickets still open or pending', ['tickets']));
  const dates = r.hits.map((h) => h.createdAt.slice(0, 10)).sort();
  if (dates.length) {
    f.push(label('first_date', dates[0], 'the oldest shown ticket was created'));
    f.push(label('last_date', dates[dates.length - 1], 'the newest shown ticket was created'));
  }
  return { command: 'tickets', facts: f, directions: {} };
}

/** The fact sheet for a command's result, or null when the command has none (the narrator explains it). */
export function factSheet(command: string, result: unknown): FactSheet | null {
  switch (command) {
    case 'why':
      return whyFacts(result as WhyResult);
    case 'sla':
      return slaFacts(result as SlaResult);
    case 'whatif':
      return whatifFacts(result as WhatifCommandResult);
    case 'staffing':
      return staffingFacts(result as StaffingCommandResult);
    case 'drift':
      return driftFacts(result as DriftFacts);
    case 'risk':
      return riskFacts(result as RiskResult);
    case 'tickets':
      return ticketsFacts(result as TicketsResult);
    default:
      return null;
  }
}
