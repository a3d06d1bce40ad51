/**
 * Per-ticket reasons in words from TreeSHAP contributions (log-odds units).
 *
 * Grouping: hashed token columns (`tok_*`) become one "wording" reason (their contributions summed);
 * a categorical column (target statistic) is named after the ticket's level ("queue billing", "region EMEA");
 * each one-hot block (`channel=…`, `queue=…`, `category=…`) becomes one reason named after the ticket's
 * value (the block's contributions summed, so "queue billing" carries what the queue as a whole added).
 * Everything else maps one feature to one phrase with its value. Arrow: ↑ raises the risk, ↓ lowers it.
 */
import { AGENT_LEVELS, PRIORITY_LEVELS, TIER_LEVELS } from './features.js';

export interface Reason {
  /** Feature or group key: 'transfers', 'wording', 'queue', … */
  key: string;
  /** Phrase with the value, e.g. "3 transfers in 2 h". */
  text: string;
  /** Signed contribution to the log-odds. */
  contribution: number;
  arrow: '↑' | '↓';
}

/** "45 min", "2 h", "1.5 h", "3 d". */
export function formatDuration(hours: number): string {
  if (!Number.isFinite(hours)) return '?';
  const a = Math.abs(hours);
  if (a < 1) return `${Math.round(a * 60)} min`;
  if (a < 48) return `${Number(a.toFixed(a < 10 ? 1 : 0))} h`;
  return `${Number((a / 24).toFixed(a < 240 ? 1 : 0))} d`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const signed = (v: number) => (v < 0 ? `−${Math.abs(v).toFixed(2)}` : `+${v.toFixed(2)}`);
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The phrase for one (non-grouped) feature at value `v`; `x` gives access to related features. */
function phrase(name: string, v: number, get: (n: string) => number): string {
  const known = Number.isFinite(v);
  const age = get('age_hours');
  switch (name) {
    case 'age_hours':
      return `open ${formatDuration(v)}`;
    case 'priority':
      return known ? `${PRIORITY_LEVELS[v] ?? '?'} priority` : 'unknown priority';
    case 'customer_tier':
      return known ? `${TIER_LEVELS[v] ?? '?'} tier` : 'customer tier unknown';
    case 'agent_level':
      return known ? `${AGENT_LEVELS[v] ?? '?'} agent` : 'no known agent';
    case 'agent_tenure_days':
      return known ? `agent ${v < 60 ? plural(Math.round(v), 'day') : `${Math.round(v / 30)} months`} in the job` : 'agent tenure unknown';
    case 'transfers':
      return `${plural(v, 'transfer')} in ${formatDuration(age)}`;
    case 'reassignments':
      return `${plural(v, 'reassignment')} in ${formatDuration(age)}`;
    case 'distinct_queues':
      return `been in ${plural(v, 'queue')}`;
    case 'distinct_agents':
      return `${plural(v, 'agent')} so far`;
    case 'status_changes':
      return `${plural(v, 'status change')}`;
    case 'hours_in_status':
      return `${formatDuration(v)} in its current status`;
    case 'waiting_on_customer':
      return v > 0 ? 'waiting on the customer' : 'not waiting on the customer';
    case 'hours_waiting_on_customer':
      return `${formatDuration(v)} waiting on the customer in all`;
    case 'responded':
      return v > 0 ? 'first response given' : 'no first response yet';
    case 'first_response_wait_hours':
      return get('responded') > 0 ? `first response after ${formatDuration(v)}` : `waiting ${formatDuration(v)} without a response`;
    case 'messages':
      return `${plural(v, 'message')} in ${formatDuration(age)}`;
    case 'customer_replies':
      return `${plural(v, 'customer reply', 'customer replies')}`;
    case 'agent_replies':
      return `${plural(v, 'agent reply', 'agent replies')}`;
    case 'mean_reply_gap_hours':
      return known ? `${formatDuration(v)} between messages on average` : 'no back-and-forth yet';
    case 'hours_since_customer_message':
      return `customer last wrote ${formatDuration(v)} ago`;
    case 'hours_to_due':
      return !known ? 'no due time' : v >= 0 ? `due in ${formatDuration(v)}` : `overdue by ${formatDuration(-v)}`;
    case 'created_hour':
      return known ? `opened at ${String(v).padStart(2, '0')}:00` : 'opening hour unknown';
    case 'created_weekday':
      return known ? `opened on a ${WEEKDAYS[v] ?? '?'}` : 'opening day unknown';
    case 'sentiment':
      // Neutral text raises risk against a baseline of mostly polite tickets: say what is missing.
      return v < -0.05 ? `negative wording (${signed(v)})` : v > 0.05 ? `positive wording (${signed(v)})` : 'neutral tone, no thanks or praise';
    case 'phrases_churn':
      return v > 0 ? `talks of cancelling or refunds (${v}×)` : 'no cancel/refund talk';
    case 'phrases_legal':
      return v > 0 ? `legal threat wording (${v}×)` : 'no legal threats';
    case 'phrases_repeat':
      return v > 0 ? `repeat-contact wording, e.g. "third time" (${v}×)` : 'no repeat-contact wording';
    case 'phrases_urgency':
      return v > 0 ? `urgency wording (${v}×)` : 'no urgency wording';
    case 'phrases_anger':
      return v > 0 ? `angry wording (${v}×)` : 'no angry wording';
    case 'escalation_phrases':
      return v > 0 ? `${plural(v, 'escalation phrase')} ("cancel", "lawyer", "third time", …)` : 'no escalation phrases';
    case 'reopens':
      return `${plural(v, 'reopen')}`;
    case 'escalations':
      return v > 0 ? `already escalated ${plural(v, 'time')}` : 'not escalated so far';
    case 'text_evidence':
      return v > 0.05 ? `wording like past tickets with this outcome (${signed(v)})` : v < -0.05 ? `wording unlike past tickets with this outcome (${signed(v)})` : 'wording says little either way';
    case 'text_words':
      return `${plural(v, 'word')} from the customer`;
    default:
      if (name.startsWith('attr_')) return `${name.slice(5)} ${known ? Number(v.toFixed(2)) : 'unknown'}`;
      return `${name} = ${known ? Number(v.toFixed(2)) : 'unknown'}`;
  }
}

export interface ExplainOptions {
  /** How many reasons (by |contribution|); default all. */
  top?: number;
  /** Only reasons that raise the risk. */
  onlyRaising?: boolean;
  /** The phrases actually found in the ticket's text (matchedPhrases), shown instead of lexicon examples. */
  phrases?: readonly string[];
  /** Level of each categorical column (by column name), for reasons like "queue billing". */
  levels?: Readonly<Record<string, string>>;
}

/**
 * Reasons sorted by |contribution| descending (ties by key). `names`, `x` and `contributions` are aligned
 * (feature order of the model). Pure; O(d log d).
 */
export function explainContributions(
  names: readonly string[],
  x: ArrayLike<number>,
  contributions: ArrayLike<number>,
  opts: ExplainOptions = {},
): Reason[] {
  const index = new Map(names.map((n, i) => [n, i] as const));
  const get = (n: string) => {
    const i = index.get(n);
    return i === undefined ? NaN : x[i];
  };
  const groups = new Map<string, { contribution: number; text: string }>();
  const add = (key: string, c: number, text: string) => {
    const g = groups.get(key);
    if (g) g.contribution += c;
    else groups.set(key, { contribution: c, text });
  };
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const c = contributions[i];
    if (name.startsWith('tok_')) {
      add('wording', c, 'the words used');
      continue;
    }
    const level = opts.levels?.[name];
    if (level !== undefined) {
      const label = name.startsWith('attr_') ? name.slice(5) : name;
      add(name, c, level === '' ? `${label} unknown` : `${label} ${level}`);
      continue;
    }
    const eq = name.indexOf('=');
    if (eq > 0) {
      const block = name.slice(0, eq);
      if (!groups.has(block)) add(block, 0, `${block} unknown`);
      const g = groups.get(block) as { contribution: number; text: string };
      g.contribution += c;
      if (x[i] > 0) g.text = `${block} ${name.slice(eq + 1)}`;
      continue;
    }
    add(name, c, phrase(name, x[i], get));
  }
  const ph = groups.get('escalation_phrases');
  const n = get('escalation_phrases');
  if (ph && n > 0 && opts.phrases?.length) {
    const shown = opts.phrases.slice(0, 3).map((p) => `"${p}"`).join(', ');
    ph.text = `${plural(n, 'escalation phrase')}: ${shown}${opts.phrases.length > 3 ? ', …' : ''}`;
  }
  let out: Reason[] = [...groups.entries()]
    .filter(([, g]) => g.contribution !== 0)
    .map(([key, g]) => ({ key, text: g.text, contribution: g.contribution, arrow: g.contribution > 0 ? ('↑' as const) : ('↓' as const) }));
  if (opts.onlyRaising) out = out.filter((r) => r.contribution > 0);
  out.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.key < b.key ? -1 : 1));
  return opts.top !== undefined ? out.slice(0, opts.top) : out;
}

