import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CsvWriter } from './csv.js';
import { queueDayIntervals, sampleDates, type IntervalRow } from './intervals.js';
import { makeAgents, makeCustomers, type AgentRow, type CustomerRow } from './people.js';
import { episodesFor, queueProfiles, type Episode, type QueueProfile } from './queues.js';
import { addDays, isoUtc } from './seed.js';
import { LATENT_MODEL, streamTickets, type EventRow, type RiskTruthSummary, type TicketRow, type TicketTruth } from './tickets.js';
import { topicsFor } from './text.js';
import { localToUtc } from './tz.js';

/** Options of `radar sample`. Defaults: 90 days × 4 queues, 20,000 tickets, seed 42, ending 2026-11-20. */
export const SampleOptionsSchema = z.object({
  days: z.number().int().min(1).max(3660).default(90),
  queues: z.number().int().min(1).max(1000).default(4),
  tickets: z.number().int().min(0).max(50_000_000).default(20_000),
  seed: z.number().int().default(42),
  /** Last local date of the sample, YYYY-MM-DD. */
  end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'end must be YYYY-MM-DD').default('2026-11-20'),
});
export type SampleOptions = z.input<typeof SampleOptionsSchema>;
export type ResolvedSampleOptions = z.output<typeof SampleOptionsSchema>;

/** One `sla_policy` row. */
export interface SlaPolicyRow {
  queue: string;
  sl_target_pct: number;
  sl_target_seconds: number;
  interval_seconds: number;
  time_zone: string;
  display_name: string;
}

export interface LabelEpisode {
  id: string;
  queue: string;
  driver: Episode['driver'];
  onset: string;
  magnitude: number;
  kind: Episode['kind'];
  topic: string | null;
  description: string;
  /** End of the episode (ISO UTC) or null when it lasts to the end of the sample. */
  until: string | null;
  /** Hours to reach the full magnitude (ramps), 0 for steps. */
  rampHours: number;
}

/** labels.json: the stories (docs/data-formats.md) plus the latent risk model and its Bayes limit. */
export interface SampleLabels {
  seed: number;
  end: string;
  days: number;
  queues: number;
  tickets: number;
  /** Snapshot time: ticket events after it have not happened; open tickets are open as of it. */
  asOf: string;
  episodes: LabelEpisode[];
  riskModel: RiskModelCard;
}

export interface RiskModelCard {
  description: string;
  scoredAt: string;
  features: Record<string, string>;
  coefficients: typeof LATENT_MODEL;
  topicEffects: Record<string, { escalated: number; sla_breached: number }>;
  baseRates: { escalated: number; sla_breached: number };
  /** Figures of a scorer that knows the exact latent probabilities (the best any model can do on these labels). */
  bayes: RiskTruthSummary;
}

export interface SampleSinks {
  policy(row: SlaPolicyRow): void;
  interval(row: IntervalRow): void;
  agent(row: AgentRow): void;
  customer(row: CustomerRow): void;
  ticket(row: TicketRow, events: EventRow[], truth: TicketTruth): void;
}

/** The snapshot instant: local midnight after `end` in the latest time zone among the queues. */
export function snapshotMs(profiles: readonly QueueProfile[], end: string): number {
  return Math.max(...profiles.map((p) => localToUtc(p.timeZone, addDays(end, 1), 0)));
}

/**
 * Drives the whole generator into `sinks` in a fixed order (policy, agents, customers, intervals by date then
 * queue, tickets by creation). Intervals draw from per-(queue, date) streams, tickets from per-date streams, so
 * changing the ticket count never changes intervals and vice versa. Returns labels.json's content.
 */
