/**
 * Risk features of one ticket **as of a cut-off time** (training: created_at + each training cut-off;
 * scoring: now).
 *
 * Leakage contract: a feature vector is a function of the ticket's fields known at creation (created_at,
 * priority, channel, customer tier, subject, body, category, due_at, its `attr_*` attributes), of
 * `first_response_at` only when it is ≤ cut-off, and of the events with `at` ≤ cut-off (queue, agent and
 * status held at the cut-off come from them). It never reads resolved_at, status, csat, reopen_count,
 * escalated or sla_breached, and adding any event after the cut-off leaves the vector unchanged
 * (tests/risk.features.test.ts plants future events to check this).
 *
 * The warehouse keeps only a ticket's *current* queue and agent. The agent at the cut-off is therefore read
 * from the events up to it (the last agent who commented, was assigned or transferred it), never from the
 * ticket's `agent_id`. For training on history, `rewindTicket()` restores the queue held at the cut-off
 * from the first later transfer's `from_queue`. Priority and attributes are taken as stored (the warehouse
 * does not log their changes): a stated limitation; an attribute written after the outcome (a resolution
 * code, a survey remark) must not be loaded as `attr_*`.
 *
 * Two kinds of column: numeric ones (counts, delays in hours, ordinal levels, numeric attributes; missing =
 * NaN, which the trees send left) and categorical ones (channel, queue, category, current status, agent,
 * text attributes). A categorical column holds the **target statistic** of its level (CatBoost's ordered
 * target statistics, Prokhorenkova et al. 2018): (positives + a·prior) / (tickets + a) over the training
 * tickets with that level. In training each ticket sees only the tickets created before it (pipeline.ts),
 * so its own label never leaks into its value; at scoring the statistics of all training tickets are used.
 * No level is folded into "other": every level seen in training keeps its own statistic; an unseen one
 * gets the prior.
 *
 * The customer's words (subject, body, customer comments up to the cut-off) feed hashed token counts,
 * AFINN sentiment, escalation-phrase counts and `text_evidence`, a naive-Bayes score of the distinct words
 * from the training tickets' labels, ordered like the target statistics (textEvidence()).
 */
import type { RiskAgent, RiskEvent, RiskTicket } from './types.js';
import { PHRASE_GROUP_NAMES, contentTokens, textSignals, tokenize } from './text.js';

export const PRIORITY_LEVELS = ['low', 'normal', 'high', 'urgent'] as const;
export const TIER_LEVELS = ['standard', 'premium', 'enterprise'] as const;
export const AGENT_LEVELS = ['junior', 'mid', 'senior', 'lead'] as const;

/** Statuses that mean "waiting on the customer" unless the schema says otherwise. */
export const DEFAULT_WAITING_STATUSES = ['pending', 'waiting', 'waiting_on_customer', 'on_hold', 'on-hold', 'awaiting_customer'];

/** The fixed numeric features, in vector order (numeric attributes and token buckets follow). */
export const BASE_FEATURES = [
  'age_hours',
  'priority',
  'customer_tier',
  'agent_level',
  'agent_tenure_days',
  'transfers',
  'reassignments',
  'distinct_queues',
  'distinct_agents',
  'status_changes',
  'hours_in_status',
  'waiting_on_customer',
  'hours_waiting_on_customer',
  'responded',
  'first_response_wait_hours',
  'messages',
  'customer_replies',
  'agent_replies',
  'mean_reply_gap_hours',
  'hours_since_customer_message',
  'hours_to_due',
  'created_hour',
  'created_weekday',
  'sentiment',
  ...PHRASE_GROUP_NAMES.map((g) => `phrases_${g}`),
  'escalation_phrases',
  'reopens',
  'escalations',
  'text_words',
] as const;

/** The built-in categorical columns; text attributes follow as `attr_<name>`. */
export const BASE_CATEGORICALS = ['channel', 'queue', 'category', 'status', 'agent'] as const;

/** Per-level training counts of one categorical column. */
export interface CategoricalStats {
  name: string;
  /** level → [tickets, positives] among the training tickets. */
  levels: Record<string, [number, number]>;
}

