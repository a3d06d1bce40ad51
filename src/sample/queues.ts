import { addDays } from './seed.js';
import { localToUtc } from './tz.js';
import { streamFor } from './seed.js';

/** Open hours per local day of week (0 = Sunday), [openMinute, closeMinute) or null when closed. */
export type OpenHours = readonly ([number, number] | null)[];

export interface QueueProfile {
  name: string;
  displayName: string;
  timeZone: string;
  slPct: number;
  slSeconds: number;
  intervalSeconds: number;
  /** Expected calls in a half hour at the intraday peak on an average weekday. */
  scale: number;
  talkMean: number;
  talkCv: number;
  acwMean: number;
  acwCv: number;
  patienceMean: number;
  hours: OpenHours;
  /** Relative share of tickets (written contacts) vs other queues. */
  ticketWeight: number;
  /** Channel mix for tickets: email, web, chat, phone, social. */
  channels: readonly [number, number, number, number, number];
}

const H = (a: number, b: number): [number, number] => [a * 60, b * 60];
const STANDARD: OpenHours = [null, H(8, 20), H(8, 20), H(8, 20), H(8, 20), H(8, 20), H(9, 15)];
const EXTENDED: OpenHours = [H(9, 18), H(7, 22), H(7, 22), H(7, 22), H(7, 22), H(7, 22), H(9, 18)];

const CORE: QueueProfile[] = [
  { name: 'billing', displayName: 'Billing', timeZone: 'America/New_York', slPct: 80, slSeconds: 20, intervalSeconds: 1800,
    scale: 62, talkMean: 330, talkCv: 0.7, acwMean: 75, acwCv: 0.6, patienceMean: 240, hours: STANDARD, ticketWeight: 1.0,
    channels: [0.45, 0.2, 0.25, 0.05, 0.05] },
  { name: 'tech_support', displayName: 'Tech Support', timeZone: 'America/New_York', slPct: 80, slSeconds: 60,
    intervalSeconds: 1800, scale: 190, talkMean: 420, talkCv: 0.8, acwMean: 90, acwCv: 0.6, patienceMean: 330,
    hours: EXTENDED, ticketWeight: 1.6, channels: [0.33, 0.15, 0.4, 0.05, 0.07] },
  { name: 'accounts', displayName: 'Accounts', timeZone: 'America/New_York', slPct: 90, slSeconds: 30, intervalSeconds: 1800,
    scale: 45, talkMean: 250, talkCv: 0.6, acwMean: 50, acwCv: 0.5, patienceMean: 210, hours: STANDARD, ticketWeight: 0.7,
    channels: [0.4, 0.3, 0.2, 0.05, 0.05] },
  { name: 'shipping', displayName: 'Shipping (EU)', timeZone: 'Europe/London', slPct: 70, slSeconds: 60, intervalSeconds: 1800,
    scale: 18, talkMean: 210, talkCv: 0.6, acwMean: 45, acwCv: 0.5, patienceMean: 180,
    hours: [null, H(8, 18), H(8, 18), H(8, 18), H(8, 18), H(8, 18), H(9, 13)], ticketWeight: 0.6,
    channels: [0.5, 0.25, 0.15, 0.05, 0.05] },
];

const EXTRA_NAMES = [
  'orders', 'returns', 'payments', 'onboarding', 'enterprise', 'integrations', 'mobile', 'hardware', 'warranty',
  'loyalty', 'partners', 'compliance', 'refunds', 'subscriptions', 'installations', 'escalations',
];
const TARGETS: readonly [number, number][] = [[80, 20], [90, 30], [70, 60], [80, 30], [85, 20]];

/** `n` queue profiles: billing, tech_support, accounts, shipping, then orders, returns, … then queue_N. */
export function queueProfiles(n: number, seed: number): QueueProfile[] {
  const out: QueueProfile[] = [];
  for (let i = 0; i < n; i++) {
    if (i < CORE.length) {
      out.push(CORE[i]);
      continue;
    }
    const name = i - CORE.length < EXTRA_NAMES.length ? EXTRA_NAMES[i - CORE.length] : `queue_${i + 1}`;
    // Profile of an extra queue depends on its name only, not on how many queues there are.
    const r = streamFor(seed, 'profile', name);
    const big = r.next() < 0.08;
    const medium = !big && r.next() < 0.45;
    const [slPct, slSeconds] = r.pick(TARGETS);
    out.push({
      name,
      displayName: name.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase()),
      timeZone: 'America/New_York',
      slPct, slSeconds, intervalSeconds: 1800,
      scale: big ? 150 + r.int(80) : medium ? 40 + r.int(40) : 10 + r.int(15),
      talkMean: 200 + r.int(220), talkCv: 0.6 + 0.2 * r.next(),
      acwMean: 40 + r.int(60), acwCv: 0.5,
      patienceMean: 180 + r.int(180),
      hours: r.next() < 0.3 ? EXTENDED : STANDARD,
      ticketWeight: 0.3 + r.next() * 0.8,
      channels: [0.4, 0.2, 0.25, 0.08, 0.07],
    });
  }
  return out;
}