/** "3 transfers in 2 h ↑ (+0.41)" */
export function formatReason(r: Reason): string {
  return `${r.text} ${r.arrow} (${signed(r.contribution)})`;
}

const TITLES: Readonly<Record<string, string>> = {
  age_hours: 'age of the ticket',
  priority: 'priority',
  customer_tier: 'customer tier',
  agent_level: 'agent level',
  agent_tenure_days: 'agent tenure',
  transfers: 'transfers',
  reassignments: 'reassignments',
  distinct_queues: 'queues visited',
  distinct_agents: 'agents involved',
  status_changes: 'status changes',
  hours_in_status: 'time in current status',
  waiting_on_customer: 'waiting on the customer',
  hours_waiting_on_customer: 'time waiting on the customer',
  responded: 'first response given',
  first_response_wait_hours: 'wait for the first response',
  messages: 'messages',
  customer_replies: 'customer replies',
  agent_replies: 'agent replies',
  mean_reply_gap_hours: 'time between messages',
  hours_since_customer_message: 'time since the customer wrote',
  hours_to_due: 'time to due',
  created_hour: 'hour opened',
  created_weekday: 'weekday opened',
  sentiment: 'sentiment of the wording',
  phrases_churn: 'cancel / refund talk',
  phrases_legal: 'legal threats',
  phrases_repeat: 'repeat-contact wording',
  phrases_urgency: 'urgency wording',
  phrases_anger: 'angry wording',
  escalation_phrases: 'escalation phrases',
  reopens: 'reopens',
  escalations: 'earlier escalations',
  text_words: 'length of the customer text',
  text_evidence: 'words seen in past outcomes',
  channel: 'channel',
  queue: 'queue',
  category: 'category',
  status: 'current status',
  agent: 'agent',
};

/** A feature's name for people ("first_response_wait_hours" → "wait for the first response"); attributes by their own name. */
export function featureTitle(name: string): string {
  if (Object.hasOwn(TITLES, name)) return TITLES[name];
  if (name.startsWith('attr_')) return name.slice(5).replace(/_/g, ' ');
  return name.replace(/_/g, ' ');
}
