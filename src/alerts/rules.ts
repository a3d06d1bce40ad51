/**
 * Alert rules: the zod schema of a rule (what is stored, what the modal and the LLM produce) and the tolerant
 * grammar that reads rule text such as
 *
 *   sl < 75 for 2 intervals queue=billing channel=#support-ops severity=high
 *   projected_sl below target for 30m queues=billing,tech_support quiet=22:00-07:00 tz=Europe/London
 *
 * The canonical text of a rule (`ruleText`) parses back to the same rule, so edits and the modal round-trip.
 */
import { z } from 'zod';
import { UsageError, type ParseContext } from '../registry.js';
import type { Tokens } from '../grammar/tokens.js';
import { closest, matchQueue } from '../grammar/tokens.js';
import { isValidTimeZone } from '../config.js';
import { METRICS, METRIC_INFO, allMetricWords, metricOf, type Comparator, type Metric } from './metrics.js';

/** isValidTimeZone, memoised: every rule is parsed on every tick, and building an Intl formatter is not cheap. */
const tzValid = new Map<string, boolean>();
export function knownTimeZone(tz: string): boolean {
  let v = tzValid.get(tz);
  if (v === undefined) tzValid.set(tz, (v = isValidTimeZone(tz)));
  return v;
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Shell-safe as well as Slack-ready: `<` and a bare `#channel` would be taken by the shell on the CLI. */
export const RULE_EXAMPLE = 'alerts add sl below 75 for 2 intervals queue=billing channel=#support-ops severity=high';

const minuteOfDay = z.number().int().min(0).max(1439);
export const windowSchema = z.object({ from: minuteOfDay, to: minuteOfDay }).refine((w) => w.from !== w.to, 'a time window needs different start and end times');
export type TimeWindow = z.output<typeof windowSchema>;

export const thresholdSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('value'), value: z.number().finite() }),
  z.object({ kind: z.literal('target'), offset: z.number().finite().min(-100).max(100) }),
]);
export type Threshold = z.output<typeof thresholdSchema>;

export const scopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('queues'), queues: z.array(z.string().min(1)).min(1).max(200) }),
]);
export type RuleScope = z.output<typeof scopeSchema>;

export const DRIFT_DRIVERS = ['arrivals', 'talk', 'acw', 'agents', 'sl'] as const;