/** Relative arrivals by local day of week (Sunday first): Monday peak, weekend low. */
export const WEEKLY = [0.36, 1.17, 1.06, 1.0, 0.97, 0.88, 0.46] as const;

/** Two-peak intraday shape (late morning ≈ 10:30, early afternoon ≈ 14:00), 1 at the peak. */
export function intraday(minute: number): number {
  const m = minute + 15; // centre of the half hour
  const g = (mu: number, sd: number) => Math.exp(-0.5 * ((m - mu) / sd) ** 2);
  return Math.min(1, 0.12 + 0.9 * g(630, 95) + 0.78 * g(845, 110) + 0.25 * g(1140, 80));
}

/** Ticket creation shape over 24 h: the call shape plus evening/night e-mail traffic. */
export function ticketIntraday(minute: number): number {
  return 0.06 + intraday(minute) * (minute >= 360 && minute < 1380 ? 1 : 0.3);
}

export function isOpen(p: QueueProfile, dow: number, minute: number): boolean {
  const h = p.hours[dow];
  return h !== null && minute >= h[0] && minute < h[1];
}

// ── Stories: episodes with known causes in the last 14 days ──────────────────────────────────────────────

export interface Episode {
  id: string;
  queue: string;
  driver: 'talk' | 'acw' | 'arrivals' | 'agents';
  onset: string;
  /** Epoch ms of onset / end (null = continues to the end of the sample). */
  onsetMs: number;
  untilMs: number | null;
  magnitude: number;
  kind: 'step' | 'ramp';
  rampHours: number;
  topic: string | null;
  /** Multiplier on the topic's ticket share once fully on. */
  topicBoost: number;
  description: string;
}

/** The sample's stories, placed relative to `end`; only those whose queue exists and that fit in the range. */
export function episodesFor(profiles: QueueProfile[], end: string, days: number): Episode[] {
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const out: Episode[] = [];
  /** The latest local date on or before end − minBack that falls on weekday dow (0 = Sunday). */
  const onWeekday = (minBack: number, dow: number): number => {
    let back = minBack;
    while (new Date(addDays(end, -back) + 'T12:00:00Z').getUTCDay() !== dow) back++;
    return back;
  };
  const add = (
    queue: string, dayOffset: number, minute: number, durationDays: number | null,
    e: Omit<Episode, 'queue' | 'onset' | 'onsetMs' | 'untilMs'>,
  ) => {
    const p = byName.get(queue);
    if (!p || dayOffset >= days - 7) return; // keep a week of normal history before any story
    const date = addDays(end, -dayOffset);
    const onsetMs = localToUtc(p.timeZone, date, minute);
    const untilMs = durationDays === null ? null : localToUtc(p.timeZone, addDays(date, durationDays), minute);
    out.push({ ...e, queue, onset: new Date(onsetMs).toISOString().slice(0, 19) + 'Z', onsetMs, untilMs });
  };
  add('accounts', onWeekday(11, 1), 0, 3, {
    id: 'accounts_absence_wave', driver: 'agents', magnitude: -0.2, kind: 'step', rampHours: 0, topic: null, topicBoost: 1,
    description: 'A flu wave keeps a fifth of the Accounts team at home Monday to Wednesday; staffing falls 20 % below plan.',
  });
  add('billing', onWeekday(7, 3), 8 * 60, null, {
    id: 'billing_invoice_portal_aht', driver: 'talk', magnitude: 0.2, kind: 'step', rampHours: 0,
    topic: 'invoice_portal_error', topicBoost: 20,
    description: 'The invoice portal starts failing to load invoices (Wednesday 08:00); billing talk time rises about 20 % and tickets about the portal error spike.',
  });
  add('tech_support', onWeekday(3, 2), 10 * 60, null, {
    id: 'tech_support_release_surge', driver: 'arrivals', magnitude: 0.35, kind: 'ramp', rampHours: 48,
    topic: 'app_release_login_bug', topicBoost: 25,
    description: 'Mobile app release 5.2 (Tuesday 10:00) ships a login bug; Tech Support arrivals ramp up 35 % over two days.',
  });
  return out;
}

/** Fraction of an episode's effect in force at time ms (0 before onset, ramps linearly for a ramp). */
export function episodeWeight(e: Episode, ms: number): number {
  if (ms < e.onsetMs || (e.untilMs !== null && ms >= e.untilMs)) return 0;
  if (e.kind === 'ramp' && e.rampHours > 0) return Math.min(1, (ms - e.onsetMs) / (e.rampHours * 3_600_000));
  return 1;
}

export interface Effects {
  arrivals: number;
  talk: number;
  acw: number;
  agents: number;
}

/** Multipliers on arrivals, talk, ACW and agents for a queue at time ms. */
export function effectsAt(episodes: readonly Episode[], queue: string, ms: number): Effects {
  const fx = { arrivals: 1, talk: 1, acw: 1, agents: 1 };
  for (const e of episodes) {
    if (e.queue !== queue) continue;
    const w = episodeWeight(e, ms);
    if (w > 0) fx[e.driver] *= 1 + e.magnitude * w;
  }
  return fx;
}
