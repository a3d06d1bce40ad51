/**
 * The rule-based router: a question in plain words → a command and its slots (queue, dates, levers, ticket,
 * search words…) → a command line the registry grammar parses. Used when no LLM is configured, when the LLM
 * fails, and as the measured baseline (tests/fixtures/questions.json, bench/router.bench.ts).
 *
 * Intents come from weighted keyword patterns; queue names from the warehouse (fuzzy: case, spaces,
 * underscores, typos); dates from the grammar's date parser plus phrasing ("since Monday", "in the past
 * week", "3 days ago", chrono-node for the rest) in the queue's time zone; lever phrases ("2 more agents",
 * "cut AHT by 10%", "from 9 to 12") are normalised to the what-if grammar. Follow-ups ("and tech support?",
 * "what about last week?") inherit what they do not change from the thread's previous question.
 */
import * as chrono from 'chrono-node/en';
import type { ParseContext } from '../registry.js';
import { matchQueue } from '../grammar/tokens.js';
import { parseDateExpr, takeDateRange, type DateRange } from '../grammar/dates.js';
import { addDays, localToday } from '../time.js';

export const INTENTS = ['sla', 'why', 'drift', 'whatif', 'staffing', 'risk', 'tickets', 'kpi', 'forecast', 'export', 'help'] as const;
export type Intent = (typeof INTENTS)[number];

export interface Levers {
  agents?: number;
  ahtPct?: number;
  ahtSeconds?: number;
  acwPct?: number;
  acwSeconds?: number;
  fcrPoints?: number;
  volumePct?: number;
}

export interface Slots {
  queue?: string | null;
  range?: DateRange | null;
  levers?: Levers;
  /** Local [fromMinute, toMinute) for an agents change. */
  hours?: { fromMinute: number; toMinute: number } | null;
  ticketId?: string | null;
  /** Search words (tickets). */
  query?: string | null;
  similar?: boolean;
  priority?: string[];
  status?: string[];
  /** kpi metric: csat, fcr, aht, reopen, resolution, first_response, abandon, sl. */
  metric?: string | null;
  /** kpi: what drives CSAT (`kpi csat drivers`). */
  drivers?: boolean;
  /** export: what to export and as what. */
  dataset?: string | null;
  format?: 'csv' | 'json' | null;
  target?: { pct: number; seconds: number } | null;
  shrinkagePct?: number | null;
}

export interface RuleRoute {
  command: Intent;
  slots: Slots;
  /** A command line for the registry grammar. */
  line: string;
  /** The question was read as a follow-up of the previous one in the thread. */
  followUp: boolean;
  /** Intent scores, for debugging and the bench. */
  scores: Partial<Record<Intent, number>>;
}

export interface PreviousContext {
  command: string;
  slots: Slots;
}

// ---------- numbers in words ----------

const WORD_NUM: Record<string, number> = {
  a: 1, an: 1, one: 1, single: 1, two: 2, couple: 2, 'a couple': 2, 'a couple of': 2, 'couple of': 2, pair: 2, 'a pair of': 2, three: 3, 'a few': 3, few: 3,
  four: 4, five: 5, six: 6, 'half a dozen': 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, dozen: 12, 'a dozen': 12,
  fifteen: 15, twenty: 20, thirty: 30, fifty: 50,
};
const NUM_WORDS = Object.keys(WORD_NUM).sort((a, b) => b.length - a.length).map((w) => w.replace(/ /g, '\\s+')).join('|');
const QTY = `(\\d+(?:\\.\\d+)?|${NUM_WORDS})`;

function qty(s: string): number {
  const t = s.trim().toLowerCase().replace(/\s+/g, ' ');
  return WORD_NUM[t] ?? Number(t);
}

// ---------- text clean-up ----------

/** Lower-case, unify quotes/dashes/unicode minus, space out punctuation that is not part of numbers or times. */
const TYPOS: Record<string, string> = {
  yestreday: 'yesterday', yesterady: 'yesterday', yesteday: 'yesterday', yesterdy: 'yesterday', yday: 'yesterday', ystd: 'yesterday',
  tommorow: 'tomorrow', tomorow: 'tomorrow', tommorrow: 'tomorrow', tmrw: 'tomorrow', tmr: 'tomorrow', '2day': 'today', tdy: 'today',
  wendesday: 'wednesday', wensday: 'wednesday', wednsday: 'wednesday', tuesady: 'tuesday', teusday: 'tuesday', thrusday: 'thursday', thursay: 'thursday',
  firday: 'friday', saturady: 'saturday', mondy: 'monday', monady: 'monday',
  whats: 'what is', hows: 'how is', wheres: 'where is', whys: 'why is', didnt: 'did not', wasnt: 'was not', isnt: 'is not', arent: 'are not',
};