/** What a trained model needs to rebuild the same vector. JSON-able. */
export interface FeatureSchema {
  version: 2;
  /** Hashed token buckets (0 disables). */
  hashBuckets: number;
  /** IANA zone for created_hour / created_weekday; null = UTC. */
  timeZone: string | null;
  /** Status values (lower-cased) that count as waiting on the customer. */
  waitingStatuses: string[];
  /** Attributes read as numbers (every training value parsed), without the attr_ prefix. */
  numericAttributes: string[];
  /** Categorical columns in vector order (built-in, then text attributes as attr_<name>). */
  categoricals: CategoricalStats[];
  /** Label rate of the training tickets: the statistic of an unseen level. */
  prior: number;
  /** Pseudo-count a of the prior in the target statistic. */
  priorWeight: number;
  /**
   * The `text_evidence` column, when present: per content token of the customer's text, [tickets, positives]
   * among the training tickets that used it (weighted like the level counts). See textEvidence().
   */
  textEvidence?: { tokens: Record<string, [number, number]> } | null;
}

export interface FeatureSchemaOptions {
  hashBuckets?: number;
  timeZone?: string | null;
  waitingStatuses?: readonly string[];
  priorWeight?: number;
  /** Categorical columns to leave out (built-in names or attr_<name>). */
  excludeCategoricals?: readonly string[];
  /** Add the text_evidence column (default true). */
  textEvidence?: boolean;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The attributes of tickets, split into numeric (every non-empty value is a decimal number) and text ones. O(n·attributes). */
export function attributeKinds(tickets: readonly RiskTicket[]): { numeric: string[]; text: string[] } {
  const kind = new Map<string, boolean>();
  for (const t of tickets) {
    if (!t.attributes) continue;
    for (const [k, v] of Object.entries(t.attributes)) {
      if (v === null || v === undefined || v === '') {
        if (!kind.has(k)) kind.set(k, true);
        continue;
      }
      const isNum = typeof v === 'number' ? Number.isFinite(v) : NUMERIC.test(v.trim());
      kind.set(k, (kind.get(k) ?? true) && isNum);
    }
  }
  const names = [...kind.keys()].sort();
  return { numeric: names.filter((k) => kind.get(k)), text: names.filter((k) => !kind.get(k)) };
}

/**
 * The schema of training tickets with empty level statistics: attribute kinds and the categorical columns.
 * Fill the statistics with addLevelCounts() over the training rows. O(n · attributes).
 */
export function fitFeatureSchema(tickets: readonly RiskTicket[], opts: FeatureSchemaOptions = {}): FeatureSchema {
  const kinds = attributeKinds(tickets);
  return {
    version: 2,
    hashBuckets: opts.hashBuckets ?? 256,
    timeZone: opts.timeZone ?? null,
    waitingStatuses: [...(opts.waitingStatuses ?? DEFAULT_WAITING_STATUSES)].map((s) => s.toLowerCase()),
    numericAttributes: kinds.numeric,
    categoricals: categoricalNames(kinds.text)
      .filter((name) => !(opts.excludeCategoricals ?? []).includes(name))
      .map((name) => ({ name, levels: {} })),
    prior: 0.5,
    priorWeight: opts.priorWeight ?? 10,
    textEvidence: opts.textEvidence === false ? null : { tokens: {} },
  };
}

/**
 * Adds one training row (its levels, label y ∈ {0, 1}, weight w) to the schema's level counts; counts are
 * weighted so a ticket with several rows counts once in all. The prior is not touched (set it once).
 */
export function addLevelCounts(schema: FeatureSchema, levels: readonly string[], y: number, w = 1): void {
  schema.categoricals.forEach((c, k) => {
    const cell = (c.levels[levels[k]] ??= [0, 0]);
    cell[0] += w;
    cell[1] += w * y;
  });
}

/** Target statistics of `levels` under the schema's current counts, into x[off…]. */
export function encodeLevels(schema: FeatureSchema, levels: readonly string[], x: Float64Array, off: number): void {
  schema.categoricals.forEach((c, k) => {
    x[off + k] = targetStatistic(c.levels[levels[k]], schema.prior, schema.priorWeight);
  });
}

/** Names of the categorical columns for the given text attributes. */
export function categoricalNames(textAttributes: readonly string[]): string[] {
  return [...BASE_CATEGORICALS, ...textAttributes.map((a) => `attr_${a}`)];
}

/** Column names of the vector, in order: base numeric, numeric attributes, token buckets, categoricals. */
export function featureNames(schema: FeatureSchema): string[] {
  const names: string[] = [...BASE_FEATURES, ...schema.numericAttributes.map((a) => `attr_${a}`)];
  for (let i = 0; i < schema.hashBuckets; i++) names.push(`tok_${String(i).padStart(2, '0')}`);
  if (schema.textEvidence) names.push('text_evidence');
  for (const c of schema.categoricals) names.push(c.name);
  return names;
}

/** Length of a schema's vector. */
export function featureCount(schema: FeatureSchema): number {
  return BASE_FEATURES.length + schema.numericAttributes.length + schema.hashBuckets + (schema.textEvidence ? 1 : 0) + schema.categoricals.length;
}

/** Index of the first categorical column. */
export function categoricalOffset(schema: FeatureSchema): number {
  return featureCount(schema) - schema.categoricals.length;
}

/** Target statistic of a level from counts: (positives + a·prior) / (tickets + a). */
export function targetStatistic(count: [number, number] | undefined, prior: number, a: number): number {
  const [n, p] = count ?? [0, 0];
  return (p + a * prior) / (n + a);
}

export interface FeatureContext {
  /** Agents by id, to describe the agent the events show at the cut-off. */
  agents?: ReadonlyMap<string, RiskAgent>;
}

/** A ticket's features before categorical encoding: the numeric part of the vector and the levels. */
export interface RawFeatures {
  /** Numeric columns (featureCount − categoricals), in featureNames order. */
  numeric: Float64Array;
  /** Level of each categorical column (schema.categoricals order); '' = missing. */
  levels: string[];
  /** Distinct content tokens of the customer's text as of the cut-off (for text_evidence). */
  words: string[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Epoch ms of an ISO timestamp (Date.parse); null/empty → NaN. */
export function isoMs(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : NaN;
}

const ordinal = (levels: readonly string[], v: string | null | undefined): number => {
  const i = v == null ? -1 : levels.indexOf(v);
  return i < 0 ? NaN : i;
};

const hourFormatters = new Map<string, Intl.DateTimeFormat>();
/** Local hour (0–23) and weekday (0 = Sunday) of an instant. */
function localHourWeekday(t: number, timeZone: string | null): [number, number] {
  if (!Number.isFinite(t)) return [NaN, NaN];
  if (!timeZone || timeZone === 'UTC') {
    const d = new Date(t);
    return [d.getUTCHours(), d.getUTCDay()];
  }
  let f = hourFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', weekday: 'short', hourCycle: 'h23' });
    hourFormatters.set(timeZone, f);
  }
  let hour = NaN;
  let wd = NaN;
  for (const p of f.formatToParts(t)) {
    if (p.type === 'hour') hour = Number(p.value) % 24;
    else if (p.type === 'weekday') wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.value);
  }
  return [hour, wd];
}

/** This ticket's events at or before the cut-off, in time order (ties by event_id). */
export function eventsAsOf(ticketId: string, events: readonly RiskEvent[], cutoffMs: number): { e: RiskEvent; t: number }[] {
  const out: { e: RiskEvent; t: number }[] = [];
  for (const e of events) {
    if (e.ticket_id !== ticketId) continue;
    const t = isoMs(e.at);
    if (t <= cutoffMs) out.push({ e, t });
  }
  return out.sort((a, b) => a.t - b.t || (a.e.event_id < b.e.event_id ? -1 : a.e.event_id > b.e.event_id ? 1 : 0));
}

/**
 * Features of `ticket` as of `cutoffMs` before categorical encoding. `events` may hold any events (other
 * tickets' and later ones are ignored). O(E log E + text length). Units: hours unless the name says days.
 */
export function rawFeatures(schema: FeatureSchema, ticket: RiskTicket, events: readonly RiskEvent[], cutoffMs: number, ctx: FeatureContext = {}): RawFeatures {
  const created = isoMs(ticket.created_at);
  const evs = eventsAsOf(ticket.ticket_id, events, cutoffMs);
  const waiting = new Set(schema.waitingStatuses);

  let transfers = 0;
  let reassignments = 0;
  let messages = 0;
  let customerReplies = 0;
  let agentReplies = 0;
  let reopens = 0;
  let escalations = 0;
  let statusChanges = 0;
  let firstAgentReply = NaN;
  let lastCustomer = created;
  let lastMsg = created;
  let queue = ticket.queue;
  let agentId: string | null = null;
  let status: string | null = null;
  let statusSince = created;
  let waitingMs = 0;
  const queues = new Set<string>([ticket.queue]);
  const agentsSeen = new Set<string>();
  const texts: string[] = [ticket.subject ?? '', ticket.body ?? ''];
  const setAgent = (id: string | null | undefined) => {
    if (!id) return;
    agentId = id;
    agentsSeen.add(id);
  };
  for (const { e, t } of evs) {
    if (e.type === 'transfer') {
      transfers++;
      if (e.to_queue) {
        queue = e.to_queue;
        queues.add(e.to_queue);
      }
      setAgent(e.agent_id);
    } else if (e.type === 'reassign') {
      reassignments++;
      setAgent(e.agent_id);
    } else if (e.type === 'comment') {
      messages++;
      if (t > lastMsg) lastMsg = t;
      if (e.author_type === 'customer') {
        customerReplies++;
        lastCustomer = t;
        if (e.body) texts.push(e.body);
      } else if (e.author_type === 'agent') {
        agentReplies++;
        if (!(firstAgentReply <= t)) firstAgentReply = t;
        setAgent(e.agent_id);
      }
    } else if (e.type === 'status' && e.status) {
      const s = e.status.toLowerCase();
      if (s !== status) {
        if (status !== null && waiting.has(status)) waitingMs += t - statusSince;
        if (status !== null) statusChanges++;
        status = s;
        statusSince = t;
      }
    } else if (e.type === 'reopened') reopens++;
    else if (e.type === 'escalated') escalations++;
    else if (e.type === 'created') setAgent(e.agent_id);
  }
  const isWaiting = status !== null && waiting.has(status);
  if (isWaiting) waitingMs += cutoffMs - statusSince;

  // First response: the stored timestamp counts only if it was already known at the cut-off.
  const frStored = isoMs(ticket.first_response_at);
  let firstResponse = frStored <= cutoffMs ? frStored : NaN;
  if (firstAgentReply < firstResponse || Number.isNaN(firstResponse)) firstResponse = firstAgentReply;
  const age = (cutoffMs - created) / HOUR;
  const responded = Number.isFinite(firstResponse);

  // The agent at the cut-off as the events show it; the ticket's joined level/hired_at serve only as a
  // lookup for that id (never the ticket's current agent, who may have taken over later).
  let level: string | null | undefined = null;
  let hired: string | null | undefined = null;
  if (agentId !== null) {
    const a = ctx.agents?.get(agentId);
    if (a) [level, hired] = [a.level, a.hired_at];
    else if (agentId === ticket.agent_id) [level, hired] = [ticket.agent_level, ticket.agent_hired_at];
  }
  const [hour, weekday] = localHourWeekday(created, schema.timeZone);

  const numeric = new Float64Array(categoricalOffset(schema));
  const tokens = tokenize(texts.join('\n'));
  const text = textSignals(tokens, schema.hashBuckets, numeric, BASE_FEATURES.length + schema.numericAttributes.length);
  const phrases = text.hits.reduce((s, h) => s + h, 0);
  const base: number[] = [
    age,
    ordinal(PRIORITY_LEVELS, ticket.priority),
    ordinal(TIER_LEVELS, ticket.customer_tier),
    ordinal(AGENT_LEVELS, level),
    (cutoffMs - isoMs(hired)) / DAY,
    transfers,
    reassignments,
    queues.size,
    agentsSeen.size,
    statusChanges,
    status === null ? age : (cutoffMs - statusSince) / HOUR,
    isWaiting ? 1 : 0,
    waitingMs / HOUR,
    responded ? 1 : 0,
    responded ? (firstResponse - created) / HOUR : age,
    messages,
    customerReplies,
    agentReplies,
    // Mean gap between consecutive messages (the creation counts as the first): the gaps telescope.
    messages >= 1 ? (lastMsg - created) / messages / HOUR : NaN,
    (cutoffMs - lastCustomer) / HOUR,
    (isoMs(ticket.due_at) - cutoffMs) / HOUR,
    hour,
    weekday,
    text.tokens > 0 ? text.afinnSum / text.tokens : 0,
    ...text.hits,
    // The total as its own column: trees pick up an additive count in one split instead of five.
    phrases,
    reopens,
    escalations,
    text.tokens,
  ];
  numeric.set(base, 0);
  schema.numericAttributes.forEach((a, k) => {
    const v = ticket.attributes?.[a];
    numeric[BASE_FEATURES.length + k] = v === null || v === undefined || v === '' ? NaN : Number(v);
  });

  const levels = schema.categoricals.map((c) => {
    switch (c.name) {
      case 'channel':
        return ticket.channel ?? '';
      case 'queue':
        return queue ?? '';
      case 'category':
        return ticket.category ?? '';
      case 'status':
        return status ?? '';
      case 'agent':
        return agentId ?? '';
      default: {
        const v = ticket.attributes?.[c.name.slice('attr_'.length)];
        return v === null || v === undefined ? '' : String(v);
      }
    }
  });
  return { numeric, levels, words: schema.textEvidence ? contentTokens(tokens) : [] };
}

/** The full vector from raw features with the schema's (all-training) target statistics. */
export function encode(schema: FeatureSchema, raw: RawFeatures, out?: Float64Array): Float64Array {
  const x = out ?? new Float64Array(featureCount(schema));
  x.set(raw.numeric, 0);
  if (schema.textEvidence) x[raw.numeric.length - 1] = textEvidence(schema, raw.words);
  encodeLevels(schema, raw.levels, x, raw.numeric.length);
  return x;
}

/** Pseudo-count of the prior in a token's rate (text_evidence). */
export const TEXT_PRIOR_WEIGHT = 10;

/**
 * The `text_evidence` of a text: Σ over its distinct content tokens of how far the label's log-odds among
 * the training tickets using the token lie from the prior's, log((p + aπ)/(n − p + a(1 − π))) − log(π/(1 − π))
 * with a = TEXT_PRIOR_WEIGHT — a naive-Bayes text score (as CatBoost's text features estimate one). Words
 * never seen in training add 0. Like the categorical statistics it is ordered in training: a training ticket's
 * value comes from earlier tickets only (pipeline.ts), so its own label never reaches it. O(tokens).
 */
export function textEvidence(schema: FeatureSchema, words: readonly string[]): number {
  const counts = schema.textEvidence?.tokens;
  if (!counts) return 0;
  const pi = Math.min(1 - 1e-6, Math.max(1e-6, schema.prior));
  const a = TEXT_PRIOR_WEIGHT;
  const base = Math.log(pi / (1 - pi));
  let s = 0;
  for (const w of words) {
    const c = Object.hasOwn(counts, w) ? counts[w] : undefined;
    if (c) s += Math.log((c[1] + a * pi) / (c[0] - c[1] + a * (1 - pi))) - base;
  }
  return s;
}

/** Adds one training row's words (label y, weight w) to the text_evidence counts. */
export function addTextCounts(schema: FeatureSchema, words: readonly string[], y: number, w = 1): void {
  const counts = schema.textEvidence?.tokens;
  if (!counts) return;
  for (const t of words) {
    const cell = Object.hasOwn(counts, t) ? counts[t] : (counts[t] = [0, 0]);
    cell[0] += w;
    cell[1] += w * y;
  }
}

/** Drops words seen in fewer than `minTickets` (weighted) training tickets: they carry noise, not evidence, and size. */
export function pruneTextCounts(schema: FeatureSchema, minTickets: number): void {
  const counts = schema.textEvidence?.tokens;
  if (!counts) return;
  for (const k of Object.keys(counts)) if (counts[k][0] < minTickets - 1e-9) delete counts[k];
}

/** The feature vector of `ticket` as of `cutoffMs`: rawFeatures then encode. */
export function featurize(schema: FeatureSchema, ticket: RiskTicket, events: readonly RiskEvent[], cutoffMs: number, ctx: FeatureContext = {}): Float64Array {
  return encode(schema, rawFeatures(schema, ticket, events, cutoffMs, ctx));
}

/** The customer's words known at the cut-off: subject, body and customer comments up to it (for reasons). */
export function customerTextAsOf(ticket: RiskTicket, events: readonly RiskEvent[], cutoffMs: number): string {
  const parts = [ticket.subject ?? '', ticket.body ?? ''];
  for (const { e } of eventsAsOf(ticket.ticket_id, events, cutoffMs)) if (e.type === 'comment' && e.author_type === 'customer' && e.body) parts.push(e.body);
  return parts.join('\n');
}

/**
 * The ticket as it stood at the cut-off, for training on history: the queue is restored from the first
 * transfer after the cut-off (its `from_queue`). Outcome fields are left as they are (features never read
 * them). O(E).
 */
export function rewindTicket(ticket: RiskTicket, events: readonly RiskEvent[], cutoffMs: number): RiskTicket {
  let first: { t: number; e: RiskEvent } | null = null;
  for (const e of events) {
    if (e.ticket_id !== ticket.ticket_id || e.type !== 'transfer' || !e.from_queue) continue;
    const t = isoMs(e.at);
    if (t > cutoffMs && (!first || t < first.t)) first = { t, e };
  }
  if (!first || first.e.from_queue === ticket.queue) return ticket;
  return { ...ticket, queue: first.e.from_queue as string };
}