/** A stored rule. `tz` is filled in (queue's or ALERTS_TZ) before a rule is saved. */
export const ruleSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(80).nullable().default(null),
    metric: z.enum(METRICS),
    comparator: z.enum(['<', '<=', '>', '>=']),
    threshold: thresholdSchema,
    /** Hysteresis: once firing, the alert resolves only when the value is back past this level. */
    clear: thresholdSchema.nullable().default(null),
    /** A second, worse level at which the alert's severity becomes critical. */
    critical: z.number().finite().nullable().default(null),
    scope: scopeSchema.default({ kind: 'all' }),
    /** Minimum duration of the breach before it fires (anti-flap). */
    for: z.object({ n: z.number().int().min(0).max(10_000), unit: z.enum(['intervals', 'minutes']) }).default({ n: 1, unit: 'intervals' }),
    /** Re-notify (thread reply, broadcast) while still firing; null = once. */
    repeatMinutes: z.number().int().min(15).max(10_080).nullable().default(null),
    /** A new breach within this long after a resolve re-opens the same alert instead of posting a new one. */
    cooldownMinutes: z.number().int().min(0).max(10_080).default(30),
    severity: z.enum(SEVERITIES).default('medium'),
    /**
     * Channel id (C…), or #name until the poster first resolves it (then the id is written back here); null only
     * for CLI-made rules (then nothing is posted). Slack sends the id with the name (`<#C…|name>`), so rules made
     * in Slack store the id from the start.
     */
    channel: z.string().min(2).max(100).nullable().default(null),
    /** The channel's name (without #) when known, for messages and the terminal. */
    channelName: z.string().min(1).max(80).nullable().default(null),
    tz: z.string().refine(knownTimeZone, 'tz must be an IANA time zone, e.g. Europe/London'),
    /** Quiet hours: the state is tracked, notifications wait until they end. */
    quiet: windowSchema.nullable().default(null),
    /** Business hours: outside them (or on other days) observations are ignored. */
    hours: windowSchema.nullable().default(null),
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7).nullable().default(null),
    /** Ratio metrics ignore intervals with fewer offered contacts (their SL is noise). */
    minVolume: z.number().int().min(0).max(100_000).default(0),
    /** risk_count: the ticket risk threshold (probability). */
    risk: z.number().gt(0).lte(1).nullable().default(null),
    /** tickets_due: the window, minutes before due_at (overdue tickets always count). */
    withinMinutes: z.number().int().min(1).max(10_080).nullable().default(null),
    /** drift: only events of this driver. */
    driver: z.enum(DRIFT_DRIVERS).nullable().default(null),
  })
  .superRefine((r, ctx) => {
    const info = METRIC_INFO[r.metric];
    if (r.threshold.kind === 'target' && !info.targetRelative) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: `"target" only works with SL metrics (sl, sl_day, projected_sl), not ${r.metric}` });
    }
    if (info.unit === 'pct') {
      for (const [k, t] of [['threshold', r.threshold], ['clear', r.clear]] as const) {
        if (t && t.kind === 'value' && (t.value < 0 || t.value > 100)) ctx.addIssue({ code: 'custom', path: [k], message: `${k} of ${r.metric} is a percentage from 0 to 100` });
      }
    }
    if (r.clear && r.clear.kind === 'value' && r.threshold.kind === 'value') {
      const lower = r.comparator === '<' || r.comparator === '<=';
      if (lower ? r.clear.value < r.threshold.value : r.clear.value > r.threshold.value) {
        ctx.addIssue({ code: 'custom', path: ['clear'], message: `clear must be on the healthy side of the threshold (${lower ? '≥' : '≤'} ${r.threshold.value})` });
      }
    }
    if (r.critical !== null && r.threshold.kind === 'value') {
      const lower = r.comparator === '<' || r.comparator === '<=';
      if (lower ? r.critical > r.threshold.value : r.critical < r.threshold.value) {
        ctx.addIssue({ code: 'custom', path: ['critical'], message: `critical must be worse than the threshold (${lower ? '≤' : '≥'} ${r.threshold.value})` });
      }
    }
    if (r.risk !== null && r.metric !== 'risk_count') ctx.addIssue({ code: 'custom', path: ['risk'], message: 'risk= only applies to risk_count' });
    if (r.withinMinutes !== null && r.metric !== 'tickets_due') ctx.addIssue({ code: 'custom', path: ['withinMinutes'], message: 'within= only applies to tickets_due' });
    if (r.driver !== null && r.metric !== 'drift') ctx.addIssue({ code: 'custom', path: ['driver'], message: 'driver= only applies to drift' });
  });
export type RuleSpec = z.output<typeof ruleSpecSchema>;
export type RuleSpecInput = z.input<typeof ruleSpecSchema>;

/** What the grammar produced: any subset of a rule (a full rule for `add`, a patch for `edit`). */
export type RulePatch = Partial<Omit<RuleSpec, 'tz'>> & { tz?: string };

/** A rule as stored. */
export interface Rule {
  id: number;
  spec: RuleSpec;
  sourceText: string;
  enabled: boolean;
  mutedUntil: number | null;
  mutedBy: string | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

// ---------------------------------------------------------------------------------------------------------
// Small parsers (exported for tests and the modal)

/** `30m`, `2h`, `1h30m`, `90` (minutes), `1d`, `45 minutes` → minutes; `off`/`none`/`0` → 0; null when unreadable. */
export function parseDurationMinutes(s: string): number | null {
  const t = s.trim().toLowerCase().replace(/\s+/g, '');
  if (t === 'off' || t === 'none' || t === 'never' || t === 'no') return 0;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t));
  const re = /(\d+(?:\.\d+)?)(days?|d|hours?|hrs?|h|minutes?|mins?|m)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    if (m.index !== consumed) return null;
    consumed += m[0].length;
    const v = Number(m[1]);
    total += m[2].startsWith('d') ? v * 1440 : m[2].startsWith('h') ? v * 60 : v;
  }
  if (consumed !== t.length || consumed === 0) return null;
  return Math.round(total);
}

