/**
 * Risk features of one ticket **as of a cut-off time** (training: created_at + horizon; scoring: now).
 *
 * Leakage contract: a feature vector is a function of the ticket's fields known at creation (created_at,
 * priority, channel, customer tier, subject, body, category, due_at), of `first_response_at` only when it
 * is ≤ cut-off, of the queue/agent held at the cut-off, and of the events with `at` ≤ cut-off. It never reads
 * resolved_at, status, csat, reopen_count, escalated or sla_breached, and adding any event after the cut-off
 * leaves the vector unchanged (tests/risk.features.test.ts checks this property).
 *
 * The warehouse keeps only a ticket's *current* queue and agent. The agent at the cut-off is therefore read
 * from the events up to it (the last agent who commented, was assigned or transferred it), never from the
 * ticket's `agent_id`: a later owner (e.g. a lead after an escalation) would leak the outcome, and so would
 * "agent unknown" if it were set only when the owner changed later. For training on history,
 * `rewindTicket()` restores the queue held at the cut-off from the first later transfer's `from_queue`.
 * Priority is taken as stored (the warehouse does not log priority changes): a stated limitation.
 *
 * Missing values are NaN; the trees send NaN to the left ("below every threshold") consistently in
 * training and prediction.
 */
import type { RiskAgent, RiskEvent, RiskTicket } from './types.js';
import { addTextHead, headFolds, loadTexts, textHead, textSignalsLoaded, PHRASE_GROUP_NAMES } from './text.js';

export const PRIORITY_LEVELS = ['low', 'normal', 'high', 'urgent'] as const;
export const TIER_LEVELS = ['standard', 'premium', 'enterprise'] as const;
export const AGENT_LEVELS = ['junior', 'mid', 'senior', 'lead'] as const;
export const CHANNELS = ['email', 'chat', 'phone', 'web', 'social'] as const;

