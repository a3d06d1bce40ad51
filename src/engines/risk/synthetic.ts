/**
 * A seeded synthetic ticket history with a known escalation model, for tests and the bench when no
 * sample generator is available. Escalation is drawn as y ~ Bernoulli(σ(z)) where z is a linear function
 * of quantities observable 2 h after creation (transfers, first response, customer replies, wording,
 * priority, tier, agent level), so σ(z) is the Bayes-optimal score at that horizon: `bayes` reports it.
 * Resolution times grow with escalation and wording; due_at follows priority; sla_breached = resolved > due.
 */
import { createRng } from '../shared/rng.js';
import type { RiskAgent, RiskEvent, RiskTicket } from './types.js';

export interface SyntheticOptions {
  tickets: number;
  days?: number;
  /** ISO date-time of the end of the history. */
  end?: string;
  seed?: number;
}

export interface SyntheticData {
  tickets: RiskTicket[];
  events: RiskEvent[];
  agents: RiskAgent[];
  /** Bayes-optimal P(escalated) at 2 h per ticket id. */
  bayes: Map<string, number>;
  endMs: number;
}

const H = 3_600_000;
const QUEUES = ['billing', 'tech_support', 'accounts', 'shipping', 'returns'];
const QUEUE_W = [0.3, 0.3, 0.15, 0.15, 0.1];
const QUEUE_RISK = [0.2, 0.4, 0, -0.2, -0.1];
const CHANNELS = ['email', 'chat', 'phone', 'web', 'social'];
const CHANNEL_W = [0.45, 0.25, 0.1, 0.15, 0.05];
const FR_MEAN_H = [2.5, 0.4, 0.3, 2.0, 3.0];
const PRIOS = ['low', 'normal', 'high', 'urgent'];
const PRIO_W = [0.2, 0.55, 0.18, 0.07];
const DUE_H = [72, 36, 16, 8];
const TIERS = ['standard', 'premium', 'enterprise'];
const TIER_W = [0.7, 0.22, 0.08];
const LEVELS = ['junior', 'mid', 'senior', 'lead'];
const LEVEL_W = [0.35, 0.4, 0.2, 0.05];

const NEUTRAL = [
  'I have a question about my account.',
  'Could you look into this order for me.',
  'The invoice shows an amount I do not recognise.',
  'My package has not arrived yet.',
  'I cannot log in since yesterday.',
  'Please update my shipping address.',
  'The app shows an error when I pay.',
];
const ANGRY = [
  'This is the third time I contact you about this.',
  'Terrible service, I am really disappointed.',
  'If this is not fixed I will cancel my subscription.',
  'This is unacceptable, I want a refund.',
  'My lawyer will hear about this.',
  'Still not fixed and nobody answers.',
  'I am furious, this is a disaster.',
];
const CALM_REPLY = ['Thanks for the update.', 'Ok, I will wait.', 'Great, thank you!'];
const ANGRY_REPLY = ['Still waiting, this is ridiculous.', 'Why is nobody helping me? Awful.', 'I want to speak to a manager now.'];