/** `22:00-07:00`, `9-17`, `08:30..18:00` → a window in minutes of the day; null when unreadable. */
export function parseWindow(s: string): TimeWindow | null {
  const m = s.trim().match(/^(\d{1,2})(?::(\d{2}))?\s*(?:-|–|\.\.|to)\s*(\d{1,2})(?::(\d{2}))?$/i);
  if (!m) return null;
  const a = Number(m[1]) * 60 + Number(m[2] ?? 0);
  const b = Number(m[3]) * 60 + Number(m[4] ?? 0);
  if (Number(m[1]) > 24 || Number(m[3]) > 24 || Number(m[2] ?? 0) > 59 || Number(m[4] ?? 0) > 59) return null;
  const from = a % 1440;
  const to = b % 1440;
  return from === to ? null : { from, to };
}

const DAY_WORDS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `mon-fri`, `weekdays`, `weekends`, `mon,wed,fri`, `sat-sun` → sorted weekday numbers (0 = Sunday). */
export function parseDays(s: string): number[] | null {
  const t = s.trim().toLowerCase();
  if (t === 'weekdays' || t === 'workdays') return [1, 2, 3, 4, 5];
  if (t === 'weekends' || t === 'weekend') return [0, 6];
  if (t === 'all' || t === 'daily' || t === 'everyday') return [0, 1, 2, 3, 4, 5, 6];
  const day = (w: string) => DAY_WORDS.indexOf(w.slice(0, 3));
  const out = new Set<number>();
  for (const part of t.split(',').filter(Boolean)) {
    const r = part.split(/-|\.\./);
    if (r.length === 1) {
      const d = day(r[0]);
      if (d < 0) return null;
      out.add(d);
    } else if (r.length === 2) {
      const a = day(r[0]);
      const b = day(r[1]);
      if (a < 0 || b < 0) return null;
      for (let d = a; ; d = (d + 1) % 7) {
        out.add(d);
        if (d === b) break;
      }
    } else return null;
  }
  return out.size ? [...out].sort((x, y) => x - y) : null;
}

export function formatDays(days: number[]): string {
  const key = days.join(',');
  if (key === '1,2,3,4,5') return 'mon-fri';
  if (key === '0,6') return 'weekends';
  if (key === '0,1,2,3,4,5,6') return 'all';
  return days.map((d) => DAY_WORDS[d]).join(',');
}

export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export function formatWindow(w: TimeWindow): string {
  return `${hhmm(w.from)}-${hhmm(w.to)}`;
}

/** Is local minute `m` inside the window (windows may wrap past midnight)? */
export function inWindow(w: TimeWindow, m: number): boolean {
  return w.from < w.to ? m >= w.from && m < w.to : m >= w.from || m < w.to;
}

export function formatDuration(minutes: number): string {
  if (minutes % 1440 === 0 && minutes >= 1440) return `${minutes / 1440}d`;
  if (minutes % 60 === 0 && minutes >= 60) return `${minutes / 60}h`;
  if (minutes > 60) return `${Math.floor(minutes / 60)}h${minutes % 60}m`;
  return `${minutes}m`;
}