/** The fixed numeric features, in vector order (one-hot blocks and token buckets follow). */
export const BASE_FEATURES = [
  'age_hours',
  'priority',
  'customer_tier',
  'agent_level',
  'agent_tenure_days',
  'transfers',
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

/** What a trained model needs to rebuild the same vector: vocabularies and text options. JSON-able. */
export interface FeatureSchema {
  version: 1;
  /** Hashed token buckets (0 disables). */
  hashBuckets: number;
  /** IANA zone for created_hour / created_weekday; null = UTC. */
  timeZone: string | null;
  /** One-hot vocabularies learned from training data; anything else maps to the `…=other` column. */
  channels: string[];
  queues: string[];
  categories: string[];
}

export interface FeatureSchemaOptions {
  hashBuckets?: number;
  timeZone?: string | null;
  /** Keep at most this many queues / categories (the most frequent; ties by name). */
  maxCategories?: number;
}

/** Learns the one-hot vocabularies from training tickets. O(n log n). */
export function fitFeatureSchema(tickets: readonly RiskTicket[], opts: FeatureSchemaOptions = {}): FeatureSchema {
  const top = (values: (string | null | undefined)[]): string[] => {
    const counts = new Map<string, number>();
    for (const v of values) if (v != null && v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxCategories ?? 30)
      .map(([k]) => k)
      .sort();
  };
  return {
    version: 1,
    hashBuckets: opts.hashBuckets ?? 32,
    timeZone: opts.timeZone ?? null,
    channels: [...CHANNELS],
    queues: top(tickets.map((t) => t.queue)),
    categories: top(tickets.map((t) => t.category)),
  };
}

/** Column names of the vector, in order. */
export function featureNames(schema: FeatureSchema): string[] {
  const names: string[] = [...BASE_FEATURES];
  for (const c of schema.channels) names.push(`channel=${c}`);
  names.push('channel=other');
  for (const q of schema.queues) names.push(`queue=${q}`);
  names.push('queue=other');
  for (const c of schema.categories) names.push(`category=${c}`);
  names.push('category=other');
  for (let i = 0; i < schema.hashBuckets; i++) names.push(`tok_${String(i).padStart(2, '0')}`);
  return names;
}

export interface FeatureContext {
  /** Agents by id, to describe an agent seen in the events who is not the ticket's current agent. */
  agents?: ReadonlyMap<string, RiskAgent>;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Days since 1970-01-01 of a civil date (H. Hinnant's algorithm; proleptic Gregorian). */
function civilDays(year: number, mo: number, da: number): number {
  const y = year - (mo <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + da - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}
// Table lookups instead of divisions for the years data comes from.
const YEAR_MIN = 1900;
const YEAR_MAX = 2200;
const YEAR_START = Int32Array.from({ length: YEAR_MAX - YEAR_MIN + 1 }, (_, k) => civilDays(YEAR_MIN + k, 1, 1));
const LEAP = Uint8Array.from({ length: YEAR_MAX - YEAR_MIN + 1 }, (_, k) => {
  const y = YEAR_MIN + k;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 1 : 0;
});
const MONTH_START = [
  [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334],
  [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335],
];

/**
 * Epoch ms of an ISO timestamp; the warehouse's 'YYYY-MM-DDTHH:MM:SSZ' is parsed by hand (scoring parses
 * every event), anything else by Date.parse. Null/empty → NaN.
 */
export function isoMs(iso: string | null | undefined): number {
  if (!iso) return NaN;
  if (iso.length === 20 && iso.charCodeAt(10) === 84 && iso.charCodeAt(19) === 90) {
    // No closures here: this runs for every event of every scored ticket.
    const y0 = iso.charCodeAt(0) - 48;
    const y1 = iso.charCodeAt(1) - 48;
    const y2 = iso.charCodeAt(2) - 48;
    const y3 = iso.charCodeAt(3) - 48;
    const m0 = iso.charCodeAt(5) - 48;
    const m1 = iso.charCodeAt(6) - 48;
    const d0 = iso.charCodeAt(8) - 48;
    const d1 = iso.charCodeAt(9) - 48;
    const h0 = iso.charCodeAt(11) - 48;
    const h1 = iso.charCodeAt(12) - 48;
    const i0 = iso.charCodeAt(14) - 48;
    const i1 = iso.charCodeAt(15) - 48;
    const s0 = iso.charCodeAt(17) - 48;
    const s1 = iso.charCodeAt(18) - 48;
    if (
      (y0 >>> 0) < 10 && (y1 >>> 0) < 10 && (y2 >>> 0) < 10 && (y3 >>> 0) < 10 && (m0 >>> 0) < 10 && (m1 >>> 0) < 10 &&
      (d0 >>> 0) < 10 && (d1 >>> 0) < 10 && (h0 >>> 0) < 10 && (h1 >>> 0) < 10 && (i0 >>> 0) < 10 && (i1 >>> 0) < 10 &&
      (s0 >>> 0) < 10 && (s1 >>> 0) < 10
    ) {
      const mo = m0 * 10 + m1;
      const da = d0 * 10 + d1;
      const h = h0 * 10 + h1;
      const mi = i0 * 10 + i1;
      const se = s0 * 10 + s1;
      if (mo >= 1 && mo <= 12 && da >= 1 && da <= 31 && h < 24 && mi < 60 && se < 60) {
        const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
        const days = y >= YEAR_MIN && y <= YEAR_MAX ? YEAR_START[y - YEAR_MIN] + MONTH_START[LEAP[y - YEAR_MIN]][mo - 1] + da - 1 : civilDays(y, mo, da);
        return ((days * 24 + h) * 60 + mi) * 60000 + se * 1000;
      }
    }
  }
  if (iso.length === 10 && iso.charCodeAt(4) === 45 && iso.charCodeAt(7) === 45) {
    // A date (agents' hired_at): midnight UTC, as Date.parse reads it; no string built per call.
    let digits = true;
    for (const k of DATE_DIGITS) if ((iso.charCodeAt(k) - 48) >>> 0 >= 10) digits = false;
    const y = (iso.charCodeAt(0) - 48) * 1000 + (iso.charCodeAt(1) - 48) * 100 + (iso.charCodeAt(2) - 48) * 10 + (iso.charCodeAt(3) - 48);
    const mo = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
    const da = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
    // Day 29–31 of a shorter month rolls over, as Date.parse does.
    if (digits && y >= YEAR_MIN && y <= YEAR_MAX && mo >= 1 && mo <= 12 && da >= 1 && da <= 31) {
      return (YEAR_START[y - YEAR_MIN] + MONTH_START[LEAP[y - YEAR_MIN]][mo - 1] + da - 1) * 86_400_000;
    }
  }
  return Date.parse(iso);
}
const ms = isoMs;
const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

const ordinal = (levels: readonly string[], v: string | null | undefined): number => {
  if (v == null) return NaN;
  const i = levels.indexOf(v);
  return i < 0 ? NaN : i;
};


// Scratch space for the events of the ticket being featurised (featurize is not re-entrant: it never
// calls itself, and JS runs one call at a time). Avoids an object per event on the scoring path.
let evIdx = new Int32Array(64);
let evTime = new Float64Array(64);
let evOrd = new Int32Array(64);
// The customer's texts (subject, body, customer comments) of the ticket being featurised.
const textScratch: (string | null | undefined)[] = [];
const hitScratch = new Float64Array(PHRASE_GROUP_NAMES.length);
const hitTotals = new Float64Array(PHRASE_GROUP_NAMES.length);

/**
 * This ticket's events at or before the cut-off into the scratch arrays, in time order (ties by
 * event_id, so input order is irrelevant). Returns how many; evOrd[0…n) indexes evIdx/evTime in order.
 */
function eventsAsOf(ticket: RiskTicket, events: readonly RiskEvent[], sel: Int32Array | null, from: number, to: number, filter: boolean, cutoffMs: number): number {
  let n = 0;
  let sorted = true;
  for (let k = from; k < to; k++) {
    const i = sel === null ? k : sel[k];
    const e = events[i];
    if (filter && e.ticket_id !== ticket.ticket_id) continue;
    const t = isoMs(e.at);
    if (!(t <= cutoffMs)) continue;
    if (n === evIdx.length) {
      const a = new Int32Array(n * 2);
      a.set(evIdx);
      evIdx = a;
      const b = new Float64Array(n * 2);
      b.set(evTime);
      evTime = b;
      evOrd = new Int32Array(n * 2);
    }
    if (n > 0 && (t < evTime[n - 1] || (t === evTime[n - 1] && e.event_id < events[evIdx[n - 1]].event_id))) sorted = false;
    evIdx[n] = i;
    evTime[n] = t;
    evOrd[n] = n;
    n++;
  }
  if (!sorted) {
    const ord = Array.from(evOrd.subarray(0, n));
    ord.sort((a, b) => {
      const ea = events[evIdx[a]].event_id;
      const eb = events[evIdx[b]].event_id;
      return evTime[a] - evTime[b] || (ea < eb ? -1 : ea > eb ? 1 : 0);
    });
    evOrd.set(ord);
  }
  return n;
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();
/** Local hour (0–23) and weekday (0 = Sunday) of an instant. */
function localHourWeekday(t: number, timeZone: string | null): [number, number] {
  if (!Number.isFinite(t)) return [NaN, NaN];
  if (!timeZone || timeZone === 'UTC') {
    const days = Math.floor(t / 86_400_000);
    // 1970-01-01 was a Thursday (4).
    return [Math.floor((t - days * 86_400_000) / 3_600_000), (((days + 4) % 7) + 7) % 7];
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

/**
 * The feature vector of `ticket` as of `cutoffMs` (epoch ms). `events` may hold any events (other tickets'
 * and later ones are ignored). O(E log E + text length). Units: hours unless the name says days.
 * `out` (of the right length) is reused instead of allocating. Scoring uses featurizeBatch().
 */
export function featurize(
  schema: FeatureSchema,
  ticket: RiskTicket,
  events: readonly RiskEvent[],
  cutoffMs: number,
  ctx: FeatureContext = {},
  out?: Float64Array,
): Float64Array {
  const len = featureCount(schema);
  let x: Float64Array;
  if (out && out.length === len) {
    x = out;
    x.fill(0);
  } else x = new Float64Array(len);
  textScratch.length = 0;
  const nText = eventColumns(schema, ticket, events, null, 0, events.length, true, cutoffMs, ctx, x, 0, textScratch, true);
  loadTexts(textScratch, 0, nText);
  textColumns(schema, x, 0, 0, nText, null, 0);
  return x;
}

/** Length of a schema's vector. */
export function featureCount(schema: FeatureSchema): number {
  return BASE_FEATURES.length + schema.channels.length + 1 + schema.queues.length + 1 + schema.categories.length + 1 + schema.hashBuckets;
}

const SENTIMENT_AT = BASE_FEATURES.indexOf('sentiment');
const ESCALATION_PHRASES_AT = BASE_FEATURES.indexOf('escalation_phrases');
const TEXT_WORDS_AT = BASE_FEATURES.indexOf('text_words');

/**
 * The text-derived columns of the vector at x[xo…] (sentiment, phrase groups and their total, word count,
 * hashed token buckets, which must be zero) from the customer's texts, texts [first, end) of the last
 * loadTexts(): subject, body, then the comments; or, with a stored head (head = text heads' data, at
 * headAt), the comments alone. The head (subject + body) and the comments are scanned as separate passes:
 * a phrase does not run from the ticket's text into a comment, so a stored head gives the same vector.
 */
function textColumns(schema: FeatureSchema, x: Float64Array, xo: number, first: number, end: number, head: Int32Array | null, headAt: number): void {
  const buckets = schema.hashBuckets;
  const bucketsAt = featureCount(schema) - buckets;
  hitTotals.fill(0);
  let tokens: number;
  let afinn: number;
  let comments = first;
  if (head !== null) {
    const h = addTextHead(head, headAt, buckets, x, xo + bucketsAt, hitTotals, 0);
    tokens = h.tokens;
    afinn = h.afinnSum;
  } else {
    const h = textSignalsLoaded(first, first + 2, buckets, x, xo + bucketsAt, hitScratch, 0);
    tokens = h.tokens;
    afinn = h.afinnSum;
    for (let g = 0; g < hitScratch.length; g++) hitTotals[g] += hitScratch[g];
    comments = first + 2;
  }
  if (comments < end) {
    const c = textSignalsLoaded(comments, end, buckets, x, xo + bucketsAt, hitScratch, 0);
    tokens += c.tokens;
    afinn += c.afinnSum;
    for (let g = 0; g < hitScratch.length; g++) hitTotals[g] += hitScratch[g];
  }
  x[xo + SENTIMENT_AT] = tokens > 0 ? afinn / tokens : 0;
  let phrases = 0;
  for (let g = 0; g < hitTotals.length; g++) {
    x[xo + SENTIMENT_AT + 1 + g] = hitTotals[g];
    phrases += hitTotals[g];
  }
  // The total as its own column: trees pick up an additive count in one split instead of five.
  x[xo + ESCALATION_PHRASES_AT] = phrases;
  x[xo + TEXT_WORDS_AT] = tokens;
}

/**
 * Every column but the text-derived ones, at x[xo…] (which must be zero), and the customer's texts known at
 * the cut-off (subject and body when `withHead`, then customer comments in time order) appended to `texts`;
 * returns how many.
 */
function eventColumns(
  schema: FeatureSchema,
  ticket: RiskTicket,
  events: readonly RiskEvent[],
  sel: Int32Array | null,
  from: number,
  to: number,
  filter: boolean,
  cutoffMs: number,
  ctx: FeatureContext,
  x: Float64Array,
  xo: number,
  texts: (string | null | undefined)[],
  withHead: boolean,
): number {
  const created = ms(ticket.created_at);
  const nEv = eventsAsOf(ticket, events, sel, from, to, filter, cutoffMs);

  let transfers = 0;
  let messages = 0;
  let customerReplies = 0;
  let agentReplies = 0;
  let reopens = 0;
  let escalations = 0;
  let firstAgentReply = NaN;
  let lastCustomer = created;
  let queue = ticket.queue;
  let agentId: string | null = null;
  let lastMsg = created;
  const textsBefore = texts.length;
  if (withHead) texts.push(ticket.subject, ticket.body);
  for (let k = 0; k < nEv; k++) {
    const o = evOrd[k];
    const e = events[evIdx[o]];
    const t = evTime[o];
    if (e.type === 'transfer' || e.type === 'reassign') {
      transfers++;
      if (e.type === 'transfer' && e.to_queue) queue = e.to_queue;
      if (e.agent_id) agentId = e.agent_id;
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
        if (e.agent_id) agentId = e.agent_id;
      }
    } else if (e.type === 'reopened') reopens++;
    else if (e.type === 'escalated') escalations++;
    else if (e.type === 'created' && e.agent_id) agentId = e.agent_id;
  }

  // First response: the stored timestamp counts only if it was already known at the cut-off.
  const frStored = ms(ticket.first_response_at);
  let firstResponse = frStored <= cutoffMs ? frStored : NaN;
  if (firstAgentReply < firstResponse || Number.isNaN(firstResponse)) firstResponse = firstAgentReply;
  const age = (cutoffMs - created) / HOUR;
  const responded = Number.isFinite(firstResponse);

  // The agent at the cut-off: the last one the events up to it show (never the ticket's current agent,
  // which may have taken over later). The ticket's joined level/hired_at serve only as a lookup for that id.
  let level: string | null | undefined = null;
  let hired: string | null | undefined = null;
  if (agentId !== null) {
    const a = ctx.agents?.get(agentId);
    if (a) {
      level = a.level;
      hired = a.hired_at;
    } else if (agentId === ticket.agent_id) {
      level = ticket.agent_level;
      hired = ticket.agent_hired_at;
    }
  }

  // Mean gap between consecutive messages (the creation counts as the first): the gaps telescope to
  // last − created. A comment stamped before the creation (bad data) counts as at the creation.
  const gapSum = lastMsg - created;

  let hour: number;
  let weekday: number;
  if (!Number.isFinite(created)) hour = weekday = NaN;
  else if (!schema.timeZone || schema.timeZone === 'UTC') {
    // Same arithmetic as localHourWeekday, without its tuple.
    const days = Math.floor(created / 86_400_000);
    hour = Math.floor((created - days * 86_400_000) / 3_600_000);
    weekday = (((days + 4) % 7) + 7) % 7;
  } else [hour, weekday] = localHourWeekday(created, schema.timeZone);

  let i = xo;
  x[i++] = age;
  x[i++] = ordinal(PRIORITY_LEVELS, ticket.priority);
  x[i++] = ordinal(TIER_LEVELS, ticket.customer_tier);
  x[i++] = ordinal(AGENT_LEVELS, level);
  x[i++] = (cutoffMs - ms(hired)) / DAY;
  x[i++] = transfers;
  x[i++] = responded ? 1 : 0;
  x[i++] = responded ? (firstResponse - created) / HOUR : age;
  x[i++] = messages;
  x[i++] = customerReplies;
  x[i++] = agentReplies;
  x[i++] = messages >= 1 ? gapSum / messages / HOUR : NaN;
  x[i++] = (cutoffMs - lastCustomer) / HOUR;
  x[i++] = (ms(ticket.due_at) - cutoffMs) / HOUR;
  x[i++] = hour;
  x[i++] = weekday;
  i += 1 + hitScratch.length + 1; // sentiment, phrase groups, their total: textColumns()
  x[i++] = reopens;
  x[i++] = escalations;
  i++; // text_words: textColumns()

  const ix = vocabIndex(schema);
  i = oneHot(x, i, ix.channels, schema.channels.length, ticket.channel);
  i = oneHot(x, i, ix.queues, schema.queues.length, queue);
  oneHot(x, i, ix.categories, schema.categories.length, ticket.category ?? null);
  return texts.length - textsBefore;
}

/**
 * Text heads stored by the warehouse (textHead), aligned with a ticket list: ticket q's is at data[at[q]], or
 * missing when at[q] < 0 (its subject and body are then scanned).
 */
export interface TextHeads {
  at: Int32Array;
  data: Int32Array;
}

/** Packs heads (null = missing) into one TextHeads, in order. */
export function packTextHeads(heads: readonly (Int32Array | null)[]): TextHeads {
  let size = 0;
  for (const h of heads) if (h) size += h.length;
  const at = new Int32Array(heads.length);
  const data = new Int32Array(size);
  let p = 0;
  heads.forEach((h, q) => {
    if (!h) {
      at[q] = -1;
      return;
    }
    at[q] = p;
    data.set(h, p);
    p += h.length;
  });
  return { at, data };
}

/** The text heads of tickets, computed (what the warehouse stores). O(text length). */
export function computeTextHeads(tickets: readonly RiskTicket[]): TextHeads {
  return packTextHeads(tickets.map((t) => textHead(t.subject, t.body)));
}

/**
 * The vectors of tickets[from, to) into rows 0, 1, … of X (row-major, featureCount(schema) columns), as
 * featurize() would build them from each ticket's event range (ticket q's events are
 * events[sel[k]] for k in [start[group[q]], start[group[q] + 1]); sel null = identity). The scoring
 * path: all event columns first, then all text columns, so each phase's tables stay in cache over the
 * batch (text scanning and event walking otherwise evict each other's at every ticket). With `heads`
 * (indexed like `tickets`), stored subject + body signals replace scanning them.
 */
export function featurizeBatch(
  schema: FeatureSchema,
  tickets: readonly RiskTicket[],
  from: number,
  to: number,
  events: readonly RiskEvent[],
  sel: Int32Array | null,
  start: Int32Array,
  group: Int32Array,
  cutoffMs: number,
  ctx: FeatureContext,
  X: Float64Array,
  heads: TextHeads | null = null,
): void {
  const d = featureCount(schema);
  X.fill(0, 0, (to - from) * d);
  batchTexts.length = 0;
  if (batchTextStart.length < to - from + 1) {
    batchTextStart = new Int32Array(2 * (to - from + 1));
    batchHeadAt = new Int32Array(batchTextStart.length);
  }
  const useHeads = heads !== null && headFolds(schema.hashBuckets);
  for (let q = from; q < to; q++) {
    const g = group[q];
    const headAt = useHeads ? heads.at[q] : -1;
    batchHeadAt[q - from] = headAt;
    batchTextStart[q - from] = batchTexts.length;
    eventColumns(schema, tickets[q], events, sel, start[g], start[g + 1], false, cutoffMs, ctx, X, (q - from) * d, batchTexts, headAt < 0);
  }
  batchTextStart[to - from] = batchTexts.length;
  loadTexts(batchTexts, 0, batchTexts.length);
  for (let r = 0; r < to - from; r++) {
    const headAt = batchHeadAt[r];
    textColumns(schema, X, r * d, batchTextStart[r], batchTextStart[r + 1], headAt >= 0 ? heads!.data : null, headAt);
  }
}
const batchTexts: (string | null | undefined)[] = [];
let batchTextStart = new Int32Array(65);
let batchHeadAt = new Int32Array(65);

interface VocabIndex {
  channels: Map<string, number>;
  queues: Map<string, number>;
  categories: Map<string, number>;
}
const vocabCache = new WeakMap<FeatureSchema, VocabIndex>();
/** Value → position maps of a schema's vocabularies, built once per schema object. */
function vocabIndex(schema: FeatureSchema): VocabIndex {
  let v = vocabCache.get(schema);
  if (!v) {
    const m = (a: readonly string[]) => new Map(a.map((s, k) => [s, k] as const));
    v = { channels: m(schema.channels), queues: m(schema.queues), categories: m(schema.categories) };
    vocabCache.set(schema, v);
  }
  return v;
}

/** Sets the column of `value` in a vocabulary block followed by its `other` column; null sets none. */
function oneHot(x: Float64Array, start: number, vocab: Map<string, number>, size: number, value: string | null): number {
  if (value != null && value !== '') x[start + (vocab.get(value) ?? size)] = 1;
  return start + size + 1;
}

/**
 * The ticket as it stood at the cut-off, for training on history: the queue is restored from the first
 * transfer after the cut-off (its `from_queue`). Outcome fields are left as they are (features never read
 * them). O(E).
 */
/** The customer's words known at the cut-off: subject, body and customer comments up to it (for reasons). */
export function customerTextAsOf(ticket: RiskTicket, events: readonly RiskEvent[], cutoffMs: number): string {
  const parts = [ticket.subject ?? '', ticket.body ?? ''];
  for (const e of events) {
    if (e.type === 'comment' && e.author_type === 'customer' && e.body && isoMs(e.at) <= cutoffMs) parts.push(e.body);
  }
  return parts.join('\n');
}

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