export function runSample(options: SampleOptions, sinks: SampleSinks, only: { intervals?: boolean } = {}): SampleLabels {
  const o = SampleOptionsSchema.parse(options);
  const profiles = queueProfiles(o.queues, o.seed);
  const episodes = episodesFor(profiles, o.end, o.days);
  const dates = sampleDates(o.end, o.days);
  for (const p of profiles) {
    sinks.policy({
      queue: p.name, sl_target_pct: p.slPct, sl_target_seconds: p.slSeconds, interval_seconds: p.intervalSeconds,
      time_zone: p.timeZone, display_name: p.displayName,
    });
  }
  const agents = makeAgents(o.seed, profiles, o.end);
  for (const a of agents) sinks.agent(a);
  const customers = makeCustomers(o.seed, Math.max(50, Math.round(o.tickets * 0.3)), dates[0], sinks.customer);
  for (let d = 0; only.intervals !== false && d < dates.length; d++) {
    for (const p of profiles) for (const row of queueDayIntervals(o.seed, p, dates[d], dates.length - 1 - d, episodes)) sinks.interval(row);
  }
  const asOfMs = snapshotMs(profiles, o.end);
  const bayes = streamTickets(
    { seed: o.seed, end: o.end, days: o.days, profiles, episodes, tickets: o.tickets, customers, agents, asOfMs },
    sinks.ticket,
  );
  const topicEffects: RiskModelCard['topicEffects'] = {};
  for (const p of profiles) for (const t of topicsFor(p.name)) topicEffects[t.id] = { escalated: t.escalationEffect, sla_breached: t.breachEffect };
  return {
    seed: o.seed, end: o.end, days: o.days, queues: o.queues, tickets: o.tickets, asOf: isoUtc(asOfMs),
    episodes: episodes.map((e) => ({
      id: e.id, queue: e.queue, driver: e.driver, onset: e.onset, magnitude: e.magnitude, kind: e.kind, topic: e.topic,
      description: e.description, until: e.untilMs === null ? null : isoUtc(e.untilMs), rampHours: e.rampHours,
    })),
    riskModel: {
      description:
        'Labels are drawn from a latent logistic model over features knowable within 2 h of creation: for a ticket not ' +
        'resolved within 2 h, P(label) = E_u[σ(x + hiddenSd·u)], u ~ N(0,1) shared by both labels, x = intercept + ' +
        'transfers·b_t + firstResponseHours·b_fr[priority] + cue[number of negative phrases, 0–3] + tier + priority + channel + ' +
        'topicScale·topic effect; a ticket resolved within 2 h has both labels 0. Escalation events happen ' +
        'only after 2 h. `bayes` gives the ranking figures of a scorer that knows these exact probabilities, on all ' +
        'tickets, on those still open at 2 h (the scoring population) and on the labels visible in tickets.csv.',
      scoredAt: 'created_at + 2h',
      features: {
        transfers: 'transfer events in the first 2 h',
        firstResponseHours: 'hours to the first agent comment, capped at 2 (2 = no reply within 2 h)',
        negativeCues: 'negative cue phrases ("unacceptable", "third time", "cancel my subscription", "lawyer", …) in the body and customer comments of the first 2 h',
        tier: 'customer tier', priority: 'ticket priority', channel: 'ticket channel', topic: 'ticket category',
        resolvedWithin2h: 'a resolved event within 2 h (then both labels are 0)',
      },
      coefficients: LATENT_MODEL,
      topicEffects,
      baseRates: { escalated: bayes.escalated.all.baseRate, sla_breached: bayes.sla_breached.all.baseRate },
      bayes,
    },
  };
}

export const INTERVAL_COLUMNS = [
  'interval_start', 'queue', 'offered', 'handled', 'abandoned', 'answered_within_target', 'aht_seconds', 'acw_seconds',
  'agents_staffed', 'sl_target_pct', 'sl_target_seconds', 'forecast_offered', 'forecast_aht_seconds',
] as const satisfies readonly (keyof IntervalRow)[];
export const POLICY_COLUMNS = [
  'queue', 'sl_target_pct', 'sl_target_seconds', 'interval_seconds', 'time_zone', 'display_name',
] as const satisfies readonly (keyof SlaPolicyRow)[];
export const AGENT_COLUMNS = ['agent_id', 'name', 'queue', 'team', 'hired_at', 'level'] as const satisfies readonly (keyof AgentRow)[];
export const CUSTOMER_COLUMNS = ['customer_id', 'name', 'tier', 'region', 'created_at'] as const satisfies readonly (keyof CustomerRow)[];
export const TICKET_COLUMNS = [
  'ticket_id', 'created_at', 'first_response_at', 'resolved_at', 'status', 'priority', 'channel', 'queue', 'customer_id',
  'agent_id', 'subject', 'body', 'category', 'csat', 'reopen_count', 'escalated', 'sla_breached', 'due_at',
] as const satisfies readonly (keyof TicketRow)[];
export const EVENT_COLUMNS = [
  'event_id', 'ticket_id', 'at', 'type', 'author_type', 'agent_id', 'from_queue', 'to_queue', 'status', 'body',
] as const satisfies readonly (keyof EventRow)[];