/** `<#C0123|support-ops>` → C0123; `#support-ops` stays; `C0123ABC` stays; else null. */
export function parseChannel(s: string): string | null {
  const t = s.trim();
  const esc = t.match(/^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$/);
  if (esc) return esc[1];
  if (/^#[a-z0-9][a-z0-9._-]{0,79}$/i.test(t)) return t.toLowerCase();
  if (/^[CGD][A-Z0-9]{4,}$/.test(t)) return t;
  return null;
}

/** The name a channel reference carries (`<#C…|name>`, `#name`), without #, or null (a bare id). */
export function parseChannelName(s: string): string | null {
  const t = s.trim();
  const esc = t.match(/^<#[CGD][A-Z0-9]+\|([^>]+)>$/);
  if (esc) return esc[1].toLowerCase();
  if (/^#[a-z0-9][a-z0-9._-]{0,79}$/i.test(t)) return t.slice(1).toLowerCase();
  return null;
}

/** A channel as mrkdwn: ids become a Slack mention (with the name when known), names stay as typed. */
export function channelMention(ch: string, name?: string | null): string {
  return ch.startsWith('#') ? ch : name ? `<#${ch}|${name}>` : `<#${ch}>`;
}

const COMPARATOR_WORDS: Record<string, Comparator> = {
  '<': '<', '<=': '<=', '=<': '<=', '≤': '<=', '>': '>', '>=': '>=', '=>': '>=', '≥': '>=',
  below: '<', under: '<', lt: '<', less: '<', lte: '<=', le: '<=', above: '>', over: '>', gt: '>', more: '>', exceeds: '>', gte: '>=', ge: '>=',
};

function parseThresholdWord(word: string, metric: Metric | undefined, example: string): Threshold {
  const w = word.toLowerCase().replace(/\s+/g, '');
  const tm = w.match(/^target([+-]\d+(?:\.\d+)?)?%?$/);
  if (tm) return { kind: 'target', offset: tm[1] ? Number(tm[1]) : 0 };
  const nm = w.match(/^(-?\d+(?:\.\d+)?)(%|s|sec|secs|seconds)?$/);
  if (!nm) throw new UsageError(`I couldn't read the threshold "${word}": give a number (75, 75%, 30s) or "target" / "target-5".`, example);
  let v = Number(nm[1]);
  // "sl < 0.75" and "risk_ticket > 0.8" mean 75 % and 80 %: a fraction where a percentage is expected.
  if (metric && !nm[2] && /\./.test(nm[1]) && v > 0 && v < 1 && (METRIC_INFO[metric].targetRelative || metric === 'risk_ticket')) v = Math.round(v * 10000) / 100;
  return { kind: 'value', value: v };
}

function parseScopeValue(v: string, pctx: ParseContext, example: string): RuleScope {
  const parts = v.split(/[,;]+/).map((s) => s.trim()).filter(Boolean);
  if (!parts.length || parts.some((p) => p.toLowerCase() === 'all' || p === '*')) return { kind: 'all' };
  const queues: string[] = [];
  for (const p of parts) {
    if (!pctx.queues.length) {
      queues.push(p);
      continue;
    }
    const q = matchQueue(p, pctx.queues);
    if (!q) throw new UsageError(`I don't know the queue "${p}". Known queues: ${pctx.queues.join(', ')}.`, example);
    if (!queues.includes(q)) queues.push(q);
  }
  return { kind: 'queues', queues };
}

const OPTION_KEYS: Record<string, string> = {
  queue: 'queue', queues: 'queue', q: 'queue', scope: 'queue',
  channel: 'channel', ch: 'channel', to: 'channel', post: 'channel',
  severity: 'severity', sev: 'severity', level: 'severity', priority: 'severity',
  repeat: 'repeat', every: 'repeat', renotify: 'repeat',
  cooldown: 'cooldown',
  quiet: 'quiet', quiet_hours: 'quiet', quiethours: 'quiet', mute_hours: 'quiet',
  hours: 'hours', business_hours: 'hours', businesshours: 'hours', business: 'hours', active: 'hours',
  days: 'days',
  tz: 'tz', timezone: 'tz', time_zone: 'tz', zone: 'tz',
  name: 'name', title: 'name',
  min_volume: 'minVolume', minvolume: 'minVolume', 'min-volume': 'minVolume', min_offered: 'minVolume', 'min-offered': 'minVolume', volume_min: 'minVolume',
  clear: 'clear', resolve: 'clear', recover: 'clear',
  critical: 'critical', crit: 'critical',
  risk: 'risk', risk_threshold: 'risk',
  within: 'within', due_within: 'within', window: 'within',
  driver: 'driver',
  for: 'for', duration: 'for', min_duration: 'for',
  metric: 'metric', threshold: 'threshold', comparator: 'comparator',
};

export interface ParseRuleOptions {
  /** `add` needs metric, comparator and threshold; `edit` accepts any subset. */
  mode: 'full' | 'patch';
  example?: string;
}

/**
 * Reads rule text (already tokenised: `key=value` options + positional words) into a rule patch.
 * Throws UsageError naming what was wrong, with a correct example.
 */
export function parseRuleTokens(t: Tokens, pctx: ParseContext, opts: ParseRuleOptions): RulePatch {
  const example = opts.example ?? RULE_EXAMPLE;
  const out: RulePatch = {};
  // Split glued comparators: "sl<75", "sl<=75%", "abandon>5".
  const words: string[] = [];
  for (const w of t.positional) {
    const m = w.match(/^([a-z_][\w-]*)?(<=|>=|=<|=>|<|>|≤|≥)(.*)$/i);
    if (m && !w.startsWith('<#') && !w.startsWith('<@')) {
      if (m[1]) words.push(m[1]);
      words.push(m[2]);
      if (m[3]) words.push(m[3]);
    } else words.push(w);
  }
  const rest: string[] = [];
  let i = 0;
  const peek = (k = 0) => words[i + k];
  while (i < words.length) {
    const w = words[i];
    const lw = w.toLowerCase();
    const metric = metricOf(lw);
    if (metric && out.metric === undefined) {
      out.metric = metric;
      i++;
      continue;
    }
    if (COMPARATOR_WORDS[lw] !== undefined && out.comparator === undefined) {
      out.comparator = COMPARATOR_WORDS[lw];
      i++;
      if ((lw === 'less' || lw === 'more') && peek()?.toLowerCase() === 'than') i++;
      if (peek()?.toLowerCase() === 'than') i++;
      if (peek() === undefined) throw new UsageError(`I need a threshold after "${w}".`, example);
      // "target - 5" (spaced) is one threshold.
      let thr = peek();
      if (thr.toLowerCase() === 'target' && (peek(1) === '-' || peek(1) === '+') && peek(2) && /^\d/.test(peek(2))) {
        thr = `target${peek(1)}${peek(2)}`;
        i += 2;
      }
      out.threshold = parseThresholdWord(thr, out.metric, example);
      i++;
      continue;
    }
    if ((lw === 'at' && (peek(1)?.toLowerCase() === 'least' || peek(1)?.toLowerCase() === 'most')) && out.comparator === undefined) {
      out.comparator = peek(1)!.toLowerCase() === 'least' ? '>=' : '<=';
      i += 2;
      if (peek() === undefined) throw new UsageError(`I need a threshold after "at ${words[i - 1]}".`, example);
      out.threshold = parseThresholdWord(peek(), out.metric, example);
      i++;
      continue;
    }
    if (lw === 'for' || lw === 'lasting') {
      const a = peek(1);
      const b = peek(2)?.toLowerCase();
      if (a && /^\d+$/.test(a) && b && /^(intervals?|i|slots?|periods?)$/.test(b)) {
        out.for = { n: Number(a), unit: 'intervals' };
        i += 3;
        continue;
      }
      if (a && /^\d+i$/i.test(a)) {
        out.for = { n: Number(a.slice(0, -1)), unit: 'intervals' };
        i += 2;
        continue;
      }
      const joined = a && b && /^\d+(\.\d+)?$/.test(a) && /^(m|mins?|minutes?|h|hrs?|hours?|d|days?)$/.test(b) ? `${a}${b}` : null;
      const mins = joined ? parseDurationMinutes(joined) : a ? parseDurationMinutes(a) : null;
      if (mins === null || (a && /^\d+$/.test(a) && !joined)) {
        throw new UsageError(`I couldn't read the duration after "for": write "for 2 intervals", "for 30m" or "for 1h".`, example);
      }
      out.for = { n: mins, unit: 'minutes' };
      i += joined ? 3 : 2;
      continue;
    }
    const ch = parseChannel(w);
    if (ch && (w.startsWith('#') || w.startsWith('<#'))) {
      if (out.channel !== undefined) throw new UsageError(`Only one channel per rule (got ${out.channel} and ${w}).`, example);
      out.channel = ch;
      out.channelName = parseChannelName(w);
      i++;
      continue;
    }
    if ((SEVERITIES as readonly string[]).includes(lw) && out.severity === undefined) {
      out.severity = lw as Severity;
      i++;
      continue;
    }
    const q = pctx.queues.length ? matchQueue(w, pctx.queues) : null;
    if (q && !metricOf(lw)) {
      const prev = out.scope?.kind === 'queues' ? out.scope.queues : [];
      out.scope = { kind: 'queues', queues: prev.includes(q) ? prev : [...prev, q] };
      i++;
      continue;
    }
    if (lw === 'all' || lw === 'all-queues' || lw === 'everywhere') {
      out.scope = { kind: 'all' };
      i++;
      continue;
    }
    if (lw === 'when' || lw === 'if' || lw === 'is' || lw === 'in' || lw === 'on' || lw === 'alert') {
      i++;
      continue;
    }
    rest.push(w);
    i++;
  }

  for (const [rawKey, value] of Object.entries(t.options)) {
    const key = OPTION_KEYS[rawKey.toLowerCase()];
    if (!key) {
      const guess = closest(rawKey, Object.keys(OPTION_KEYS), 2);
      throw new UsageError(`I don't know the option "${rawKey}="${guess ? ` (did you mean ${guess}=?)` : ''}. Options: queue, channel, severity, repeat, cooldown, quiet, hours, days, tz, name, min_volume, clear, critical, risk, within, driver.`, example);
    }
    const bad = (what: string, eg: string): never => {
      throw new UsageError(`I couldn't read ${rawKey}="${value}": ${what}, e.g. ${rawKey}=${eg}.`, example);
    };
    switch (key) {
      case 'queue':
        out.scope = parseScopeValue(value, pctx, example);
        break;
      case 'channel':
        out.channel = parseChannel(value) ?? (/^[a-z0-9][a-z0-9._-]*$/i.test(value) ? `#${value.toLowerCase()}` : bad('a channel', '#support-ops'));
        out.channelName = parseChannel(value) ? parseChannelName(value) : out.channel.slice(1);
        break;
      case 'severity': {
        const s = value.toLowerCase();
        if (!(SEVERITIES as readonly string[]).includes(s)) bad(`one of ${SEVERITIES.join(', ')}`, 'high');
        out.severity = s as Severity;
        break;
      }
      case 'repeat': {
        const m = parseDurationMinutes(value);
        if (m === null) bad('a duration', '2h');
        out.repeatMinutes = m === 0 ? null : m;
        break;
      }
      case 'cooldown': {
        const m = parseDurationMinutes(value);
        if (m === null) bad('a duration', '30m');
        out.cooldownMinutes = m!;
        break;
      }
      case 'quiet':
      case 'hours': {
        if (['off', 'none', 'no'].includes(value.toLowerCase())) {
          out[key] = null;
          break;
        }
        const w = parseWindow(value);
        if (!w) bad('a time window HH:MM-HH:MM', key === 'quiet' ? '22:00-07:00' : '08:00-18:00');
        out[key] = w;
        break;
      }
      case 'days': {
        const d = parseDays(value);
        if (!d) bad('weekdays', 'mon-fri');
        out.days = d!.length === 7 ? null : d;
        break;
      }
      case 'tz':
        if (!isValidTimeZone(value)) bad('an IANA time zone', 'Europe/London');
        out.tz = value;
        break;
      case 'name':
        out.name = value.trim() || null;
        break;
      case 'minVolume': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) bad('a whole number of contacts', '20');
        out.minVolume = n;
        break;
      }
      case 'clear':
        out.clear = ['off', 'none'].includes(value.toLowerCase()) ? null : parseThresholdWord(value, out.metric, example);
        break;
      case 'critical': {
        if (['off', 'none'].includes(value.toLowerCase())) {
          out.critical = null;
          break;
        }
        const th = parseThresholdWord(value, out.metric, example);
        if (th.kind !== 'value') bad('a number', '60');
        out.critical = (th as { value: number }).value;
        break;
      }
      case 'risk': {
        let v = Number(value.replace(/%$/, ''));
        if (value.endsWith('%') || v > 1) v /= 100;
        if (!(v > 0 && v <= 1)) bad('a probability', '0.7');
        out.risk = v;
        break;
      }
      case 'within': {
        const m = parseDurationMinutes(value);
        if (m === null || m < 1 || m > 10_080) bad('a duration up to 7 days', '30m');
        out.withinMinutes = m;
        break;
      }
      case 'driver': {
        const d = value.toLowerCase();
        if (!(DRIFT_DRIVERS as readonly string[]).includes(d)) bad(`one of ${DRIFT_DRIVERS.join(', ')}`, 'arrivals');
        out.driver = d as RuleSpec['driver'];
        break;
      }
      case 'for': {
        const im = value.match(/^(\d+)\s*(?:i|intervals?)$/i);
        if (im) out.for = { n: Number(im[1]), unit: 'intervals' };
        else {
          const m = parseDurationMinutes(value);
          if (m === null) bad('a duration', '2i or 30m');
          out.for = { n: m!, unit: 'minutes' };
        }
        break;
      }
      case 'metric': {
        const m = metricOf(value);
        if (!m) bad(`a metric (${METRICS.join(', ')})`, 'sl');
        out.metric = m!;
        break;
      }
      case 'comparator': {
        const c = COMPARATOR_WORDS[value.toLowerCase()];
        if (!c) bad('< <= > >=', '<');
        out.comparator = c;
        break;
      }
      case 'threshold':
        out.threshold = parseThresholdWord(value, out.metric, example);
        break;
    }
  }

  if (rest.length) {
    const first = rest[0];
    const guess = closest(first.toLowerCase(), allMetricWords(), 2);
    if (out.metric === undefined && /^[a-z_]+$/i.test(first)) {
      throw new UsageError(
        `I don't know the metric "${first}"${guess ? ` (did you mean ${guess}?)` : ''}. Metrics: ${METRICS.join(', ')}.`,
        example,
      );
    }
    throw new UsageError(`I didn't understand "${rest.join(' ')}" in the rule.`, example);
  }
  if (opts.mode === 'full') {
    if (out.metric === undefined) throw new UsageError(`A rule needs a metric (${METRICS.join(', ')}), a comparison and a threshold.`, example);
    const implicit = METRIC_INFO[out.metric].implicit;
    if (out.comparator === undefined && out.threshold === undefined && implicit) {
      out.comparator = implicit.comparator;
      out.threshold = { kind: 'value', value: implicit.threshold };
    }
    if (out.comparator === undefined || out.threshold === undefined) {
      throw new UsageError(`The rule on ${out.metric} needs a comparison and a threshold, like "${out.metric} < 75".`, example);
    }
  }
  return out;
}

/** Fills defaults and validates a full rule. The caller supplies the default time zone. */
export function finishRule(patch: RulePatch, defaultTz: string, example = RULE_EXAMPLE): RuleSpec {
  const input = { ...patch, tz: patch.tz ?? defaultTz };
  const parsed = ruleSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; '), example);
  }
  return parsed.data;
}