export function normalise(question: string): string {
  const base = ` ${question
    .replace(/[’‘]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[–—−]/g, '-')
    .toLowerCase()
    .replace(/([a-z])'s\b/g, '$1 is')
    .replace(/[?!,;()"]/g, ' ')
    .replace(/\.(?!\d)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
  return base.replace(/\b[a-z0-9]+\b/g, (w) => TYPOS[w] ?? w);
}

/** Removes `re`'s first match from `s` (returns the match and the rest), repeatedly via the callback. */
function takeAll(s: string, re: RegExp, f: (m: RegExpMatchArray) => void): string {
  for (let guard = 0; guard < 10; guard++) {
    const m = s.match(re);
    if (!m) break;
    f(m);
    s = `${s.slice(0, m.index!)} ${s.slice(m.index! + m[0].length)}`;
  }
  return s;
}

// ---------- levers ----------

function minuteOf(h: string, m: string | undefined, ampm: string | undefined, assumePm: boolean): number | null {
  let hour = Number(h);
  const min = Number(m ?? 0);
  if (min >= 60 || hour > 24) return null;
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (ampm === 'pm' ? 12 : 0);
  } else if (assumePm && hour >= 1 && hour <= 7) hour += 12; // "9 to 5": 5 means 17:00
  return hour * 60 + min;
}

const TIME_RE = `(\\d{1,2}|noon|midday|midnight)(?::(\\d{2}))?\\s*(am|pm)?`;

function timeMinute(h: string, m: string | undefined, ampm: string | undefined, assumePm: boolean): number | null {
  if (h === 'noon' || h === 'midday') return 720;
  if (h === 'midnight') return 0;
  return minuteOf(h, m, ampm, assumePm);
}

export interface ExtractedLevers {
  levers: Levers;
  hours: { fromMinute: number; toMinute: number } | null;
  target: { pct: number; seconds: number } | null;
  shrinkagePct: number | null;
  rest: string;
}

const UNIT = `(%|percent|pct|s|secs?|seconds?|m|mins?|minutes?)?`;
const DOWN = 'cut|cuts|cutting|reduce|reduces|reducing|reduced|lower|lowers|lowering|lowered|drop|drops|decrease|decreases|shorten|shorter|trim|shave|down|less|faster|improve|improves|improving|improved';
const UP = 'increase|increases|increasing|raise|raises|raising|grow|grows|up|more|longer|slower|rise|rises|add|adding|worsen|worsens|jump|jumps';

function signedAmount(dir: 'up' | 'down', value: number): number {
  return dir === 'down' ? -Math.abs(value) : Math.abs(value);
}

/** Lever, hour-range, SL-target and shrinkage phrases → values, and the text without them. */
export function extractLevers(text: string): ExtractedLevers {
  let s = text;
  const levers: Levers = {};
  let hours: ExtractedLevers['hours'] = null;
  let target: ExtractedLevers['target'] = null;
  let shrinkagePct: number | null = null;

  // SL target "90/30", "90% in 30 seconds", "target 80/20" (before hours: "80/20" is not a time).
  s = takeAll(s, /\s(?:an?\s+)?(?:sla?\s+|service level\s+)?(?:target\s+(?:of\s+)?)?(\d{1,3}(?:\.\d+)?)\s*%?\s*(?:\/|in|within)\s*(\d{1,4})\s*(?:s|secs?|seconds?)?(?=\s)(?:\s+(?:target|sla?))?/, (m) => {
    target = { pct: Number(m[1]), seconds: Number(m[2]) };
  });
  s = takeAll(s, /\s(?:with\s+|at\s+|assuming\s+)?(?:shrinkage\s+(?:of\s+)?(\d{1,2}(?:\.\d+)?)\s*%?|(\d{1,2}(?:\.\d+)?)\s*%\s+shrinkage)(?=\s)/, (m) => {
    shrinkagePct = Number(m[1] ?? m[2]);
  });

  // Hour ranges: "from 9 to 12", "between 9am and noon", "9-12", "09:30-11:00", "9 to 5".
  const hourRange = (a: RegExpMatchArray, i: number) => {
    const from = timeMinute(a[i], a[i + 1], a[i + 2] ?? a[i + 5], false);
    const fromH = from === null ? 0 : from / 60;
    const to = timeMinute(a[i + 3], a[i + 4], a[i + 5], fromH >= 8 && !a[i + 5]);
    if (from === null || to === null || from === to) return;
    hours = { fromMinute: from, toMinute: to === 0 ? 1440 : to };
  };
  s = takeAll(s, new RegExp(`\\s(?:from|between)\\s+${TIME_RE}\\s*(?:to|and|until|till|-)\\s*${TIME_RE}(?=\\s)`), (m) => hourRange(m, 1));
  s = takeAll(s, new RegExp(`(?<=\\s)${TIME_RE.replace('(\\d{1,2}|noon|midday|midnight)', '(\\d{1,2})')}\\s*-\\s*${TIME_RE.replace('(\\d{1,2}|noon|midday|midnight)', '(\\d{1,2})')}(?=\\s)(?!\\s*(?:agents?|%))`), (m) => hourRange(m, 1));
  // "8 to 5" without "from": only plausible clock hours, not followed by a unit ("10 to 20 agents", "5 to 10%").
  s = takeAll(s, new RegExp(`(?<=\\s)${TIME_RE.replace('(\\d{1,2}|noon|midday|midnight)', '(\\d{1,2})')}\\s+(?:to|until|till)\\s+${TIME_RE}(?=\\s)(?!\\s*(?:agents?|people|staff|%|percent|s\\b|sec|min|pts?|points?))`), (m) => {
    if (Number(m[1]) <= 24) hourRange(m, 1);
  });
  s = takeAll(s, /\s(?:in the )?(morning|afternoon|evening)\s+(?:peak|hours?|shift)(?=\s)/, (m) => {
    hours = m[1] === 'morning' ? { fromMinute: 480, toMinute: 720 } : m[1] === 'afternoon' ? { fromMinute: 720, toMinute: 1020 } : { fromMinute: 1020, toMinute: 1260 };
  });

  // Agents: "+2 agents", "2 more agents", "add 3 agents", "lose 2 agents", "two fewer people", "agents +2".
  const AG = '(?:agents?|people|persons?|staff|heads?|reps?|fte|ftes|advisors?|operators?)';
  s = takeAll(s, new RegExp(`\\s(?:(add|adding|added|had|have|having|get|got|put|bring(?:ing)?(?:\\s+in)?|hire|hiring|with|plus|move|moving|moved|shift|shifting|transfer|transferring|borrow|borrowing|pull|pulling|an?\\s+extra|lose|losing|lost|remove|removing|without|minus|cut|cutting|drop|dropping|take\\s+away|were)\\s+)?(?:(?:another|an?\\s+additional|an?\\s+extra)\\s+)?([+-]?\\s*${QTY.slice(1, -1)}|another)\\s+(?:(more|extra|additional|fewer|less|less\\s+of)\\s+)?${AG}(?:\\s+(more|less|fewer|extra))?(?=\\s)`), (m) => {
    const verb = (m[1] ?? '').trim();
    const moveOut = /^(move|moving|moved|shift|shifting|transfer|transferring|borrow|borrowing|pull|pulling)$/.test(verb) && /\s(out of|away from)\s/.test(s.slice(m.index! + m[0].length, m.index! + m[0].length + 12));
    const raw = m[2].trim().replace(/^([+-])\s+/, '$1').replace(/\s+/g, ' ');
    const mod = m[3] ?? m[4] ?? '';
    let n = raw === 'another' ? 1 : qty(raw.replace(/^[+-]/, '').replace(/(\d)([a-z])/, '$1 $2'));
    if (!Number.isFinite(n)) return;
    const negative = moveOut || raw.startsWith('-') || /^(lose|losing|lost|remove|removing|without|minus|cut|cutting|drop|dropping|take\s+away)$/.test(verb) || /^(fewer|less)/.test(mod);
    if (negative) n = -n;
    if (!negative && !raw.startsWith('+') && !verb && !mod) {
      // "with 12 agents" / "12 agents" without a direction: read as a change only when clearly relative.
      if (!/more|extra|additional/.test(m[0])) return;
    }
    levers.agents = (levers.agents ?? 0) + n;
  });
  s = takeAll(s, new RegExp(`\\s${AG}\\s*([+-]\\s*\\d+)(?=\\s)`), (m) => {
    levers.agents = (levers.agents ?? 0) + Number(m[1].replace(/\s+/g, ''));
  });

  // AHT / ACW: "cut AHT by 10%", "aht -10%", "10% lower aht", "handle time down 30 seconds", "reduce wrap-up by 20s".
  const metricRe: [keyof Levers, keyof Levers, string][] = [
    ['acwPct', 'acwSeconds', '(?:acw|wrap[\\s-]?ups?|wrap[\\s-]?up time|after[\\s-]call[\\s-]work|after[\\s-]call work|after call work)'],
    ['ahtPct', 'ahtSeconds', '(?:aht|average handle time|average handling time|handle time|handling time|talk time|call time|call length)'],
  ];
  for (const [pctKey, secKey, name] of metricRe) {
    const set = (dir: 'up' | 'down', v: string, unit: string | undefined) => {
      const value = Number(v);
      if (!Number.isFinite(value)) return;
      const u = (unit ?? '').trim();
      if (u === '%' || u.startsWith('per') || u === 'pct') levers[pctKey] = signedAmount(dir, value);
      else levers[secKey] = signedAmount(dir, u.startsWith('m') ? value * 60 : value);
    };
    // verb metric (by) N unit: "cut aht by 10%", "reduce the handle time by 30 seconds"
    s = takeAll(s, new RegExp(`\\s(${DOWN}|${UP})\\s+(?:the\\s+|our\\s+)?${name}\\s+(?:by\\s+)?(\\d+(?:\\.\\d+)?)\\s*${UNIT}(?=\\s)`), (m) => set(new RegExp(`^(${DOWN})$`).test(m[1]) ? 'down' : 'up', m[2], m[3]));
    // metric (goes) down/up (by) N unit: "aht down 10%", "handle time up by 20s"
    s = takeAll(s, new RegExp(`\\s${name}\\s+(?:goes\\s+|went\\s+|is\\s+|was\\s+)?(${DOWN}|${UP})\\s+(?:by\\s+)?(\\d+(?:\\.\\d+)?)\\s*${UNIT}(?=\\s)`), (m) => set(new RegExp(`^(${DOWN})$`).test(m[1]) ? 'down' : 'up', m[2], m[3]));
    // metric ±N unit: "aht -10%", "acw +20s", "aht: -10 %"
    s = takeAll(s, new RegExp(`\\s${name}\\s*[:=]?\\s*([+-])\\s*(\\d+(?:\\.\\d+)?)\\s*${UNIT}(?=\\s)`), (m) => set(m[1] === '-' ? 'down' : 'up', m[2], m[3]));
    // N unit lower/shorter metric: "10% lower aht", "30 seconds shorter handle time", "10% less acw"
    s = takeAll(s, new RegExp(`\\s(\\d+(?:\\.\\d+)?)\\s*${UNIT}\\s+(lower|shorter|less|faster|higher|longer|more|slower)\\s+(?:in\\s+)?${name}(?=\\s)`), (m) => set(/lower|shorter|less|faster/.test(m[3]) ? 'down' : 'up', m[1], m[2]));
    // metric N unit lower: "aht 10% lower"
    s = takeAll(s, new RegExp(`\\s${name}\\s+(?:is\\s+|was\\s+|were\\s+)?(\\d+(?:\\.\\d+)?)\\s*${UNIT}\\s+(lower|shorter|less|faster|higher|longer|more|slower)(?=\\s)`), (m) => set(/lower|shorter|less|faster/.test(m[3]) ? 'down' : 'up', m[1], m[2]));
  }

  // Volume: "20% more calls", "volume up 15%", "volume +10%", "if volume doubles", "10% fewer contacts".
  const VOL = '(?:volume|calls|call volume|contacts|contact volume|demand|traffic|arrivals|chats|tickets)';
  s = takeAll(s, new RegExp(`\\s(\\d+(?:\\.\\d+)?)\\s*(?:%|percent)\\s+(more|higher|extra|less|lower|fewer)\\s+${VOL}(?=\\s)`), (m) => {
    levers.volumePct = /less|lower|fewer/.test(m[2]) ? -Number(m[1]) : Number(m[1]);
  });
  s = takeAll(s, new RegExp(`\\s${VOL}\\s+(?:goes\\s+|went\\s+|is\\s+)?(up|down|rises?|drops?|increases?|decreases?|grows?|falls?|jumps?|spikes?)\\s+(?:by\\s+)?(\\d+(?:\\.\\d+)?)\\s*(?:%|percent)(?=\\s)`), (m) => {
    levers.volumePct = /down|drop|decrease|fall/.test(m[1]) ? -Number(m[2]) : Number(m[2]);
  });
  s = takeAll(s, new RegExp(`\\s${VOL}\\s*[:=]?\\s*([+-])\\s*(\\d+(?:\\.\\d+)?)\\s*%(?=\\s)`), (m) => {
    levers.volumePct = (m[1] === '-' ? -1 : 1) * Number(m[2]);
  });
  s = takeAll(s, new RegExp(`\\s(?:the\\s+)?${VOL}\\s+(doubles|doubled|halves|halved|triples|tripled)(?=\\s)`), (m) => {
    levers.volumePct = /doubl/.test(m[1]) ? 100 : /tripl/.test(m[1]) ? 200 : -50;
  });

  // FCR: "fcr +5", "improve fcr by 5 points", "first contact resolution up 3 pts".
  const FCR = '(?:fcr|first[\\s-]contact[\\s-]resolution|first contact resolution)';
  s = takeAll(s, new RegExp(`\\s(improve|improves|raise|increase|lift|boost|lower|reduce|drop)\\s+(?:the\\s+|our\\s+)?${FCR}\\s+(?:by\\s+)?(\\d+(?:\\.\\d+)?)\\s*(?:pts?|points?|pp|%)?(?=\\s)`), (m) => {
    levers.fcrPoints = /lower|reduce|drop/.test(m[1]) ? -Number(m[2]) : Number(m[2]);
  });
  s = takeAll(s, new RegExp(`\\s${FCR}\\s*(?:[:=]|goes|went|is)?\\s*(up|down|improves?|[+-])?\\s*(?:by\\s+)?(\\d+(?:\\.\\d+)?)\\s*(?:pts?|points?|pp|%)(?=\\s)`), (m) => {
    levers.fcrPoints = m[1] === '-' || m[1] === 'down' ? -Number(m[2]) : Number(m[2]);
  });
  s = takeAll(s, new RegExp(`\\s${FCR}\\s*([+-])\\s*(\\d+(?:\\.\\d+)?)(?=\\s)`), (m) => {
    levers.fcrPoints = (m[1] === '-' ? -1 : 1) * Number(m[2]);
  });

  return { levers, hours, target, shrinkagePct, rest: s };
}

// ---------- intents ----------

type Rule = [RegExp, number];

const RULES: Record<Intent, Rule[]> = {
  whatif: [
    [/\bwhat[\s-]?if\b/, 4], [/\bwhatif\b/, 4], [/\bwhat would happen\b/, 4], [/\bsimulat/, 3], [/\bscenario/, 3],
    [/\bif we (add|had|have|get|cut|reduce|lose|put|bring|hire|move|took|take|lower|drop|improve)/, 4], [/\bwould (our |the )?(sl|sla|service level)\b/, 1],
    [/\b(would|could) (it|we|that) (help|fix|recover|hit|reach|make)/, 2], [/\bsuppose\b|\bassuming\b|\bimagine\b/, 2],
  ],
  staffing: [
    [/\bhow many (more )?(agents|people|staff|heads|reps|advisors|ftes?)\b/, 5], [/\bstaffing\b/, 4], [/\b(agents|people|staff|headcount|heads|ftes?) (do |would |will )?(we|i) need\b/, 5],
    [/\brequired (agents|staff)\b|\bagents required\b|\brequirement/, 4], [/\bheadcount\b/, 4], [/\bneed to staff\b|\bstaff up\b/, 4], [/\b(under|over|short)[\s-]?staffed\b/, 2], [/\berlang\b/, 2],
  ],
  risk: [
    [/\bescalat/, 4], [/\bat risk\b/, 2], [/\brisk/, 3], [/\bhigh[\s-]risk\b|\brisk(y|ier|iest)\b/, 3], [/\bworr(y|ied|ying)\b|\bneeds? attention\b|\bwatch out for\b/, 4], [/\b(likely|going|about) to (breach|escalate|blow)/, 4], [/\bwill (breach|escalate|miss)/, 3], [/\bbreach/, 2], [/\bwatch ?list\b/, 2],
  ],
  tickets: [
    [/\btickets?\b/, 1], [/\b(find|search|show|list|look up|pull up|get|give)\b.{0,20}\b(tickets?|cases|complaints|conversations)\b/, 3],
    [/\b(tickets?|cases|complaints|messages) (about|mentioning|with|containing|regarding|related to|that mention|saying|that say|on|like)\b/, 3],
    [/\b(tickets?|cases|complaints|messages) (that|which) (talk|talks|speak|speaks|are|were|is|was) about\b/, 3],
    [/\bsimilar\b/, 3], [/\bmentioning\b|\bthat mention\b|\bcontaining\b/, 2], [/\bsearch\b/, 2], [/\b(complaining|complaints?) about \w+/, 2],
  ],
  why: [
    [/\bwhy\b/, 4], [/\bwhat (caused|happened|drove|is driving|was driving|went wrong|is behind|was behind|is wrong)\b/, 4],
    [/\bwhat (is |was )?(causing|behind|driving)\b/, 4], [/\b(drop|dip|fall|decline|change|swing|move) in (the )?(sla?|service level)\b/, 2], [/\bbreak(ing)?[\s-]?down\b/, 3],
    [/\b(top|main|biggest|most common|recurring) (complaints?|issues?|problems?|topics?|themes?)\b/, 5], [/\broot cause\b/, 4], [/\breasons?\b/, 2],
    [/\bhow come\b/, 4], [/\bexplain\b/, 3], [/\bdrivers?\b|\bdriven by\b|\bdriving\b/, 2], [/\bcaused?\b/, 2],
    [/\b(drop|dropped|dip|dipped|fall|fell|tank|tanked|plummet|declin|worse|spike|spiked|jump|jumped|crash|crashed|bad|terrible|awful|low)\w*\b/, 1],
    [/\bwhat (are|were|did) (the )?(customers|people|users|they|callers) (complain|writ|talk|say|mention)/, 5],
  ],
  drift: [
    [/\bdrift/, 5], [/\btrend(s|ing)?\b/, 2], [/\b(creep|creeping|degrad|deteriorat|slowly)/, 2], [/\banomal|\bunusual\b|\babnormal\b|\bout of (the )?ordinary\b/, 3],
    [/\bshift(ed|ing)?\b/, 1], [/\bchang(ed|ing|es)\b/, 1], [/\bcusum\b|\bewma\b|\bdetector/, 3], [/\bany(thing)? (drifting|changing|off|weird|odd|strange)\b/, 3], [/\bcreeping up\b/, 2],
  ],
  kpi: [
    [/\bcsat\b|\bsatisf(action|ied)\b|\bhappy\b/, 4], [/\bfcr\b|\bfirst[\s-]contact[\s-]resolution\b/, 4], [/\bkpis?\b/, 5], [/\breopen/, 4], [/\bresolution time\b|\btime to resolve\b|\bresolve time\b/, 4],
    [/\bfirst response time\b|\btime to first response\b|\bfrt\b/, 4], [/\bpercentiles?\b|\bp90\b|\bp50\b|\bmedian\b/, 2], [/\bmetrics\b|\bscorecard\b/, 2], [/\bnps\b/, 3],
    // What drives satisfaction is the CSAT drivers, not an SLA "why".
    [/\b(csat|satisf\w*|unhappy)\b.*\b(drives?|drivers?|driving|low|why|affects?)\b|\b(drives?|drivers?|why|affects?|what makes)\b.*\b(csat|satisf\w*|unhappy)\b/, 4],
  ],
  forecast: [
    [/\bforecast/, 6], [/\bpredict(ed|ion|ions)?\b|\bprojected\b|\bprojections?\b|\boutlook\b/, 3], [/\bbacktest/, 4],
    [/\b(expected|expect|anticipated?) (call |contact |ticket )?(volumes?|calls|contacts|tickets|demand|arrivals)\b/, 5],
    [/\bhow (many|much) (calls|contacts|tickets|volume|demand)\b.{0,40}\b(next|tomorrow|coming|upcoming|will)\b/, 5],
    [/\b(volumes?|demand|arrivals)\b.{0,30}\b(next|tomorrow|coming|upcoming)\b/, 3],
  ],
  export: [[/\bexports?\b/, 6], [/\bdownload\b/, 5], [/\b(csv|jsonl?|spreadsheet|excel)\b/, 5], [/\b(dump|extract)\b/, 2], [/\bas a file\b|\bfor (bi|power bi|tableau|looker)\b/, 3]],
  sla: [
    [/\bsla\b|\bservice level\b|\bsl\b/, 2], [/\bhow (is|are|was|were|did|does|do)\b/, 1], [/\bdoing\b/, 1], [/\bstatus\b/, 1],
    [/\b(on|below|above|under|meeting|meet|hit|hitting|missed?|missing) (the |our )?(target|sla|goal)\b/, 2], [/\babandon/, 2], [/\banswered within\b|\bspeed of answer\b|\basa\b/, 2],
    [/\bperformance\b|\bperforming\b/, 1], [/\bhow (is|are) (we|things|the queues?)\b/, 1], [/\bqueues? (look|looking)\b/, 1], [/\b(summary|overview|report)\b/, 1], [/\b(make|made) (the )?target\b/, 2],
  ],
  help: [[/\bhelp\b/, 3], [/\bwhat can you do\b|\bwhat do you do\b/, 5], [/\bcommands?\b/, 2], [/\bhow do i use\b|\bhow to use\b/, 4], [/^\s*(hi|hello|hey)\s*$/, 3], [/\bwho are you\b/, 4]],
};

const PRIORITY: Intent[] = ['export', 'whatif', 'staffing', 'forecast', 'risk', 'tickets', 'why', 'drift', 'kpi', 'sla', 'help'];

export function scoreIntents(text: string): Partial<Record<Intent, number>> {
  const out: Partial<Record<Intent, number>> = {};
  for (const intent of INTENTS) {
    let s = 0;
    for (const [re, w] of RULES[intent]) if (re.test(text)) s += w;
    if (s) out[intent] = s;
  }
  return out;
}

function best(scores: Partial<Record<Intent, number>>): { intent: Intent | null; score: number } {
  let intent: Intent | null = null;
  let score = 0;
  for (const i of PRIORITY) {
    const s = scores[i] ?? 0;
    if (s > score) {
      intent = i;
      score = s;
    }
  }
  return { intent, score };
}

// ---------- queues ----------

/** Words that are never a queue even when they are one typo away from one. */
const NOT_QUEUES = new Set(
  ('sla sl why what how when where which who the a an and or of on in at to for from by with is are was were did does do be been ' +
    'today yesterday tomorrow week month day days last this next past since ago morning afternoon evening agents agent people staff ' +
    'aht acw fcr csat kpi risk tickets ticket drift trend help queue queues all every overall total add more less cut reduce ' +
    'drop dropped doing status target now about show find search similar like same also any our we us me my it that there').split(' '),
);

/** Queue names mentioned in the text (bigrams first: "tech support"), each once, in order of appearance. */
export function findQueues(text: string, queues: readonly string[]): { queues: string[]; rest: string } {
  const words = text.split(/\s+/).filter(Boolean);
  const found: string[] = [];
  const used = new Set<number>();
  const norm = (s: string) => s.toLowerCase().replace(/[\s_\-.]+/g, '');
  for (let i = 0; i + 1 < words.length; i++) {
    const bi = `${words[i]}_${words[i + 1]}`;
    const exact = queues.find((q) => norm(q) === norm(bi));
    const fuzzy = exact ?? (!NOT_QUEUES.has(words[i]) && !NOT_QUEUES.has(words[i + 1]) && norm(bi).length >= 7 ? matchQueue(bi, queues) : null);
    if (fuzzy && norm(fuzzy).length >= norm(bi).length - 2) {
      if (!found.includes(fuzzy)) found.push(fuzzy);
      used.add(i).add(i + 1);
      i++;
    }
  }
  words.forEach((w, i) => {
    if (used.has(i)) return;
    const clean = w.replace(/^'+|'+$/g, '').replace(/'s$/, '');
    if (clean.length < 3) return;
    const exact = queues.find((q) => norm(q) === norm(clean));
    const q = exact ?? (NOT_QUEUES.has(clean) || /\d/.test(clean) ? null : matchQueue(clean, queues));
    if (q) {
      if (!found.includes(q)) found.push(q);
      used.add(i);
    }
  });
  return { queues: found, rest: words.filter((_, i) => !used.has(i)).join(' ') };
}

// ---------- dates ----------

function rangeOf(from: string, to: string, label: string): DateRange {
  return from <= to ? { from, to, label } : { from: to, to: from, label };
}

const DATE_WORD = `(?:today|yesterday|tomorrow|(?:last |this |on |next )?(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:last |this )?(?:mon|tue|wed|thu|fri|sat|sun)|\\d{4}-\\d{2}-\\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.? \\d{1,2}(?:st|nd|rd|th)?|\\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*)`;

/** A date or range in the words, resolved in the queue's zone; the text without it. */
export function extractRange(text: string, today: string): { range: DateRange | null; rest: string } {
  let s = ` ${text} `;
  let range: DateRange | null = null;
  const set = (r: DateRange | null) => {
    if (r && !range) range = r;
  };
  const parse = (e: string) => parseDateExpr(e.replace(/(\d)(st|nd|rd|th)\b/g, '$1').replace(/\bof\b/g, '').replace(/\s+/g, ' ').trim(), today);
  // Ranges between two date words.
  s = takeAll(s, new RegExp(`\\s(?:from|between)\\s+(${DATE_WORD})\\s+(?:to|and|until|till|through|-)\\s+(${DATE_WORD})(?=\\s)`), (m) => {
    const a = parse(m[1]);
    const b = parse(m[2]);
    if (a && b) set(rangeOf(a.from, b.to, `${a.from}..${b.to}`));
  });
  s = takeAll(s, /\s(\d{4}-\d{2}-\d{2})\s*(?:\.\.|to|-|until|through)\s*(\d{4}-\d{2}-\d{2})(?=\s)/, (m) => set(rangeOf(m[1], m[2], `${m[1]}..${m[2]}`)));
  s = takeAll(s, new RegExp(`\\s(?:since|from)\\s+(${DATE_WORD})(?=\\s)(?!\\s+(?:to|until|till|through)\\b)`), (m) => {
    const a = parse(m[1]);
    if (a) set(rangeOf(a.from, today, `since ${m[1]}`));
  });
  s = takeAll(s, /\s(?:over |in |during |for |across )?(?:the )?(?:last|past|previous|recent) (\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve|couple of|few) (days?|weeks?|months?)(?=\s)/, (m) => {
    const n = qty(m[1] === 'couple of' ? 'couple' : m[1]);
    const days = m[2].startsWith('week') ? 7 * n : m[2].startsWith('month') ? 30 * n : n;
    set({ from: addDays(today, -days), to: addDays(today, -1), label: `last ${days} days` });
  });
  s = takeAll(s, /\s(?:over |in |during |for )?(?:the )?(?:past|last) (week|fortnight|month)(?=\s)/, (m) => {
    if (m[0].includes('last') && m[1] !== 'fortnight') {
      set(parseDateExpr(`last ${m[1]}`, today));
      return;
    }
    const days = m[1] === 'week' ? 7 : m[1] === 'fortnight' ? 14 : 30;
    set({ from: addDays(today, -days), to: addDays(today, -1), label: `last ${days} days` });
  });
  s = takeAll(s, /\s(?:(?:so far )?this (?:morning|afternoon|evening)|tonight|so far today|right now|currently|at the moment|at present)(?=\s)/, () => set({ from: today, to: today, label: 'today' }));
  s = takeAll(s, /\s(?:on )?(?:the )?day before yesterday(?=\s)/, () => set({ from: addDays(today, -2), to: addDays(today, -2), label: 'the day before yesterday' }));
  s = takeAll(s, /\s(\d{1,3}|a|one|two|three|four|five|six|seven) (days?|weeks?) ago(?=\s)/, (m) => {
    const n = qty(m[1]) * (m[2].startsWith('week') ? 7 : 1);
    const d = addDays(today, -n);
    set({ from: d, to: d, label: `${n} days ago` });
  });
  s = takeAll(s, /\s(?:over |during |for |on )?(?:the )?(?:this )?(weekend)(?=\s)/, () => {
    // The most recent Saturday–Sunday (this one if today is on it).
    const dow = new Date(`${today}T00:00:00Z`).getUTCDay();
    const sat = addDays(today, dow === 6 ? 0 : dow === 0 ? -1 : -(dow + 1));
    set({ from: sat, to: addDays(sat, 1), label: 'the weekend' });
  });
  s = takeAll(s, /\s(?:the )?(?:week before|previous week|prior week|week prior)(?=\s)/, () => set(parseDateExpr('last week', today)));
  s = takeAll(s, /\s(?:week to date|wtd)(?=\s)/, () => set(parseDateExpr('this week', today)));
  s = takeAll(s, /\s(?:month to date|mtd)(?=\s)/, () => set(parseDateExpr('this month', today)));
  if (range) return { range, rest: s.trim() };
  // The grammar's parser on word windows ("yesterday", "last week", "monday", "nov 3", "2026-11-19").
  const words = s.trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/(\d)(st|nd|rd|th)$/, '$1'));
  const { range: r, rest } = takeDateRange(words.filter((w) => w !== 'on' && w !== 'for' && w !== 'of'), today);
  if (r) {
    const restSet = new Set(rest);
    return { range: r, rest: words.filter((w) => restSet.has(w) || w === 'on' || w === 'for' || w === 'of').join(' ') };
  }
  // chrono-node on the whole text ("on the 3rd of November", "last Friday afternoon").
  const ref = new Date(`${today}T12:00:00Z`);
  const c = chrono.parse(s, { instant: ref, timezone: 0 }, { forwardDate: false }).find((x) => /[a-z]/.test(x.text) && !/^(now|a|an|one|second|sec|min)$/.test(x.text.trim()));
  if (c) {
    const from = c.start.date().toISOString().slice(0, 10);
    const to = c.end ? c.end.date().toISOString().slice(0, 10) : from;
    return { range: rangeOf(from, to, c.text.trim()), rest: (s.slice(0, c.index) + ' ' + s.slice(c.index + c.text.length)).trim() };
  }
  return { range: null, rest: s.trim() };
}

// ---------- ticket search words ----------

const FILLER = new Set(
  ('show me find search for look up pull list get give any all the a an of tickets ticket cases case complaints complaint messages about mentioning mention mentions ' +
    'with containing contain regarding related to that say saying on in from customers customer people users are is were was there what which ' +
    'please can you could i we see recent latest complaining writing talking talk talks our new have has had been for by like similar some').split(' '),
);

const PRIORITY_WORDS: Record<string, string> = { urgent: 'urgent', high: 'high', 'high-priority': 'high', normal: 'normal', low: 'low', 'low-priority': 'low' };
const STATUS_WORDS: Record<string, string> = { open: 'open', pending: 'pending', solved: 'solved', resolved: 'solved', closed: 'closed', unresolved: 'open' };

function ticketFilters(text: string): { priority: string[]; status: string[]; rest: string } {
  const priority: string[] = [];
  const status: string[] = [];
  const rest: string[] = [];
  const words = text.split(/\s+/).filter(Boolean);
  words.forEach((w, i) => {
    const next = words[i + 1] ?? '';
    if (PRIORITY_WORDS[w] && /^(priority|tickets?|cases?|ones?|p\d)?$/.test(next.replace(/-priority$/, '')) && (next === 'priority' || /^tickets?|cases?$/.test(next) || w === 'urgent')) {
      if (!priority.includes(PRIORITY_WORDS[w])) priority.push(PRIORITY_WORDS[w]);
      return;
    }
    if (w === 'priority' && priority.length) return;
    if (STATUS_WORDS[w] && (/^(tickets?|cases?|ones?)$/.test(next) || /^(still|currently)$/.test(words[i - 1] ?? ''))) {
      if (!status.includes(STATUS_WORDS[w])) status.push(STATUS_WORDS[w]);
      return;
    }
    rest.push(w);
  });
  return { priority, status, rest: rest.join(' ') };
}

const KPI_METRICS: [RegExp, string][] = [
  [/\bcsat\b|\bsatisf(action|ied)\b|\bhappy\b/, 'csat'], [/\bfcr\b|\bfirst[\s-]contact[\s-]resolution\b/, 'fcr'], [/\breopen/, 'reopen'],
  [/\bresolution time\b|\btime to resolve\b|\bresolve time\b/, 'resolution'], [/\bfirst response\b|\bfrt\b/, 'first_response'], [/\baht\b|\bhandle time\b/, 'aht'],
];

const DRIVERS = /\b(drives?|drivers?|driving|driven|moves?|affects?|impacts?|influences?|predicts?|hurts?|lowers?|causes?)\b|\bwhy\b.*\b(low|unhappy|dissatisf|bad)|\b(low|unhappy|dissatisf|bad)\w*\b.*\bwhy\b/;
const EXPORT_DATASETS: [RegExp, string][] = [
  [/\bintervals?\b|\binterval data\b/, 'intervals'], [/\brisk\b|\bscores?\b|\bescalat/, 'risk'], [/\bkpis?\b|\bcsat\b|\bfcr\b|\bmetrics\b/, 'kpi'],
  [/\bsla\b|\bservice level\b|\bdaily\b/, 'sla'], [/\btickets?\b/, 'tickets'],
];

// ---------- lines ----------

function rangeWords(r: DateRange, today: string): string {
  const again = parseDateExpr(r.label, today);
  if (again && again.from === r.from && again.to === r.to && /^[a-z0-9 ]+$/.test(r.label)) return r.label;
  return r.from === r.to ? r.from : `${r.from}..${r.to}`;
}

function hhmm(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const sign = (v: number) => (v < 0 ? `-${Math.abs(v)}` : `+${v}`);

/** The command line for a route (what `/radar` would be typed with). */
export function lineFor(command: Intent, s: Slots, today: string): string {
  const parts: string[] = [command];
  const range = s.range ? rangeWords(s.range, today) : null;
  switch (command) {
    case 'whatif':
    case 'staffing': {
      if (s.queue) parts.push(s.queue);
      if (s.range) parts.push(s.range.from === s.range.to ? rangeWords(s.range, today) : s.range.from);
      if (command === 'whatif') {
        const l = s.levers ?? {};
        if (l.agents) parts.push(`${sign(l.agents)} agents`);
        // The what-if grammar applies hours to the agents change only.
        if (s.hours && l.agents) parts.push(`${hhmm(s.hours.fromMinute)}-${hhmm(s.hours.toMinute)}`);
        if (l.ahtPct) parts.push(`aht ${sign(l.ahtPct)}%`);
        if (l.ahtSeconds) parts.push(`aht ${sign(l.ahtSeconds)}s`);
        if (l.acwPct) parts.push(`acw ${sign(l.acwPct)}%`);
        if (l.acwSeconds) parts.push(`acw ${sign(l.acwSeconds)}s`);
        if (l.fcrPoints) parts.push(`fcr ${sign(l.fcrPoints)}`);
        if (l.volumePct) parts.push(`volume ${sign(l.volumePct)}%`);
      } else {
        if (s.target) parts.push(`target ${s.target.pct}/${s.target.seconds}`);
        if (s.shrinkagePct !== null && s.shrinkagePct !== undefined) parts.push(`shrinkage ${s.shrinkagePct}%`);
      }
      break;
    }
    case 'tickets': {
      if (s.similar && s.ticketId) {
        parts.push('similar', s.ticketId);
        if (s.queue) parts.push(s.queue);
        if (range) parts.push(range);
        break;
      }
      if (s.query) parts.push(s.query);
      if (s.queue) parts.push(s.queue);
      if (range) parts.push(range);
      if (s.priority?.length) parts.push(`priority=${s.priority.join(',')}`);
      if (s.status?.length) parts.push(`status=${s.status.join(',')}`);
      break;
    }
    case 'risk': {
      if (s.ticketId) parts.push(s.ticketId);
      if (s.queue) parts.push(s.queue);
      break;
    }
    case 'kpi': {
      if (s.drivers) parts.push('csat', 'drivers');
      else if (s.metric) parts.push(s.metric);
      if (s.queue) parts.push(s.queue);
      if (range) parts.push(range);
      break;
    }
    case 'export': {
      parts.push(s.dataset ?? 'tickets');
      if (s.queue) parts.push(s.queue);
      if (range) parts.push(range);
      if (s.format === 'json') parts.push('json');
      break;
    }
    case 'help':
      break;
    default: {
      if (s.queue) parts.push(s.queue);
      if (range) parts.push(range);
    }
  }
  return parts.join(' ');
}

// ---------- the router ----------

const FOLLOW_UP = /^\s*(and|what about|how about|same for|same thing for|same but|ok and|okay and|also|and for|then|now for|now|what of|and what about|and how about|and in|and on|and for the)\b/;

function contentWordCount(s: string): number {
  return s.split(/\s+/).filter((w) => w && !FILLER.has(w) && !NOT_QUEUES.has(w)).length;
}

/**
 * Routes a question. `prev` is the thread's previous route (follow-ups inherit its command and the slots
 * the new question does not set). Deterministic; O(length of the question × number of patterns).
 */
export function routeRules(question: string, pctx: ParseContext, prev?: PreviousContext | null): RuleRoute {
  const text = normalise(question);
  const scores = scoreIntents(text);
  const slots: Slots = {};

  // Ticket id (T-10234, t-123, INC-42).
  let rest = text;
  const idMatch = question.match(/\b([A-Za-z]{1,6}-\d{2,})\b/);
  if (idMatch && !/^\d{4}-\d{2}/.test(idMatch[1]) && !/^(aht|acw|fcr|sl|sla|volume|agents?)-/i.test(idMatch[1])) {
    slots.ticketId = idMatch[1].toUpperCase();
    rest = rest.replace(idMatch[1].toLowerCase(), ' ');
  }

  const lev = extractLevers(rest);
  rest = lev.rest;
  const hasLevers = Object.keys(lev.levers).length > 0;
  if (hasLevers) {
    slots.levers = lev.levers;
    scores.whatif = (scores.whatif ?? 0) + 3;
  }
  if (lev.hours) slots.hours = lev.hours;
  if (lev.target) slots.target = lev.target;
  if (lev.shrinkagePct !== null) slots.shrinkagePct = lev.shrinkagePct;
  if (slots.ticketId) {
    if (/\bsimilar\b|\blike\b|\brelated\b|\bsame as\b|\bduplicates?\b/.test(text)) {
      slots.similar = true;
      scores.tickets = (scores.tickets ?? 0) + 4;
    } else scores.risk = (scores.risk ?? 0) + 2;
  }

  const allQueues = /\b(all|every|each|across) (the )?queues\b|\boverall\b|\beverywhere\b|\ball teams\b/.test(text);
  const q = findQueues(rest, pctx.queues);
  rest = q.rest;
  if (q.queues.length) slots.queue = q.queues[0];
  else if (allQueues) slots.queue = null;

  const tz = slots.queue ? pctx.queueTz(slots.queue) : pctx.tz;
  const today = localToday(pctx.now, tz);
  const d = extractRange(` ${rest} `, today);
  rest = d.rest;
  if (d.range) slots.range = d.range;

  const { intent, score } = best(scores);
  // A follow-up opens with "and…/what about…" or says little besides a queue, a date or a lever.
  const words = contentWordCount(rest.replace(FOLLOW_UP, ' '));
  const followUp = Boolean(prev) && (FOLLOW_UP.test(text) || words === 0 || (words <= 2 && score < 3));
  rest = rest.replace(FOLLOW_UP, ' ');
  let command: Intent;
  if (followUp && prev && (INTENTS as readonly string[]).includes(prev.command) && (!intent || score < 3)) {
    command = prev.command as Intent;
  } else if (intent && score >= 1) {
    command = intent;
    // "tickets" alone (weight 1) next to a why/sla reading is a mention, not a search.
    if (command === 'tickets' && score === 1 && !slots.ticketId) command = slots.queue || slots.range ? 'sla' : 'tickets';
  } else if (slots.ticketId) command = 'risk';
  else if (slots.queue || slots.range) command = 'sla';
  else command = 'help';

  if (followUp && prev) {
    // Inherit what the follow-up leaves unsaid.
    const p = prev.slots;
    if (slots.queue === undefined && p.queue !== undefined) slots.queue = p.queue;
    if (slots.range === undefined && p.range !== undefined) slots.range = p.range;
    if (command === prev.command) {
      if (!hasLevers && p.levers) slots.levers = p.levers;
      if (slots.hours === undefined && p.hours !== undefined) slots.hours = p.hours;
      if (slots.ticketId === undefined && p.ticketId !== undefined) slots.ticketId = p.ticketId;
      if (slots.query === undefined && p.query !== undefined && command === 'tickets') slots.query = p.query;
      if (slots.similar === undefined && p.similar) slots.similar = p.similar;
      if (slots.metric === undefined && p.metric) slots.metric = p.metric;
      if (slots.target === undefined && p.target) slots.target = p.target;
      if (slots.shrinkagePct === undefined && p.shrinkagePct !== undefined) slots.shrinkagePct = p.shrinkagePct;
      if (slots.priority === undefined && p.priority) slots.priority = p.priority;
      if (slots.status === undefined && p.status) slots.status = p.status;
    }
  }

  if (command === 'tickets' && !(slots.similar && slots.ticketId)) {
    const f = ticketFilters(rest);
    if (f.priority.length) slots.priority = f.priority;
    if (f.status.length) slots.status = f.status;
    const words = f.rest
      .split(/\s+/)
      .filter((w) => w && !FILLER.has(w) && !/^(why|what|how|when|where|which|show|did|do|does|tell)$/.test(w))
      .map((w) => w.replace(/^'+|'+$/g, ''));
    const query = words.join(' ').trim();
    if (query) slots.query = query;
    else if (slots.query === undefined) slots.query = null;
  }
  if (command === 'kpi') {
    const m = KPI_METRICS.find(([re]) => re.test(text));
    if (m) slots.metric = m[1];
    else if (slots.metric === undefined) slots.metric = null;    // "what drives low CSAT?", "why are customers unhappy", "what affects satisfaction": the drivers.
    if ((slots.metric === 'csat' || slots.metric === null) && DRIVERS.test(text)) {
      slots.drivers = true;
      slots.metric = 'csat';
    }
  }
  if (command === 'export') {
    slots.dataset = EXPORT_DATASETS.find(([re]) => re.test(text))?.[1] ?? slots.dataset ?? 'tickets';
    slots.format = /\bjsonl?\b/.test(text) ? 'json' : /\bcsv\b/.test(text) ? 'csv' : slots.format ?? null;
  }
  if (command === 'risk' && !slots.ticketId) slots.ticketId = null;

  const lineToday = localToday(pctx.now, slots.queue ? pctx.queueTz(slots.queue) : pctx.tz);
  return { command, slots, line: lineFor(command, slots, lineToday), followUp, scores };
}