/** The whole sample in memory (for tests and small sizes; use writeSample for bench sizes). */
export interface Sample {
  slaPolicy: SlaPolicyRow[];
  intervals: IntervalRow[];
  agents: AgentRow[];
  customers: CustomerRow[];
  tickets: TicketRow[];
  events: EventRow[];
  /** Per-ticket ground truth (not written to CSV): final labels, exact probabilities, early features. */
  truth: TicketTruth[];
  labels: SampleLabels;
}

export function generateSample(options: SampleOptions = {}): Sample {
  const s: Omit<Sample, 'labels'> = { slaPolicy: [], intervals: [], agents: [], customers: [], tickets: [], events: [], truth: [] };
  const labels = runSample(options, {
    policy: (r) => s.slaPolicy.push(r),
    interval: (r) => s.intervals.push(r),
    agent: (r) => s.agents.push(r),
    customer: (r) => s.customers.push(r),
    ticket: (t, ev, truth) => {
      s.tickets.push(t);
      for (const e of ev) s.events.push(e);
      s.truth.push(truth);
    },
  });
  return { ...s, labels };
}

/**
 * Tickets, events, agents, customers and per-ticket truth without the interval simulation — for the risk and
 * retrieval benches without CSV. Same streams as writeSample: equal to the tickets it writes for the same options.
 */
export function generateTickets(options: SampleOptions = {}): Omit<Sample, 'intervals' | 'slaPolicy'> {
  const s: Omit<Sample, 'labels' | 'intervals' | 'slaPolicy'> = { agents: [], customers: [], tickets: [], events: [], truth: [] };
  const labels = runSample(options, {
    policy: () => {},
    interval: () => {},
    agent: (r) => s.agents.push(r),
    customer: (r) => s.customers.push(r),
    ticket: (t, ev, truth) => {
      s.tickets.push(t);
      for (const e of ev) s.events.push(e);
      s.truth.push(truth);
    },
  }, { intervals: false });
  return { ...s, labels };
}

export interface WriteSampleResult {
  dir: string;
  files: { file: string; rows: number; bytes: number }[];
  labels: SampleLabels;
}

/**
 * Writes sla_policy.csv, intervals.csv, agents.csv, customers.csv, tickets.csv, ticket_events.csv and labels.json
 * into `dir` (created if missing), streaming every table: memory stays bounded by one day of tickets plus
 * O(tickets) bytes for the Bayes summary, whatever the size. Same options → byte-identical files.
 */
export async function writeSample(dir: string, options: SampleOptions = {}): Promise<WriteSampleResult> {
  mkdirSync(dir, { recursive: true });
  const policy = new CsvWriter<SlaPolicyRow>(join(dir, 'sla_policy.csv'), POLICY_COLUMNS);
  const intervals = new CsvWriter<IntervalRow>(join(dir, 'intervals.csv'), INTERVAL_COLUMNS);
  const agents = new CsvWriter<AgentRow>(join(dir, 'agents.csv'), AGENT_COLUMNS);
  const customers = new CsvWriter<CustomerRow>(join(dir, 'customers.csv'), CUSTOMER_COLUMNS);
  const tickets = new CsvWriter<TicketRow>(join(dir, 'tickets.csv'), TICKET_COLUMNS);
  const events = new CsvWriter<EventRow>(join(dir, 'ticket_events.csv'), EVENT_COLUMNS);
  let labels: SampleLabels;
  try {
    labels = runSample(options, {
      policy: (r) => policy.write(r),
      interval: (r) => intervals.write(r),
      agent: (r) => agents.write(r),
      customer: (r) => customers.write(r),
      ticket: (t, ev) => {
        tickets.write(t);
        for (const e of ev) events.write(e);
      },
    });
  } finally {
    for (const w of [policy, intervals, agents, customers, tickets, events]) w.close();
  }
  const json = JSON.stringify(labels, null, 2) + '\n';
  writeFileSync(join(dir, 'labels.json'), json);
  const files = [
    ['sla_policy.csv', policy], ['intervals.csv', intervals], ['agents.csv', agents], ['customers.csv', customers],
    ['tickets.csv', tickets], ['ticket_events.csv', events],
  ].map(([file, w]) => ({ file: file as string, rows: (w as CsvWriter<object>).rows, bytes: (w as CsvWriter<object>).bytes }));
  files.push({ file: 'labels.json', rows: labels.episodes.length, bytes: Buffer.byteLength(json) });
  return { dir, files, labels };
}