/** Applies a patch to a stored rule and validates the result. */
export function applyPatch(spec: RuleSpec, patch: RulePatch, example = RULE_EXAMPLE): RuleSpec {
  return finishRule({ ...spec, ...patch }, spec.tz, example);
}

/** `pct` writes percentages with a % sign, so "0.5%" can never be read back as the fraction 0.5 = 50 %. */
function thresholdText(t: Threshold, pct = false): string {
  if (t.kind === 'target') return t.offset === 0 ? 'target' : `target${t.offset > 0 ? '+' : ''}${t.offset}`;
  return `${t.value}${pct ? '%' : ''}`;
}

/** Canonical rule text: parses back to the same rule (`parseRuleTokens(tokenize(ruleText(r)))`). */
export function ruleText(r: RuleSpec): string {
  const pct = METRIC_INFO[r.metric].unit === 'pct';
  const parts = [r.metric, r.comparator, thresholdText(r.threshold, pct)];
  parts.push(r.for.unit === 'intervals' ? `for ${r.for.n} intervals` : `for ${r.for.n}m`);
  parts.push(`queue=${r.scope.kind === 'all' ? 'all' : r.scope.queues.join(',')}`);
  if (r.channel) parts.push(`channel=${r.channel.startsWith('#') ? r.channel : channelMention(r.channel, r.channelName)}`);
  parts.push(`severity=${r.severity}`);
  if (r.repeatMinutes !== null) parts.push(`repeat=${r.repeatMinutes}m`);
  parts.push(`cooldown=${r.cooldownMinutes}m`);
  if (r.quiet) parts.push(`quiet=${formatWindow(r.quiet)}`);
  if (r.hours) parts.push(`hours=${formatWindow(r.hours)}`);
  if (r.days) parts.push(`days=${formatDays(r.days)}`);
  parts.push(`tz=${r.tz}`);
  if (r.minVolume) parts.push(`min_volume=${r.minVolume}`);
  if (r.clear) parts.push(`clear=${thresholdText(r.clear, pct)}`);
  if (r.critical !== null) parts.push(`critical=${r.critical}${pct ? '%' : ''}`);
  if (r.risk !== null) parts.push(`risk=${r.risk}`);
  if (r.withinMinutes !== null) parts.push(`within=${r.withinMinutes}m`);
  if (r.driver) parts.push(`driver=${r.driver}`);
  // The whole token is quoted ("name=SL watch") because the tokenizer groups quoted words, not quoted values.
  if (r.name) parts.push(`"name=${r.name.replace(/"/g, "'")}"`);
  return parts.join(' ');
}

