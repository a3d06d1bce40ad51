import type { Rng } from '../engines/shared/rng.js';
import { descendingOrder, expectedSigmoid, rankFigures, type RankFigures } from './bayes.js';
import { dayState, dayStress, sampleDates, trend } from './intervals.js';
import { customerId, TIERS, type AgentRow, type CustomerTable } from './people.js';
import { effectsAt, episodeWeight, ticketIntraday, WEEKLY, type Episode, type QueueProfile } from './queues.js';
import { clamp, isoUtc, sigmoid, streamFor } from './seed.js';
import {
  AGENT_FIRST_REPLIES, AGENT_FOLLOWUPS, composeTicket, CUSTOMER_FOLLOWUPS, CUSTOMER_REOPEN, ESCALATION_NOTES, fill,
  FIRST_NAMES, LAST_NAMES, NEGATIVE_CUES, topicsFor, TRANSFER_NOTES, type Topic,
} from './text.js';
import { localDaySlots, localParts } from './tz.js';

export const CHANNELS = ['email', 'web', 'chat', 'phone', 'social'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Channel = (typeof CHANNELS)[number];
export type Priority = (typeof PRIORITIES)[number];

/** One `tickets` row (as of the sample's snapshot time). */
export interface TicketRow {
  ticket_id: string;
  created_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
  status: 'open' | 'pending' | 'solved' | 'closed';
  priority: Priority;
  channel: Channel;
  queue: string;
  customer_id: string;
  agent_id: string | null;
  subject: string;
  body: string;
  category: string;
  csat: number | null;
  reopen_count: number;
  /** Known once escalated or resolved; null while open and not (yet) escalated. */
  escalated: 0 | 1 | null;
  /** Known once resolved or overdue; null while open and not yet due. */
  sla_breached: 0 | 1 | null;
  due_at: string;
}

/** One `ticket_events` row. */
export interface EventRow {
  event_id: string;
  ticket_id: string;
  at: string;
  type: 'created' | 'comment' | 'transfer' | 'reassign' | 'status' | 'escalated' | 'resolved' | 'reopened';
  author_type: 'customer' | 'agent' | 'system' | null;
  agent_id: string | null;
  from_queue: string | null;
  to_queue: string | null;
  status: string | null;
  body: string | null;
}

/** The early features of the latent model (all observable within 2 h of creation). */
export interface EarlyFeatures {
  /** Transfers between queues in the first 2 h. */
  transfers: number;
  /** Minutes to the first agent reply, capped at 120 (120 = no reply within 2 h). */
  firstResponseMinutes: number;
  /** Negative cue phrases in the body and in customer comments of the first 2 h. */
  negativeCues: number;
  tier: (typeof TIERS)[number];
  priority: Priority;
  channel: Channel;
  topic: string;
  /** Resolved within 2 h: then neither label can occur (an escalation happens only after 2 h). */
  resolvedWithin2h: boolean;
}

/** Ground truth per ticket (not written to CSV): final labels and their exact probabilities given the features. */
export interface TicketTruth {
  ticket_id: string;
  queue: string;
  createdMs: number;
  escalated: 0 | 1;
  sla_breached: 0 | 1;
  pEscalated: number;
  pBreached: number;
  features: EarlyFeatures;
}

/**
 * Latent label model. For a ticket not resolved within 2 h:
 *   x = intercept + transfers·b_t + (firstResponseMinutes/60)·b_f[priority] + b_n[negativeCues] + tier + priority
 *       + channel + topicScale·topicEffect
 *   label ~ Bernoulli(σ(x + hiddenSd·u)), u ~ N(0, 1) shared by both labels (so they correlate);
 * a ticket resolved within 2 h has both labels 0. The exact probability given the features is E_u[σ(x + sd·u)].
 * The first-response slope depends on priority because a silent first 2 h eats most of a 4 h (urgent) or 12 h
 * (high) due window but little of a 96 h one; the cue effect is indexed by the number of cue phrases (0–3) and
 * saturates, so an angry ticket is likely but never certain to escalate. Tuned so a scorer knowing these
 * probabilities reaches precision ≈ 0.8 at recall 0.6 on the tickets open at 2 h (both labels) but well under
 * 0.6 at recall 0.9: the signal is learnable from the early fields and events, the hidden term keeps it imperfect.
 */
export const LATENT_MODEL = {
  hiddenSd: 0.6,
  escalated: {
    intercept: -5.5,
    transfers: 2.8,
    firstResponseHours: { low: 0.8, normal: 0.8, high: 0.8, urgent: 0.8 },
    negativeCues: [0, 4.5, 5.7, 6.2],
    tier: { standard: 0, premium: 0.3, enterprise: 0.8 },
    priority: { low: -0.4, normal: 0, high: 0.5, urgent: 0.8 },
    channel: { email: 0, web: 0.1, chat: -0.6, phone: -0.2, social: 0.3 },
    topicScale: 2,
  },
  sla_breached: {
    intercept: -4.2,
    transfers: 2.1,
    firstResponseHours: { low: 0, normal: 0.4, high: 2, urgent: 2.7 },
    negativeCues: [0, 0.1, 0.2, 0.3],
    tier: { standard: 0, premium: -0.4, enterprise: -0.6 },
    priority: { low: -1, normal: 0, high: 1.8, urgent: 2 },
    channel: { email: 0, web: -0.3, chat: -1.1, phone: -0.1, social: -0.4 },
    topicScale: 0.65,
  },
} as const;

/**
 * How negative wording is drawn: an angry minority (angryShare × topic anger × tier × stressed-day factor) writes
 * 1 + Poisson(extraCues) cue phrases (at most 3); any other ticket carries a stray one with probability strayShare.
 */
export const CUE_MODEL = { angryShare: 0.06, extraCues: 1.2, strayShare: 0.02 } as const;

type Coefs = (typeof LATENT_MODEL)['escalated'] | (typeof LATENT_MODEL)['sla_breached'];
function logit(c: Coefs, f: EarlyFeatures, topicEffect: number): number {
  return c.intercept + c.transfers * f.transfers + c.firstResponseHours[f.priority] * (f.firstResponseMinutes / 60)
    + c.negativeCues[Math.min(3, f.negativeCues)] + c.tier[f.tier] + c.priority[f.priority] + c.channel[f.channel]
    + c.topicScale * topicEffect;
}

/** Resolution due window in hours by priority (enterprise ×0.75). */
const DUE_HOURS: Record<Priority, number> = { low: 96, normal: 36, high: 12, urgent: 4 };
const FIRST_RESPONSE_MIN: Record<Channel, number> = { email: 170, web: 140, chat: 4, phone: 10, social: 50 };
const RESOLVE_HOURS: Record<Channel, number> = { email: 22, web: 18, chat: 0.6, phone: 0.5, social: 10 };
const QUICK_RESOLVE: Record<Channel, number> = { email: 0.06, web: 0.08, chat: 0.5, phone: 0.55, social: 0.1 };
const PRIO_SPEED: Record<Priority, number> = { low: 1.4, normal: 1, high: 0.6, urgent: 0.35 };
const TIER_SPEED = [1, 0.85, 0.65];
const MIN = 60_000;
const HOUR = 3_600_000;

export interface TicketParams {
  seed: number;
  end: string;
  days: number;
  profiles: readonly QueueProfile[];
  episodes: readonly Episode[];
  tickets: number;
  customers: CustomerTable;
  agents: readonly AgentRow[];
  /** Snapshot time: events after it have not happened yet. */
  asOfMs: number;
}

export interface TicketSink {
  (ticket: TicketRow, events: EventRow[], truth: TicketTruth): void;
}

export interface RiskTruthSummary {
  escalated: { all: RankFigures; openAt2h: RankFigures; labeled: RankFigures };
  sla_breached: { all: RankFigures; openAt2h: RankFigures; labeled: RankFigures };
}

/** Share of each queue's tickets by topic at time ms, with story topics boosted in their windows. */
function topicWeights(topics: readonly Topic[], episodes: readonly Episode[], queue: string, ms: number): number[] {
  return topics.map((t) => {
    let w = t.weight;
    for (const e of episodes) if (e.queue === queue && e.topic === t.id) w *= 1 + (e.topicBoost - 1) * episodeWeight(e, ms);
    return w;
  });
}

/**
 * When work on a ticket can start: chat/phone in the queue's open hours, written channels 06:00–23:00 daily.
 * Local arithmetic from one offset lookup (a DST change inside the wait shifts it by an hour at most).
 */
function workStart(p: QueueProfile, channel: Channel, ms: number): number {
  const lp = localParts(p.timeZone, ms);
  const m = lp.minute;
  const at = (minutesAhead: number) => ms - (ms % MIN) + minutesAhead * MIN;
  if (channel !== 'chat' && channel !== 'phone') {
    if (m >= 360 && m < 1380) return ms;
    return at(m < 360 ? 360 - m : 1440 - m + 360);
  }
  const today = p.hours[lp.dow];
  if (today && m < today[1]) return m >= today[0] ? ms : at(today[0] - m);
  for (let d = 1; d <= 7; d++) {
    const h = p.hours[(lp.dow + d) % 7];
    if (h) return at(1440 - m + (d - 1) * 1440 + h[0]);
  }
  return ms;
}

interface RawEvent {
  ms: number;
  type: EventRow['type'];
  author: EventRow['author_type'];
  agent: string | null;
  from?: string;
  to?: string;
  status?: string;
  body?: string;
}

/**
 * Streams `tickets` tickets over the sample's days (same weekly/intraday shape and queue mix as the calls, story
 * topics spiking in their windows), each with its events, to `sink`, in creation order per day. Returns the
 * Bayes-limit summary of the latent label model. Deterministic per (seed, date): one stream per day.
 */
export function streamTickets(params: TicketParams, sink: TicketSink): RiskTruthSummary {
  const { seed, end, days, profiles, episodes, customers, asOfMs } = params;
  const dates = sampleDates(end, days);
  const Q = profiles.length;
  const agentsByQueue = profiles.map((p) => params.agents.filter((a) => a.queue === p.name));
  const leadByQueue = agentsByQueue.map((as) => as.find((a) => a.level === 'lead') ?? as[0]);

  // Daily ticket weight per queue → exact day counts by cumulative rounding.
  const dayW: Float64Array[] = [];
  let total = 0;
  for (let d = 0; d < dates.length; d++) {
    const w = new Float64Array(Q);
    for (let q = 0; q < Q; q++) {
      const p = profiles[q];
      const noon = localDaySlots(p.timeZone, dates[d], 1800)[24]?.utcMs ?? Date.parse(dates[d] + 'T12:00:00Z');
      const dow = new Date(dates[d] + 'T12:00:00Z').getUTCDay();
      const topics = topicsFor(p.name);
      const tw = topicWeights(topics, episodes, p.name, noon);
      const boost = tw.reduce((a, b) => a + b, 0) / topics.reduce((a, t) => a + t.weight, 0);
      w[q] = p.ticketWeight * (0.3 + 0.7 * WEEKLY[dow]) * trend(dates.length - 1 - d) * dayState(seed, p.name, dates[d]).volume
        * effectsAt(episodes, p.name, noon).arrivals * boost;
      total += w[q];
    }
    dayW.push(w);
  }

  const N = params.tickets;
  const pE = new Float64Array(N);
  const yE = new Uint8Array(N);
  const pB = new Float64Array(N);
  const yB = new Uint8Array(N);
  const open2h = new Uint8Array(N);
  const visE = new Int8Array(N);
  const visB = new Int8Array(N);
  const stressCache = new Map<string, number>();
  let cum = 0;
  let n = 0;
  for (let d = 0; d < dates.length; d++) {
    const date = dates[d];
    const w = dayW[d];
    const dayTotal = w.reduce((a, b) => a + b, 0);
    const before = Math.round((N * cum) / total);
    cum += dayTotal;
    const count = d === dates.length - 1 ? N - before : Math.round((N * cum) / total) - before;
    if (count <= 0) continue;
    const r = streamFor(seed, 'tickets', date);
    const slotsByQueue = profiles.map((p) => localDaySlots(p.timeZone, date, 1800));
    const slotW = slotsByQueue.map((sl) => sl.map((s) => ticketIntraday(s.minute)));
    const todo: { q: number; ms: number }[] = [];
    for (let k = 0; k < count; k++) {
      const q = r.weighted(w as unknown as number[]);
      const s = slotsByQueue[q][r.weighted(slotW[q])];
      todo.push({ q, ms: s.utcMs + Math.floor(r.next() * 1800) * 1000 });
    }
    todo.sort((a, b) => a.ms - b.ms || a.q - b.q);
    for (const { q, ms } of todo) {
      const key = `${q}|${date}`;
      let stress = stressCache.get(key);
      if (stress === undefined) {
        const p = profiles[q];
        const noon = slotsByQueue[q][24]?.utcMs ?? ms;
        stress = dayStress(seed, p, date, episodes, noon);
        stressCache.set(key, stress);
      }
      const t = makeTicket(params, r, n, q, ms, stress, agentsByQueue, leadByQueue);
      pE[n] = t.truth.pEscalated;
      yE[n] = t.truth.escalated;
      pB[n] = t.truth.pBreached;
      yB[n] = t.truth.sla_breached;
      open2h[n] = t.truth.features.resolvedWithin2h ? 0 : 1;
      visE[n] = t.ticket.escalated ?? -1;
      visB[n] = t.ticket.sla_breached ?? -1;
      sink(t.ticket, t.events, t.truth);
      n++;
    }
  }
  const o2 = (i: number) => open2h[i] === 1;
  const oE = descendingOrder(pE);
  const oB = descendingOrder(pB);
  return {
    escalated: {
      all: rankFigures(pE, yE, undefined, oE), openAt2h: rankFigures(pE, yE, o2, oE),
      labeled: rankFigures(pE, visE, (i) => visE[i] >= 0, oE),
    },
    sla_breached: {
      all: rankFigures(pB, yB, undefined, oB), openAt2h: rankFigures(pB, yB, o2, oB),
      labeled: rankFigures(pB, visB, (i) => visB[i] >= 0, oB),
    },
  };
}

function makeTicket(
  params: TicketParams, r: Rng, n: number, q: number, createdMs: number, stress: number,
  agentsByQueue: AgentRow[][], leadByQueue: AgentRow[],
): { ticket: TicketRow; events: EventRow[]; truth: TicketTruth } {
  const { profiles, episodes, customers, asOfMs } = params;
  const p = profiles[q];
  const ticketId = `T-${100001 + n}`;
  const topics = topicsFor(p.name);
  const topic = topics[r.weighted(topicWeights(topics, episodes, p.name, createdMs))];
  const channel = CHANNELS[r.weighted(p.channels)];
  const cust = Math.floor(customers.count * r.next() ** 1.8);
  const tierIdx = customers.tier[cust];
  const tier = TIERS[tierIdx];
  let prioIdx = r.weighted(topic.priority);
  if (tierIdx === 2 && prioIdx < 3 && r.next() < 0.25) prioIdx++;
  const priority = PRIORITIES[prioIdx];
  const first = FIRST_NAMES[customers.first[cust]];
  const last = LAST_NAMES[customers.last[cust]];
  const currency = p.timeZone === 'Europe/London' ? '£' : '$';

  // Early, label-independent draws.
  // Angry customers are a distinct minority who write one to three cue phrases; others rarely use one.
  const angerP = Math.min(0.5, CUE_MODEL.angryShare * topic.anger * [1, 1.2, 1.5][tierIdx] * (stress > 1.1 ? 1.4 : 1));
  const cues = r.next() < angerP ? Math.min(3, 1 + r.poisson(CUE_MODEL.extraCues)) : r.next() < CUE_MODEL.strayShare ? 1 : 0;
  const followupCue = cues >= 2 && r.next() < 0.5 ? 1 : 0;
  const composed = composeTicket(topic, r, createdMs, cues - followupCue, first, last, currency);

  const route: string[] = [];
  if (profiles.length > 1 && r.next() < topic.misroute) {
    const others = profiles.filter((x) => x.name !== p.name);
    route.push(r.pick(others).name);
    if (others.length > 1 && r.next() < 0.2) {
      const second = others.filter((x) => x.name !== route[0]);
      route.push(r.pick(second).name);
    }
  }
  route.push(p.name); // route[0] = where it landed, last = where it belongs
  const transferTimes = Array.from({ length: route.length - 1 }, () => createdMs + (3 + r.next() * 112) * MIN).sort((a, b) => a - b);

  const start = workStart(p, channel, createdMs);
  const frMean = FIRST_RESPONSE_MIN[channel] * stress ** 2.5 * PRIO_SPEED[priority] * TIER_SPEED[tierIdx] * (1 + 0.5 * (route.length - 1));
  let frMin = (start - createdMs) / MIN + r.lognormal(frMean, 0.9);
  const quick = frMin < 100 && route.length === 1 && r.next() < QUICK_RESOLVE[channel] / stress;

  const features: EarlyFeatures = {
    transfers: route.length - 1, firstResponseMinutes: Math.min(120, frMin), negativeCues: cues, tier, priority, channel,
    topic: topic.id, resolvedWithin2h: quick,
  };
  const M = LATENT_MODEL;
  const xe = logit(M.escalated, features, topic.escalationEffect);
  const xb = logit(M.sla_breached, features, topic.breachEffect);
  const u = r.normal();
  const ye: 0 | 1 = !quick && r.next() < sigmoid(xe + M.hiddenSd * u) ? 1 : 0;
  const yb: 0 | 1 = !quick && r.next() < sigmoid(xb + M.hiddenSd * u) ? 1 : 0;
  const pEsc = quick ? 0 : expectedSigmoid(xe, M.hiddenSd);
  const pBr = quick ? 0 : expectedSigmoid(xb, M.hiddenSd);

  // Timeline consistent with the labels (only beyond 2 h, so nothing early reveals them).
  const dueH = DUE_HOURS[priority] * (tierIdx === 2 ? 0.75 : 1);
  const dueMs = createdMs + dueH * HOUR;
  if (!quick && yb === 0 && frMin > dueH * 60 - 30) frMin = 120 + r.next() * (dueH * 60 - 150);
  const frMs = createdMs + Math.round(frMin * 60) * 1000;
  const twoH = createdMs + 2 * HOUR;
  let resolveMs: number;
  let escMs = 0;
  if (quick) {
    resolveMs = frMs + r.next() * (createdMs + 118 * MIN - frMs);
  } else {
    const draw = createdMs + RESOLVE_HOURS[channel] * topic.complexity * stress * r.lognormal(1, 1) * HOUR;
    resolveMs = Math.max(draw, frMs + 10 * MIN, twoH + 5 * MIN);
    const escLo = Math.max(twoH, frMs + 5 * MIN);
    if (yb === 0) {
      if (ye) escMs = escLo + r.next() * (dueMs - escLo) * 0.6;
      const lo = Math.max(frMs, escMs, twoH) + 5 * MIN;
      if (resolveMs > dueMs) resolveMs = lo + r.next() * (dueMs - lo);
    } else {
      if (resolveMs <= dueMs) resolveMs = dueMs + 10 * MIN + r.exponential(0.3 * dueH * HOUR);
      if (ye) escMs = escLo + r.next() * (resolveMs - escLo - 5 * MIN) * 0.8;
    }
  }
  let reopenMs = 0;
  let finalMs = resolveMs;
  if (r.next() < 0.04 + 0.08 * yb + 0.06 * ye) {
    const ro = resolveMs + (2 + r.next() * 70) * HOUR;
    const fin = ro + r.lognormal(8, 1) * HOUR;
    if (yb === 1 || fin <= dueMs) {
      reopenMs = ro;
      finalMs = fin;
    }
  }

  // Events.
  const ev: RawEvent[] = [];
  const agentOf = (queue: string) => {
    const list = agentsByQueue[profiles.findIndex((x) => x.name === queue)];
    return list[r.int(list.length)].agent_id;
  };
  const queueAt = (ms: number) => {
    let k = 0;
    while (k < transferTimes.length && transferTimes[k] <= ms) k++;
    return route[k];
  };
  ev.push({ ms: createdMs, type: 'created', author: 'customer', agent: null, status: 'open' });
  for (let k = 0; k < transferTimes.length; k++) {
    const auto = k === 0 && r.next() < 0.5;
    ev.push({
      ms: transferTimes[k], type: 'transfer', author: auto ? 'system' : 'agent', agent: auto ? null : agentOf(route[k]),
      from: route[k], to: route[k + 1], body: r.pick(TRANSFER_NOTES).replace('{to}', route[k + 1]),
    });
  }
  if (followupCue) {
    const at = createdMs + (10 + r.next() * 100) * MIN;
    ev.push({ ms: at, type: 'comment', author: 'customer', agent: null, body: `${r.pick(CUSTOMER_FOLLOWUPS)} ${r.pick(NEGATIVE_CUES)}` });
  }
  let owner = agentOf(queueAt(frMs));
  // An agent message that asks something sets the ticket pending; the customer's answer reopens it.
  const agentSays = (ms: number, body: string, agent: string | null) => {
    ev.push({ ms, type: 'comment', author: 'agent', agent, body });
    if (body.endsWith('?')) ev.push({ ms, type: 'status', author: 'agent', agent, status: 'pending' });
  };
  agentSays(frMs, r.pick(AGENT_FIRST_REPLIES).replace('{first}', first), owner);
  // Back-and-forth: a label-independent process from the first reply, cut at resolution.
  const gapMin = channel === 'chat' ? 20 : channel === 'phone' ? 90 : 600;
  let t = frMs + r.exponential(gapMin * topic.complexity) * MIN;
  for (let k = 0; k < 2 && t < resolveMs - MIN; k++) {
    ev.push({ ms: t, type: 'comment', author: 'customer', agent: null, body: r.pick(CUSTOMER_FOLLOWUPS) });
    const reply = t + r.exponential(gapMin / 2) * MIN;
    if (reply >= resolveMs - MIN) break;
    agentSays(reply, r.pick(AGENT_FOLLOWUPS), null);
    t = reply + r.exponential(gapMin * topic.complexity) * MIN;
  }
  const afterTwo = (lo: number, hi: number) => Math.max(twoH, lo) + r.next() * Math.max(0, hi - Math.max(twoH, lo));
  if (!quick && r.next() < 0.08 + 0.25 * ye) {
    ev.push({ ms: afterTwo(frMs, resolveMs - MIN), type: 'reassign', author: 'system', agent: 'NEXT' });
  }
  if (ye) {
    const complain = Math.max(twoH + MIN, escMs - (5 + r.next() * 55) * MIN);
    if (complain < escMs) {
      ev.push({ ms: complain, type: 'comment', author: 'customer', agent: null, body: `${r.pick(CUSTOMER_FOLLOWUPS)} ${r.pick(NEGATIVE_CUES)}` });
    }
    ev.push({ ms: escMs, type: 'escalated', author: 'agent', agent: null, body: r.pick(ESCALATION_NOTES) });
    if (r.next() < 0.5) ev.push({ ms: escMs + MIN, type: 'reassign', author: 'agent', agent: 'LEAD' });
  }
  if (yb && resolveMs > dueMs + 10 * MIN && r.next() < 0.6) {
    ev.push({ ms: dueMs + r.next() * (resolveMs - dueMs - MIN), type: 'comment', author: 'customer', agent: null, body: 'Still waiting for an answer.' });
  }
  // The resolving agent's message is the resolved event's body.
  const fix = fill(r.pick(topic.fixes), r, createdMs, currency);
  ev.push({ ms: resolveMs, type: 'resolved', author: 'agent', agent: null, status: 'solved', body: `Hi ${first}, ${fix}` });
  if (reopenMs) {
    ev.push({ ms: reopenMs, type: 'reopened', author: 'customer', agent: null, status: 'open', body: r.pick(CUSTOMER_REOPEN) });
    const again = fill(r.pick(topic.fixes), r, createdMs, currency);
    ev.push({ ms: finalMs, type: 'resolved', author: 'agent', agent: null, status: 'solved', body: `Hi ${first}, ${again}` });
  }
  ev.push({ ms: finalMs + 96 * HOUR, type: 'status', author: 'system', agent: null, status: 'closed' });
  const surveyMs = finalMs + (2 + r.next() * 46) * HOUR;
  const surveyed = r.next() < 0.3;
  const csatDraw = clamp(Math.round(4.4 - 1.3 * yb - 0.9 * ye - 0.6 * (reopenMs ? 1 : 0) - 0.1 * Math.min(8, frMin / 60) + 0.8 * r.normal()), 1, 5);

  // Replay up to the snapshot: fills agents (the owner at the time), and derives the ticket's current state.
  for (const e of ev) e.ms = Math.floor(e.ms / 1000) * 1000;
  ev.sort((a, b) => a.ms - b.ms);
  const events: EventRow[] = [];
  let status: TicketRow['status'] = 'open';
  let queue = route[0];
  let firstResp: number | null = null;
  let resolvedAt: number | null = null;
  let firstResolved = false;
  let escalatedSeen = false;
  let reopens = 0;
  let currentOwner: string | null = null;
  for (const e of ev) {
    if (e.ms > asOfMs) break;
    let agent = e.agent;
    if (e.type === 'transfer') queue = e.to!;
    if (agent === 'NEXT') agent = agentOf(queue);
    else if (agent === 'LEAD') agent = leadByQueue[profiles.findIndex((x) => x.name === queue)].agent_id;
    else if (agent === null && e.author === 'agent') agent = currentOwner ?? owner;
    if ((e.type === 'comment' || e.type === 'resolved') && e.author === 'agent') {
      if (firstResp === null) firstResp = e.ms;
      currentOwner = agent;
    }
    if (e.type === 'reassign') currentOwner = agent;
    if (e.type === 'status' && e.status) status = e.status as TicketRow['status'];
    if (e.type === 'escalated') escalatedSeen = true;
    if (e.type === 'resolved') {
      status = 'solved';
      resolvedAt = e.ms;
      firstResolved = true;
    }
    if (e.type === 'reopened') {
      status = 'open';
      resolvedAt = null;
      reopens++;
    }
    const row = (): EventRow => ({
      event_id: `E-${100001 + n}-${events.length + 1}`, ticket_id: ticketId, at: isoUtc(e.ms), type: e.type, author_type: e.author,
      agent_id: agent, from_queue: e.from ?? null, to_queue: e.to ?? null, status: e.status ?? null, body: e.body ?? null,
    });
    events.push(row());
    if (e.type === 'comment' && e.author === 'customer' && status === 'pending') {
      status = 'open';
      events.push({ ...row(), type: 'status', author_type: 'customer', status: 'open', body: null });
    }
  }
  owner = currentOwner ?? owner;
  const done = status === 'solved' || status === 'closed';
  const ticket: TicketRow = {
    ticket_id: ticketId,
    created_at: isoUtc(createdMs),
    first_response_at: firstResp === null ? null : isoUtc(firstResp),
    resolved_at: done && resolvedAt !== null ? isoUtc(resolvedAt) : null,
    status,
    priority,
    channel,
    queue,
    customer_id: customerId(cust),
    agent_id: currentOwner,
    subject: composed.subject,
    body: composed.body,
    category: topic.id,
    csat: done && surveyed && surveyMs <= asOfMs ? csatDraw : null,
    reopen_count: reopens,
    escalated: escalatedSeen ? 1 : firstResolved ? 0 : null,
    sla_breached: done && resolvedAt !== null ? (resolvedAt > dueMs ? 1 : 0) : asOfMs > dueMs ? 1 : null,
    due_at: isoUtc(dueMs),
  };
  const truth: TicketTruth = {
    ticket_id: ticketId, queue: p.name, createdMs, escalated: ye, sla_breached: yb, pEscalated: pEsc, pBreached: pBr, features,
  };
  return { ticket, events, truth };
}