const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().slice(0, 19) + 'Z';
const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** Generates `tickets` tickets spread over `days` days ending at `end`. Deterministic for a seed. O(n). */
export function generateSyntheticTickets(opts: SyntheticOptions): SyntheticData {
  const rng = createRng(opts.seed ?? 7);
  const days = opts.days ?? 120;
  const endMs = Date.parse(opts.end ?? '2026-06-30T00:00:00Z');
  const startMs = endMs - days * 24 * H;
  const agents: RiskAgent[] = [];
  for (let i = 0; i < 80; i++) {
    const level = LEVELS[rng.weighted(LEVEL_W)];
    const years = level === 'junior' ? rng.next() * 1 : level === 'mid' ? 1 + rng.next() * 3 : 3 + rng.next() * 6;
    agents.push({ agent_id: `A-${100 + i}`, level, hired_at: iso(startMs - years * 365 * 24 * H).slice(0, 10) });
  }
  const tickets: RiskTicket[] = [];
  const events: RiskEvent[] = [];
  const bayes = new Map<string, number>();
  // Creation times: sorted uniform over the period, thinned at night.
  const times: number[] = [];
  while (times.length < opts.tickets) {
    const t = startMs + rng.next() * (endMs - startMs - 6 * H);
    const hour = new Date(t).getUTCHours();
    if (rng.next() < (hour >= 7 && hour <= 20 ? 1 : 0.25)) times.push(t);
  }
  times.sort((a, b) => a - b);
  let eid = 0;
  const ev = (e: Omit<RiskEvent, 'event_id'>) => events.push({ event_id: `E-${++eid}`, ...e });
  for (let i = 0; i < times.length; i++) {
    const created = times[i];
    const id = `T-${10000 + i}`;
    const qi = rng.weighted(QUEUE_W);
    const ci = rng.weighted(CHANNEL_W);
    const pi = rng.weighted(PRIO_W);
    const ti = rng.weighted(TIER_W);
    const agent = agents[rng.int(agents.length)];
    const li = LEVELS.indexOf(agent.level as string);
    const anger = rng.normal();
    // Wording: angry sentences appear more as anger rises.
    const nAngry = anger > 1.2 ? 2 : anger > 0.4 ? 1 : 0;
    const sentences = [rng.pick(NEUTRAL)];
    for (let k = 0; k < nAngry; k++) sentences.push(rng.pick(ANGRY));
    if (rng.next() < 0.3) sentences.push(rng.pick(NEUTRAL));
    const body = sentences.join(' ');
    // First two hours.
    const frDelay = rng.lognormal(FR_MEAN_H[ci] * (1 + 0.3 * Math.max(0, -QUEUE_RISK[qi])), 1.0) * H;
    const transfers2h = rng.poisson(0.25 + 0.35 * (qi === 1 ? 1 : 0) + 0.3 * (li === 0 ? 1 : 0));
    const custReplies2h = rng.poisson(Math.max(0.05, 0.3 + 0.5 * anger));
    const responded2h = frDelay <= 2 * H;
    const z =
      -3.6 +
      1.4 * transfers2h +
      (responded2h ? 0 : 1.3) +
      0.7 * custReplies2h +
      1.3 * nAngry +
      [-.5, 0, 0.7, 1.4][pi] +
      [0, 0.4, 1.0][ti] +
      [0.6, 0.2, -0.3, -0.5][li] +
      QUEUE_RISK[qi];
    const p = sig(z);
    bayes.set(id, p);
    const escalated = rng.next() < p ? 1 : 0;
    ev({ ticket_id: id, at: iso(created), type: 'created', author_type: 'customer', agent_id: agent.agent_id });
    let qNow = QUEUES[qi];
    for (let k = 0; k < transfers2h; k++) {
      const to = QUEUES[(QUEUES.indexOf(qNow) + 1 + rng.int(QUEUES.length - 1)) % QUEUES.length];
      ev({ ticket_id: id, at: iso(created + rng.next() * 2 * H), type: 'transfer', author_type: 'system', from_queue: qNow, to_queue: to });
      qNow = to;
    }
    for (let k = 0; k < custReplies2h; k++) {
      ev({ ticket_id: id, at: iso(created + rng.next() * 2 * H), type: 'comment', author_type: 'customer', body: anger > 0.4 ? rng.pick(ANGRY_REPLY) : rng.pick(CALM_REPLY) });
    }
    ev({ ticket_id: id, at: iso(created + frDelay), type: 'comment', author_type: 'agent', agent_id: agent.agent_id, body: 'Thanks for reaching out, looking into it.' });
    // Outcome after the cut-off.
    const escAt = created + 2 * H + rng.exponential(6 * H);
    if (escalated) ev({ ticket_id: id, at: iso(escAt), type: 'escalated', author_type: 'agent', agent_id: agent.agent_id });
    const resHours = Math.max(frDelay / H + 0.1, rng.lognormal(DUE_H[pi] * 0.45 * (escalated ? 2.2 : 1) * Math.exp(0.15 * anger), 0.8));
    let resolved = created + resHours * H;
    if (escalated && resolved <= escAt) resolved = escAt + rng.exponential(3 * H);
    const open = resolved > endMs;
    if (!open) ev({ ticket_id: id, at: iso(resolved), type: 'resolved', author_type: 'agent', agent_id: agent.agent_id });
    if (rng.next() < 0.5 && created + 3 * H < Math.min(resolved, endMs)) {
      ev({ ticket_id: id, at: iso(created + 3 * H), type: 'comment', author_type: 'customer', body: rng.pick(anger > 0 ? ANGRY_REPLY : CALM_REPLY) });
    }
    const due = created + DUE_H[pi] * H;
    tickets.push({
      ticket_id: id,
      created_at: iso(created),
      first_response_at: created + frDelay <= endMs ? iso(created + frDelay) : null,
      resolved_at: open ? null : iso(resolved),
      status: open ? 'open' : 'solved',
      priority: PRIOS[pi],
      channel: CHANNELS[ci],
      queue: qNow,
      customer_id: `C-${rng.int(3000)}`,
      customer_tier: TIERS[ti],
      agent_id: agent.agent_id,
      agent_level: agent.level,
      agent_hired_at: agent.hired_at,
      subject: `${QUEUES[qi].replace('_', ' ')} request`,
      body,
      category: QUEUES[qi],
      escalated: open && !escalated ? null : escalated,
      sla_breached: open ? (endMs > due ? 1 : null) : resolved > due ? 1 : 0,
      due_at: iso(due),
    });
  }
  return { tickets, events, agents, bayes, endMs };
}
