/**
 * The deterministic narrator: the same kinds of answer the LLM writes, from the same facts, with templates.
 * It is the default (no LLM configured) and the fallback (LLM slow, failing, or rejected by the guard), so it
 * has to read well on its own: lead with the verdict, then the two or three numbers that support it, then
 * what to look at next. Plain text; the caller escapes it for Slack.
 */
import type { SlaResult } from '../../commands/sla.js';
import type { TicketsResult } from '../../commands/tickets.js';
import type { WhatifCommandResult } from '../../commands/whatif.js';
import type { StaffingCommandResult } from '../../commands/staffing.js';
import type { WhyResult } from '../../commands/why.js';
import type { RiskResult } from '../../commands/risk.js';
import { pct, pts, num, dur, hhmm } from '../format.js';
import { fmtPct, fmtPts } from '../engines/drift/attribution.js';

export interface NarratorTicket {
  ticketId: string;
  subject: string;
  queue: string;
  createdAt: string;
}

export interface Narration {
  summary: string;
  points: string[];
  citations: string[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function narrateSla(r: SlaResult): Narration {
  const span = `${r.range.from}${r.range.to !== r.range.from ? `..${r.range.to}` : ''}`;
  const when = /^\d{4}-\d{2}-\d{2}$/.test(r.range.label) ? `on ${r.range.label}` : r.range.label === span ? `over ${span}` : `${r.range.label} (${span})`;
  if (!r.queues.length) return { summary: `No queue data for ${when}.`, points: [], citations: [] };
  const below = r.queues.filter((q) => q.status === 'below_target');
  const atRisk = r.queues.filter((q) => q.status === 'at_risk');
  const withData = r.queues.filter((q) => q.status !== 'no_data');
  let summary: string;
  if (r.queues.length === 1) {
    const q = r.queues[0];
    summary =
      q.total.sl === null
        ? `${q.displayName} had no calls ${when}.`
        : `${q.displayName} ${q.status === 'below_target' ? 'missed' : 'met'} its SL target ${when}: ${pct(q.total.sl)} answered within ${q.target.seconds} s against ${q.target.pct} % (${pts(q.total.sl - q.target.pct / 100)}).`;
  } else if (below.length) {
    summary = `${below.length} of ${withData.length} queues were below SL target ${when}: ${list(below.map((q) => `${q.displayName} ${pct(q.total.sl)} vs ${q.target.pct} %`))}.`;
  } else {
    summary = `All ${withData.length} queues met their SL targets ${when}${atRisk.length ? `, ${list(atRisk.map((q) => q.displayName))} within 3 points of missing` : ''}.`;
  }
  const points: string[] = [];
  if (r.note) points.push(r.note);
  for (const q of r.queues.slice(0, 6)) {
    if (q.total.sl === null) continue;
    const parts = [`${num(q.total.offered)} offered`, `abandon ${pct(q.total.abandonRate)}`, `AHT ${dur(q.total.ahtSeconds)}`];
    if (q.total.avgAgents !== null) parts.push(`${num(q.total.avgAgents, 1)} agents on average`);
    let line = `${q.displayName}: SL ${pct(q.total.sl)} (${pts(q.total.sl - q.target.pct / 100)} vs target); ${parts.join(', ')}.`;
    if (q.belowTarget.length) {
      const worst = [...q.belowTarget].sort((a, b) => a.sl - b.sl)[0];
      line += ` ${plural(q.belowTarget.length, 'interval')} below target on ${r.range.to}, worst ${worst.localTime} at ${pct(worst.sl, 0)}.`;
    }
    points.push(line);
  }
  const worst = below[0] ?? atRisk[0];
  if (worst) points.push(`Next: \`why ${worst.queue} ${r.range.to}\` for the drivers, or \`whatif ${worst.queue}\` to test staffing.`);
  return { summary, points, citations: [] };
}

export function narrateTickets(r: TicketsResult): Narration {
  if (r.mode === 'index') return { summary: r.note ?? 'Embeddings are up to date.', points: [], citations: [] };
  const f = r.filters;
  const scope = [f.queue ? `in ${f.queue}` : null, f.range ? `(${f.range.label})` : null].filter(Boolean).join(' ');
  const what = r.mode === 'similar' ? `like ${r.ticket?.ticketId} “${r.ticket?.subject}”` : `matching “${r.query}”`;
  if (!r.hits.length) return { summary: `No tickets ${what}${scope ? ` ${scope}` : ''}.`, points: [], citations: [] };
  const summary =
    r.mode === 'similar'
      ? `${plural(r.hits.length, 'ticket')} ${what}${scope ? ` ${scope}` : ''}; the closest is ${r.hits[0].ticketId} “${r.hits[0].subject}”.`
      : `${plural(r.matched, 'ticket')} ${what}${scope ? ` ${scope}` : ''}; the best match is ${r.hits[0].ticketId} “${r.hits[0].subject}”.`;
  const points: string[] = [];
  const cats = new Map<string, number>();
  for (const h of r.hits) if (h.category) cats.set(h.category, (cats.get(h.category) ?? 0) + 1);
  const top = [...cats.entries()].sort((a, b) => b[1] - a[1])[0];
  if (top && top[1] >= 2) points.push(`${top[1]} of the top ${r.hits.length} are tagged ${top[0].replace(/_/g, ' ')}.`);
  const queues = new Map<string, number>();
  for (const h of r.hits) queues.set(h.queue, (queues.get(h.queue) ?? 0) + 1);
  if (!f.queue && queues.size > 1) points.push(`Across queues: ${[...queues.entries()].sort((a, b) => b[1] - a[1]).map(([q, n]) => `${q} ${n}`).join(', ')}.`);
  const dates = r.hits.map((h) => h.createdAt.slice(0, 10)).sort();
  if (dates.length > 1) points.push(`Created between ${dates[0]} and ${dates[dates.length - 1]}.`);
  const open = r.hits.filter((h) => h.status === 'open' || h.status === 'pending').length;
  if (open) points.push(`${open} of them still open or pending.`);
  return { summary, points, citations: r.hits.slice(0, 3).map((h) => h.ticketId) };
}

export function narrateWhatif(r: WhatifCommandResult): Narration {
  const w = r.result;
  const levers = r.leverText.length ? r.leverText.join(', ') : 'no change';
  const summary = `With ${levers}, ${r.displayName} on ${r.date} is predicted at SL ${pct(w.scenario.serviceLevel)} against ${r.target.pct} % (baseline ${pct(w.baseline.serviceLevel)}, ${pts(w.delta.slPts / 100)}).`;
  const points: string[] = [];
  points.push(`Average speed of answer ${dur(w.baseline.asaSeconds)} → ${dur(w.scenario.asaSeconds)}; occupancy ${pct(w.baseline.occupancy)} → ${pct(w.scenario.occupancy)}.`);
  if (w.atRisk.length) {
    const worst = w.atRisk[0];
    const at = worst.localMinute !== undefined ? hhmm(worst.localMinute) : worst.intervalStart.slice(11, 16);
    points.push(`${plural(w.atRisk.length, 'interval')} still below target; the worst is ${at} at ${pct(worst.predictedSl, 0)}, short ${num(Math.max(0, worst.agentGap))} agents.`);
  } else points.push('No interval is predicted below target.');
  const best = w.leverRanking?.[0];
  if (best && best.slPts > 0) points.push(`The next best single step is ${best.lever} (${pts(best.slPts / 100)}).`);
  points.push(`Basis: ${r.basisNote}.`);
  return { summary, points, citations: [] };
}

export function narrateStaffing(r: StaffingCommandResult): Narration {
  const t = r.plan.totals;
  const summary = `${r.displayName} on ${r.date} needs ${num(t.rawAgentHours, 1)} agent-hours on the phones for ${r.target.pct} % in ${r.target.seconds} s (${num(t.scheduledAgentHours, 1)} scheduled with ${num(r.shrinkagePct)} % shrinkage) against ${num(t.staffedAgentHours, 1)} staffed.`;
  const points: string[] = [];
  if (r.plan.intervalsShort) points.push(`${plural(r.plan.intervalsShort, 'interval')} short, ${num(t.shortAgentHours, 1)} agent-hours missing in total.`);
  else points.push('No interval is short of agents.');
  if (r.peak) points.push(`Peak requirement: ${num(r.peak.rawAgents)} agents at ${r.peak.localTime}.`);
  if (t.surplusAgentHours > 0) points.push(`${num(t.surplusAgentHours, 1)} agent-hours above requirement elsewhere in the day.`);
  points.push(`Basis: ${r.basisNote}.`);
  return { summary, points, citations: [] };
}

/** The fields of the drift command's result the narrator reads (structural: commands/drift.ts). */
export interface DriftFacts {
  queue: string | null;
  range: { from: string; to: string; label: string };
  events: {
    queue: string;
    driver: string;
    direction: string;
    magnitude: number;
    status: 'open' | 'closed';
    observed: number;
    expected: number;
    onsetLocal?: string;
    detectedLocal?: string;
  }[];
  queues: { queue: string; displayName: string; status: string }[];
}

const DRIVER_WORDS: Record<string, string> = { arrivals: 'arrivals', talk: 'talk time', acw: 'after-call work', agents: 'agents staffed', sl: 'service level' };

function driverValue(driver: string, v: number): string {
  if (driver === 'talk' || driver === 'acw') return dur(v);
  if (driver === 'sl') return pct(v);
  if (driver === 'arrivals') return `${num(v, 1)} calls per interval`;
  return num(v, 1);
}

export function narrateDrift(r: DriftFacts): Narration {
  const names = new Map(r.queues.map((q) => [q.queue, q.displayName]));
  const scope = r.queue ? ` on ${names.get(r.queue) ?? r.queue}` : '';
  if (!r.events.length) {
    return { summary: `No drift${scope} ${r.range.label}: arrivals, talk time, ACW, agents and SL stayed within their usual same-time-of-week range.`, points: [], citations: [] };
  }
  const describe = (e: DriftFacts['events'][number]) =>
    `${names.get(e.queue) ?? e.queue}: ${DRIVER_WORDS[e.driver] ?? e.driver} ${e.magnitude >= 0 ? 'up' : 'down'} ${pct(Math.abs(e.magnitude), 0)} (${driverValue(e.driver, e.observed)} against a usual ${driverValue(e.driver, e.expected)})`;
  const open = r.events.filter((e) => e.status === 'open');
  const lead = open[0] ?? r.events[0];
  const summary = `${plural(r.events.length, 'drift event')}${scope} ${r.range.label}${open.length ? `, ${num(open.length)} still open` : ''}; the latest: ${describe(lead)}.`;
  const points = r.events.slice(0, 4).map((e) => `${describe(e)}${e.onsetLocal ? `, since ${e.onsetLocal}` : ''}${e.detectedLocal ? `, detected ${e.detectedLocal}` : ''}${e.status === 'open' ? ', still going' : ', back to normal'}.`);
  if (r.events.length > 4) points.push(`${num(r.events.length - 4)} more in the command's output.`);
  points.push(`Next: \`why ${lead.queue} ${r.range.to}\` to see what drove it and what customers wrote about.`);
  return { summary, points, citations: [] };
}

const WHY_WORD: Record<string, string> = { arrivals: 'arrivals', talk: 'talk time', acw: 'ACW', agents: 'staffed agents' };
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A driver's before → after in its own unit (arrivals a day, talk and ACW as durations, agents on average). */
function whyLevels(r: WhyResult, driver: string): string {
  if (driver === 'arrivals') return `${num(r.before.offeredPerDay)} → ${num(r.after.offeredPerDay)} calls a day`;
  if (driver === 'talk') return `${dur(r.before.talkSeconds)} → ${dur(r.after.talkSeconds)}`;
  if (driver === 'acw') return `${dur(r.before.acwSeconds)} → ${dur(r.after.acwSeconds)}`;
  return `${num(r.before.agents, 1)} → ${num(r.after.agents, 1)} on average`;
}

/**
 * why: the SL change and its size, the drivers that moved it (each with its own change), what the queue model
 * leaves unexplained, when the shift began, whether other queues show it, and what customers wrote about
 * (citing the example tickets the result carries). Every figure is a field of the result, formatted.
 */
export function narrateWhy(r: WhyResult): Narration {
  const when = r.mode === 'day' ? `on ${r.date}` : `${r.afterRange.from}..${r.afterRange.to} vs ${r.beforeRange.from}..${r.beforeRange.to}`;
  const top = r.facts[0];
  const lead =
    top && Math.abs(top.contribution) >= 0.5
      ? `the biggest driver is ${WHY_WORD[top.driver]} (${fmtPct(top.change)}, ${fmtPts(top.contribution)})`
      : `arrivals, talk time, ACW and agents barely moved it (residual ${fmtPts(r.residual)})`;
  const summary = `${r.displayName} ${when}: ${r.headline}; ${lead}.`;

  const points: string[] = [];
  if (r.note) points.push(r.note);
  const drivers = r.facts.filter((f, i) => i < 3 && (i === 0 || Math.abs(f.contribution) >= 0.5));
  if (drivers.length) points.push(`${cap(drivers.map((f) => `${WHY_WORD[f.driver]} ${fmtPct(f.change)} (${whyLevels(r, f.driver)}) contributed ${fmtPts(f.contribution)}`).join('; '))}.`);
  const model = r.modelName ?? (r.model === 'erlang-a' ? 'Erlang A' : 'Erlang C');
  const sideNote = r.residual >= 0.5 ? ': the queue did better than the model predicts' : r.residual <= -0.5 ? ': the queue did worse than the model predicts, so something outside the four drivers (routing, holds, breaks) also hurt' : '';
  points.push(`The queue model (${model}) explains ${fmtPts(r.modelDelta)} of the ${fmtPts(r.observedDelta)}; residual ${fmtPts(r.residual)}${sideNote}.`);
  if (r.started) {
    const s = r.started;
    const since = s.atLeast ? `since at least ${s.onsetLocal.slice(4, 14)}` : `from ${s.onsetLocal}`;
    const still = s.status === 'open' ? `, still ${s.direction}` : ', now back to normal';
    points.push(`${cap(WHY_WORD[s.driver])} ${s.direction === 'up' ? 'rose' : 'fell'} ${since}${still}.`);
  }
  if (top && Math.abs(top.contribution) >= 0.5) {
    points.push(
      r.sameDriverElsewhere.length
        ? `${cap(WHY_WORD[top.driver])} moved the same way on ${list(r.sameDriverElsewhere.slice(0, 3).map((o) => `${o.queue} (${fmtPct(o.change)})`))}.`
        : `No other queue shows ${WHY_WORD[top.driver]} moving the same way: the cause looks local to ${r.displayName}.`,
    );
  }
  const citations: string[] = [];
  const w = r.customersWindow;
  const terms = r.customersWroteAbout.slice(0, 3);
  if (w && terms.length) {
    const examples: string[] = [];
    for (const t of terms) {
      for (const e of t.examples) {
        if (citations.includes(e.ticketId) || citations.length >= 4) continue;
        citations.push(e.ticketId);
        if (examples.length < 2) examples.push(`${e.ticketId} “${e.subject}”`);
      }
    }
    const about = terms.map((t, i) => (i === 0 ? `“${t.term}” (${plural(t.countAfter, 'ticket')} vs ${num(t.countBefore)} before)` : `“${t.term}” (${num(t.countAfter)} vs ${num(t.countBefore)})`));
    points.push(`Customers wrote more than usual about ${list(about)} ${w.label}${examples.length ? `, e.g. ${examples.join(', ')}` : ''}.`);
    points.push(`Next: \`tickets "${terms[0].term}" ${r.queue}\` to read them, or \`whatif ${r.queue}\` to test staffing.`);
  } else {
    if (w && w.ticketsAfter > 0) points.push(`Nothing customers wrote about stands out ${w.label} against ${w.baselineLabel}.`);
    points.push(`Next: \`whatif ${r.queue}\` to test staffing.`);
  }
  return { summary, points, citations };
}

/**
 * risk: for a score, how many open tickets and how many flagged, then the riskiest few with their
 * probability and top 3 reasons; for one ticket, its probability and reasons. Other views: their text.
 */
export function narrateRisk(r: RiskResult, text: () => string): Narration {
  const what = r.label === 'escalated' ? 'escalation' : 'SLA-breach';
  const reasons = (rs: { text: string; arrow: string }[]) => rs.slice(0, 3).map((x) => `${x.text} ${x.arrow}`).join('; ');
  if (r.kind === 'score') {
    const scope = r.queue ? ` in ${r.queue}` : '';
    if (!r.tickets.length) return { summary: `No open tickets${scope} to score for ${what} risk.`, points: [], citations: [] };
    const first = r.tickets[0];
    const summary = `${plural(r.open, 'open ticket')}${scope}, ${num(r.flagged)} flagged for ${what} risk (${pct(r.threshold, 0)} or more); the riskiest is ${first.ticketId} “${first.subject}” at ${pct(first.probability, 0)}.`;
    const top = r.tickets.slice(0, 3);
    const points = top.map((t) => `${t.ticketId} “${t.subject}” (${t.queue}, ${t.priority}): ${pct(t.probability, 0)}${t.flagged ? ', flagged' : ''} — ${reasons(t.reasons) || 'no single reason stands out'}.`);
    points.push(`Next: \`risk ${first.ticketId}\` for the full breakdown.`);
    return { summary, points, citations: top.map((t) => t.ticketId) };
  }
  if (r.kind === 'ticket') {
    const summary = `${r.ticket.ticketId} “${r.ticket.subject}” has an ${what} risk of ${pct(r.probability, 0)}${r.flagged ? ' and is flagged' : ', below the flag threshold'} (threshold ${pct(r.threshold, 0)}).`;
    const points: string[] = [];
    if (r.reasons.length) points.push(`Why: ${reasons(r.reasons)}.`);
    if (r.note) points.push(r.note);
    return { summary, points, citations: [r.ticket.ticketId] };
  }
  return narrateGeneric('risk', text());
}

/** Commands without a template yet: the command's own text, trimmed to its first lines. */
export function narrateGeneric(command: string, text: string): Narration {
  const lines = text.split('\n').filter((l) => l.trim());
  return { summary: lines[0] ?? `${command}: no result.`, points: lines.slice(1, 8), citations: [] };
}

export type Renderer = (result: unknown) => string;

/** The narration for a command's result (templates where the shape is known, else its text). */
export function narrate(command: string, result: unknown, text: Renderer): Narration {
  switch (command) {
    case 'sla':
      return narrateSla(result as SlaResult);
    case 'tickets':
      return narrateTickets(result as TicketsResult);
    case 'whatif':
      return narrateWhatif(result as WhatifCommandResult);
    case 'staffing':
      return narrateStaffing(result as StaffingCommandResult);
    case 'drift':
      return narrateDrift(result as DriftFacts);
    case 'why':
      return narrateWhy(result as WhyResult);
    case 'risk':
      return narrateRisk(result as RiskResult, () => text(result));
    default:
      return narrateGeneric(command, text(result));
  }
}

export function narrationText(n: Narration): string {
  const lines = [n.summary];
  for (const p of n.points) lines.push(`• ${p}`);
  if (n.citations.length) lines.push(`Tickets: ${n.citations.join(', ')}`);
  return lines.join('\n');
}