/** Human summary: `SL (interval) < 75 % for 2 intervals · billing · #support-ops · high`. */
export function describeRule(r: RuleSpec): string {
  const info = METRIC_INFO[r.metric];
  const unit = info.unit === 'pct' ? ' %' : info.unit === 'seconds' ? ' s' : '';
  const thr = r.threshold.kind === 'target' ? `target${r.threshold.offset ? (r.threshold.offset > 0 ? ' + ' : ' − ') + Math.abs(r.threshold.offset) + ' pts' : ''}` : `${r.threshold.value}${unit}`;
  const dur = r.for.n === 0 ? '' : r.for.unit === 'intervals' ? ` for ${r.for.n} interval${r.for.n === 1 ? '' : 's'}` : ` for ${formatDuration(r.for.n)}`;
  const scope = r.scope.kind === 'all' ? 'all queues' : r.scope.queues.join(', ');
  const extras: string[] = [];
  if (r.quiet) extras.push(`quiet ${formatWindow(r.quiet)}`);
  if (r.hours) extras.push(`hours ${formatWindow(r.hours)}`);
  if (r.days) extras.push(formatDays(r.days));
  if (r.repeatMinutes) extras.push(`repeat ${formatDuration(r.repeatMinutes)}`);
  if (r.driver) extras.push(`driver ${r.driver}`);
  if (r.risk !== null) extras.push(`risk ≥ ${Math.round(r.risk * 100)} %`);
  if (r.metric === 'tickets_due') extras.push(`due within ${formatDuration(r.withinMinutes ?? 60)}`);
  return `${r.name ? `“${r.name}”: ` : ''}${info.label} ${r.comparator} ${thr}${dur} · ${scope} · ${r.channel ? channelMention(r.channel, r.channelName) : '(no channel)'} · ${r.severity}${extras.length ? ' · ' + extras.join(' · ') : ''} (${r.tz})`;
}

/** Whether `userId` may change `rule`: the CLI (no user), admins (RADAR_ADMINS) and the rule's creator. */
export function canChange(rule: Pick<Rule, 'createdBy'>, userId: string | undefined, admins: readonly string[]): boolean {
  if (!userId) return true;
  return admins.includes(userId) || (rule.createdBy !== null && rule.createdBy === userId);
}
