/**
 * `alerts add|list|edit|remove|test|mute|unmute|status|digest|backtest` — alert rules and their history.
 *
 *   alerts add sl < 75 for 2 intervals queue=billing channel=#support-ops severity=high     (Slack)
 *   radar alerts add sl below 75 for 2 intervals --queue billing                           (CLI: no `<`, no bare #)
 *   alerts backtest --rule 3 --from 2026-10-01 --to 2026-10-31 --json
 *
 * Rules are stored in SQLite; the evaluator (src/alerts) runs them on a schedule. Changing or removing a rule is
 * for its creator and RADAR_ADMINS; the CLI is trusted.
 */
import { z } from 'zod';
import { defineCommand, UsageError, type CommandContext, type ParseContext } from '../src/registry.js';
import { tokenize, type Tokens } from '../src/grammar/tokens.js';
import { isIsoDate, parseDateExpr } from '../src/grammar/dates.js';
import { buildParseContext } from '../src/parseContext.js';
import { localToday, addDays, localParts } from '../src/time.js';
import { isValidTimeZone } from '../src/config.js';
import { header, section, context, divider, esc, fields, type Block } from '../src/blocks/kit.js';
import { table } from '../src/format.js';
import {
  RULE_EXAMPLE, applyPatch, canChange, channelMention, describeRule, finishRule, parseChannel, parseDurationMinutes, parseRuleTokens, ruleText,
  type Rule, type RulePatch,
} from '../src/alerts/rules.js';
import { METRICS, METRIC_INFO, formatValue } from '../src/alerts/metrics.js';
import { deleteRule, getRule, insertRule, listDigests, listRules, loadStates, setMute, updateRule, upsertDigest, deleteDigest, logEvent, type DigestSub } from '../src/alerts/store.js';
import { evaluate, type ScopeResult } from '../src/alerts/evaluator.js';
import { backtest, type BacktestReport } from '../src/alerts/backtest.js';
import { loadEngines } from '../src/alerts/engines.js';
import { buildDigest } from '../src/alerts/digest.js';
import type { DigestView } from '../src/alerts/view.js';

const EX_ADD = RULE_EXAMPLE;
const EX_BACKTEST = 'alerts backtest --rule 1 --from 2026-10-01 --to 2026-10-31';
const EX_DIGEST = 'alerts digest channel=#support-ops 08:30 Europe/London';
const FOREVER = 253_402_300_799_000; // 9999-12-31: "muted until unmuted"

const id = z.number().int().positive().describe('Rule id (see `alerts list`)');

export const alertsArgs = z.discriminatedUnion('action', [
  z.object({ action: z.literal('list') }),
  z.object({ action: z.literal('status') }),
  z.object({ action: z.literal('help') }),
  z.object({ action: z.literal('add'), rule: z.string().min(1).describe(`Rule text, e.g. "${EX_ADD.replace('alerts add ', '')}"`) }),
  z.object({ action: z.literal('edit'), id, rule: z.string().min(1).describe('Only what changes, e.g. "severity=critical" or "sl < 70 for 3 intervals"') }),
  z.object({ action: z.literal('remove'), id }),
  z.object({ action: z.literal('test'), id: id.nullable().default(null), rule: z.string().min(1).nullable().default(null) }),
  z.object({ action: z.literal('mute'), id, minutes: z.number().int().positive().nullable().default(null).describe('null = until unmuted') }),
  z.object({ action: z.literal('unmute'), id }),
  z.object({
    action: z.literal('digest'),
    op: z.enum(['set', 'off', 'list', 'preview']),
    channel: z.string().nullable().default(null),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM, e.g. 08:30').nullable().default(null),
    tz: z.string().refine(isValidTimeZone, 'tz must be an IANA time zone, e.g. Europe/London').nullable().default(null),
  }),
  z.object({
    action: z.literal('backtest'),
    rules: z.union([z.literal('all'), z.array(z.number().int().positive()).min(1)]).default('all'),
    from: z.string().refine(isIsoDate, 'from must be a date YYYY-MM-DD'),
    to: z.string().refine(isIsoDate, 'to must be a date YYYY-MM-DD'),
    flapMinutes: z.number().int().min(0).max(1440).default(30),
  }),
]);
export type AlertsArgs = z.output<typeof alertsArgs>;

export interface RuleRow {
  id: number;
  summary: string;
  text: string;
  createdBy: string | null;
  mutedUntil: number | null;
  firing: { scope: string; since: number | null; value: string; severity: string | null }[];
  pending: string[];
}

export type AlertsResult =
  | { kind: 'list'; rules: RuleRow[]; digests: DigestSub[]; note: string | null }
  | { kind: 'status'; firing: { ruleId: number; scope: string; since: number | null; value: string; severity: string | null; acked: string | null; snoozedUntil: number | null }[]; pending: { ruleId: number; scope: string }[] }
  | { kind: 'added' | 'edited'; rule: RuleRow; note: string | null }
  | { kind: 'removed'; id: number; summary: string }
  | { kind: 'muted' | 'unmuted'; id: number; until: number | null }
  | { kind: 'refused'; message: string }
  | { kind: 'test'; summary: string; results: (ScopeResult & { label: string })[]; unavailable: string[]; stored: boolean }
  | { kind: 'digest'; op: 'set' | 'off' | 'list'; digests: DigestSub[]; message: string }
  | { kind: 'digest_preview'; view: DigestView }
  | { kind: 'help'; lines: string[] };

export type AlertsOutput = AlertsResult | BacktestReport;

const isBacktest = (r: AlertsOutput): r is BacktestReport => 'alerts' in r && 'summary' in r;

// ------------------------------------------------------------------------------------------------ grammar

/** Tokens back to text (quoted where needed) — the rule text stored and re-parsed in run(). */
function tokensText(t: Tokens): string {
  const q = (s: string) => (/\s/.test(s) ? `"${s.replace(/"/g, "'")}"` : s);
  return [...t.positional.map(q), ...Object.entries(t.options).map(([k, v]) => q(`${k}=${v}`))].join(' ');
}

function takeId(word: string | undefined, example: string): number {
  const n = Number((word ?? '').replace(/^#/, ''));
  if (!word || !Number.isInteger(n) || n <= 0) throw new UsageError(`Which rule? Give its number from \`alerts list\`${word ? ` (got "${word}")` : ''}.`, example);
  return n;
}

const SUBCOMMANDS = ['add', 'list', 'edit', 'remove', 'test', 'mute', 'unmute', 'status', 'digest', 'backtest', 'help'];
const SUB_ALIASES: Record<string, string> = { new: 'add', create: 'add', ls: 'list', show: 'list', rules: 'list', update: 'edit', change: 'edit', rm: 'remove', delete: 'remove', del: 'remove', try: 'test', check: 'test', silence: 'mute', firing: 'status', active: 'status', replay: 'backtest' };

function parseAlerts(t: Tokens, pctx: ParseContext): z.input<typeof alertsArgs> {
  const [first, ...rest] = t.positional;
  const sub = first ? (SUB_ALIASES[first.toLowerCase()] ?? first.toLowerCase()) : Object.keys(t.options).some((k) => k === 'rule' || k === 'from' || k === 'all') ? 'backtest' : 'list';
  const restTokens: Tokens = { positional: rest, options: { ...t.options } };
  switch (sub) {
    case 'list':
    case 'status':
    case 'help':
      return { action: sub };
    case 'add': {
      if (!rest.length && !Object.keys(t.options).length) {
        throw new UsageError('Tell me what to watch: a metric, a comparison and a threshold, plus where to post.', EX_ADD);
      }
      parseRuleTokens(restTokens, pctx, { mode: 'full', example: EX_ADD }); // fail early with a precise message
      return { action: 'add', rule: tokensText(restTokens) };
    }
    case 'edit': {
      const ruleId = takeId(rest[0], 'alerts edit 1 severity=critical');
      const patchTokens: Tokens = { positional: rest.slice(1), options: t.options };
      if (!patchTokens.positional.length && !Object.keys(patchTokens.options).length) throw new UsageError('What should change? Give the new parts of the rule.', 'alerts edit 1 sl < 70 for 3 intervals');
      parseRuleTokens(patchTokens, pctx, { mode: 'patch', example: 'alerts edit 1 severity=critical' });
      return { action: 'edit', id: ruleId, rule: tokensText(patchTokens) };
    }
    case 'remove':
      if (rest.length > 1) throw new UsageError(`Remove one rule at a time (got "${rest.join(' ')}").`, 'alerts remove 1');
      return { action: 'remove', id: takeId(rest[0], 'alerts remove 1') };
    case 'unmute':
      return { action: 'unmute', id: takeId(rest[0], 'alerts unmute 1') };
    case 'mute': {
      const ruleId = takeId(rest[0], 'alerts mute 1 2h');
      const words = rest.slice(1).filter((w) => !['for', 'until'].includes(w.toLowerCase()));
      let minutes: number | null = null;
      if (words.length) {
        minutes = parseDurationMinutes(words.join(''));
        if (minutes === null || minutes <= 0) throw new UsageError(`I couldn't read the mute duration "${words.join(' ')}".`, 'alerts mute 1 2h');
      }
      return { action: 'mute', id: ruleId, minutes };
    }
    case 'test': {
      if (rest.length === 1 && /^#?\d+$/.test(rest[0]) && !Object.keys(t.options).length) return { action: 'test', id: takeId(rest[0], 'alerts test 1'), rule: null };
      if (!rest.length && !Object.keys(t.options).length) throw new UsageError('Test which rule? Give its number or a rule text.', 'alerts test 1');
      parseRuleTokens(restTokens, pctx, { mode: 'full', example: 'alerts test sl < 75 queue=billing' });
      return { action: 'test', id: null, rule: tokensText(restTokens) };
    }
    case 'digest': {
      let op: 'set' | 'off' | 'list' | 'preview' = 'set';
      let channel: string | null = null;
      let time: string | null = null;
      let tz: string | null = t.options.tz ?? t.options.timezone ?? null;
      if (t.options.channel) channel = parseChannel(t.options.channel) ?? `#${t.options.channel.replace(/^#/, '')}`;
      if (t.options.at || t.options.time) time = (t.options.at ?? t.options.time)!;
      for (const w of rest) {
        const lw = w.toLowerCase();
        if (['off', 'stop', 'remove', 'unsubscribe', 'none'].includes(lw)) op = 'off';
        else if (['list', 'show'].includes(lw)) op = 'list';
        else if (['preview', 'now', 'test'].includes(lw)) op = 'preview';
        else if (parseChannel(w) && (w.startsWith('#') || w.startsWith('<#'))) channel = parseChannel(w);
        else if (/^\d{1,2}:\d{2}$/.test(w)) time = w.padStart(5, '0');
        else if (/^\d{1,2}(am|pm)$/i.test(w)) {
          const h = (Number(w.slice(0, -2)) % 12) + (/pm$/i.test(w) ? 12 : 0);
          time = `${String(h).padStart(2, '0')}:00`;
        } else if (w.includes('/') && isValidTimeZone(w)) tz = w;
        else if (lw === 'at' || lw === 'daily' || lw === 'in') continue;
        else throw new UsageError(`I didn't understand "${w}" in the digest settings.`, EX_DIGEST);
      }
      if (!rest.length && !channel && !time) op = 'list';
      if (op === 'set' && !time) throw new UsageError('At what local time should the digest go out? (HH:MM)', EX_DIGEST);
      return { action: 'digest', op, channel, time, tz };
    }
    case 'backtest': {
      const o = t.options;
      let rules: 'all' | number[] = 'all';
      const ids = (o.rule ?? o.rules ?? o.id) as string | undefined;
      if (ids !== undefined && ids !== 'true') {
        rules = ids.split(',').map((x) => takeId(x.trim(), EX_BACKTEST));
      }
      const words = [...rest];
      if (ids === undefined && words.length && /^#?\d+(,#?\d+)*$/.test(words[0])) rules = words.shift()!.split(',').map((x) => takeId(x, EX_BACKTEST));
      if (words[0]?.toLowerCase() === 'all') words.shift();
      const today = localToday(pctx.now, pctx.tz);
      let from = o.from ?? null;
      let to = o.to ?? null;
      if (from) from = parseDateExpr(from, today)?.from ?? from;
      if (to) to = parseDateExpr(to, today)?.to ?? to;
      if (!from && !to && words.length) {
        const r = parseDateExpr(words.join(' '), today);
        if (!r) throw new UsageError(`I couldn't read the period "${words.join(' ')}".`, EX_BACKTEST);
        from = r.from;
        to = r.to;
      } else if (words.length) throw new UsageError(`I didn't understand "${words.join(' ')}".`, EX_BACKTEST);
      if (!from && !to) {
        from = addDays(today, -30);
        to = addDays(today, -1);
      }
      from ??= to;
      to ??= from;
      if (!isIsoDate(from!) || !isIsoDate(to!)) throw new UsageError(`Dates must be YYYY-MM-DD (got ${from}..${to}).`, EX_BACKTEST);
      if (from! > to!) throw new UsageError(`The period must end on or after its start (got ${from}..${to}).`, EX_BACKTEST);
      const flap = o.flap ?? o['flap-minutes'];
      return { action: 'backtest', rules, from: from!, to: to!, ...(flap ? { flapMinutes: Number(flap) } : {}) };
    }
    default: {
      throw new UsageError(`I don't know "alerts ${first}". Try one of: ${SUBCOMMANDS.join(', ')}.`, EX_ADD);
    }
  }
}

// ------------------------------------------------------------------------------------------------ run

function ruleRow(rule: Rule, states: ReturnType<typeof loadStates>): RuleRow {
  const mine = [...states.values()].filter((s) => s.ruleId === rule.id);
  return {
    id: rule.id,
    summary: describeRule(rule.spec),
    text: ruleText(rule.spec),
    createdBy: rule.createdBy,
    mutedUntil: rule.mutedUntil,
    firing: mine.filter((s) => s.phase === 'firing').map((s) => ({ scope: s.scope, since: s.firedAt, value: formatValue(rule.spec.metric, s.lastValue), severity: s.severity })),
    pending: mine.filter((s) => s.phase === 'pending').map((s) => s.scope),
  };
}

function refusal(rule: Rule, action: string): AlertsResult {
  const who = rule.createdBy ? `its creator (<@${rule.createdBy}>)` : 'whoever set it up from the CLI';
  return {
    kind: 'refused',
    message: `Sorry — only ${who} or a Radar admin can ${action} rule #${rule.id}. You can add your own rule with \`/radar ${EX_ADD}\`, or ask them.`,
  };
}

function defaultTz(patch: RulePatch, pctx: ParseContext, fallback: string): string {
  if (patch.tz) return patch.tz;
  if (patch.scope?.kind === 'queues' && patch.scope.queues.length === 1) return pctx.queueTz(patch.scope.queues[0]);
  return fallback;
}

function mustRule(ctx: CommandContext, ruleId: number, example: string): Rule {
  const rule = getRule(ctx.db, ruleId);
  if (!rule) {
    const ids = listRules(ctx.db).map((r) => r.id);
    throw new UsageError(`There is no rule #${ruleId}.${ids.length ? ` Rules: ${ids.map((i) => `#${i}`).join(', ')}.` : ' No rules yet.'}`, example);
  }
  return rule;
}

async function run(ctx: CommandContext, args: AlertsArgs): Promise<AlertsOutput> {
  const db = ctx.db;
  const now = ctx.now.getTime();
  const pctx = buildParseContext(db, ctx.config, ctx.now);
  const admins = ctx.config.RADAR_ADMINS;
  switch (args.action) {
    case 'help':
      return { kind: 'help', lines: METRICS.map((m) => `${m.padEnd(13)} ${METRIC_INFO[m].describe}`) };
    case 'list': {
      const states = loadStates(db);
      const rules = listRules(db).map((r) => ruleRow(r, states));
      return { kind: 'list', rules, digests: listDigests(db), note: rules.length ? null : `No alert rules yet. Add one: \`${EX_ADD}\`` };
    }
    case 'status': {
      const rules = new Map(listRules(db).map((r) => [r.id, r]));
      const states = [...loadStates(db).values()];
      return {
        kind: 'status',
        firing: states
          .filter((s) => s.phase === 'firing')
          .map((s) => ({ ruleId: s.ruleId, scope: s.scope, since: s.firedAt, value: formatValue(rules.get(s.ruleId)!.spec.metric, s.lastValue), severity: s.severity, acked: s.ackedBy, snoozedUntil: s.snoozedUntil })),
        pending: states.filter((s) => s.phase === 'pending').map((s) => ({ ruleId: s.ruleId, scope: s.scope })),
      };
    }
    case 'add': {
      const patch = parseRuleTokens(tokenize(args.rule), pctx, { mode: 'full', example: EX_ADD });
      if (patch.channel === undefined && ctx.surface === 'slack' && ctx.channelId) patch.channel = ctx.channelId;
      const spec = finishRule(patch, defaultTz(patch, pctx, ctx.config.ALERTS_TZ), EX_ADD);
      const rule = insertRule(db, spec, args.rule, ctx.userId ?? null, now);
      logEvent(db, { ruleId: rule.id, scope: '*', kind: 'rule_added', at: now, value: null, actor: ctx.userId ?? null, detail: args.rule });
      const notes: string[] = [];
      if (!spec.channel) notes.push('No channel: the rule is tracked but posts nowhere. Add one with `alerts edit ' + rule.id + ' channel=#support-ops`.');
      if (pctx.queues.length === 0) notes.push('No queues in the warehouse yet, so queue names were not checked.');
      const engineNeed = METRIC_INFO[spec.metric].engine;
      if (engineNeed === 'risk') {
        const engines = await loadEngines();
        if (!engines.scoreOpenTickets) notes.push('Risk scores are not available yet (no trained model); this rule waits until they are.');
      }
      return { kind: 'added', rule: ruleRow(rule, loadStates(db, rule.id)), note: notes.join(' ') || null };
    }
    case 'edit': {
      const rule = mustRule(ctx, args.id, 'alerts edit 1 severity=critical');
      if (!canChange(rule, ctx.userId, admins)) return refusal(rule, 'change');
      const patch = parseRuleTokens(tokenize(args.rule), pctx, { mode: 'patch', example: 'alerts edit 1 severity=critical' });
      const spec = applyPatch(rule.spec, patch, 'alerts edit 1 severity=critical');
      const updated = updateRule(db, rule.id, spec, ruleText(spec), now);
      logEvent(db, { ruleId: rule.id, scope: '*', kind: 'rule_edited', at: now, value: null, actor: ctx.userId ?? null, detail: args.rule });
      return { kind: 'edited', rule: ruleRow(updated, loadStates(db, rule.id)), note: null };
    }
    case 'remove': {
      const rule = mustRule(ctx, args.id, 'alerts remove 1');
      if (!canChange(rule, ctx.userId, admins)) return refusal(rule, 'remove');
      deleteRule(db, rule.id);
      logEvent(db, { ruleId: rule.id, scope: '*', kind: 'rule_removed', at: now, value: null, actor: ctx.userId ?? null, detail: ruleText(rule.spec) });
      return { kind: 'removed', id: rule.id, summary: describeRule(rule.spec) };
    }
    case 'mute':
    case 'unmute': {
      const rule = mustRule(ctx, args.id, `alerts ${args.action} 1`);
      if (!canChange(rule, ctx.userId, admins)) return refusal(rule, args.action);
      const until = args.action === 'mute' ? (args.minutes ? now + args.minutes * 60_000 : FOREVER) : null;
      setMute(db, rule.id, until, ctx.userId ?? null, now);
      logEvent(db, { ruleId: rule.id, scope: '*', kind: args.action === 'mute' ? 'muted' : 'unmuted', at: now, value: null, actor: ctx.userId ?? null, detail: until ? String(until) : null });
      return { kind: args.action === 'mute' ? 'muted' : 'unmuted', id: rule.id, until };
    }
    case 'test': {
      const engines = await loadEngines();
      let summary: string;
      let report;
      if (args.id !== null) {
        const rule = mustRule(ctx, args.id, 'alerts test 1');
        summary = `#${rule.id} ${describeRule(rule.spec)}`;
        report = evaluate(db, { now: ctx.now, engines, defaultTz: ctx.config.RADAR_TZ, ruleIds: [rule.id], dryRun: true, explain: false });
      } else {
        const patch = parseRuleTokens(tokenize(args.rule!), pctx, { mode: 'full', example: 'alerts test sl < 75 queue=billing' });
        const spec = finishRule(patch, defaultTz(patch, pctx, ctx.config.ALERTS_TZ), 'alerts test sl < 75 queue=billing');
        const adHoc: Rule = { id: -1, spec, sourceText: args.rule!, enabled: true, mutedUntil: null, mutedBy: null, createdBy: null, createdAt: now, updatedAt: now };
        summary = describeRule(spec);
        report = evaluate(db, { now: ctx.now, engines, defaultTz: ctx.config.RADAR_TZ, adHocRules: [adHoc], ruleIds: [-1], dryRun: true, explain: false });
      }
      const names = new Map(pctx.queues.map((q) => [q, q]));
      return {
        kind: 'test',
        summary,
        stored: args.id !== null,
        results: report.results.map((r) => ({ ...r, label: names.get(r.scope) ?? r.scope })),
        unavailable: report.unavailable.map((u) => u.reason),
      };
    }
    case 'digest': {
      if (args.op === 'list') return { kind: 'digest', op: 'list', digests: listDigests(db), message: '' };
      const channel = args.channel ?? (ctx.surface === 'slack' ? ctx.channelId ?? null : null);
      if (!channel) throw new UsageError('Which channel should get the digest?', EX_DIGEST);
      if (args.op === 'preview') {
        const engines = await loadEngines();
        const tz = args.tz ?? ctx.config.ALERTS_TZ;
        const date = addDays(localParts(now, tz).date, -1);
        return { kind: 'digest_preview', view: buildDigest(db, channel, date, tz, ctx.now, { engines, defaultTz: ctx.config.RADAR_TZ }) };
      }
      const existing = listDigests(db).find((d) => d.channel === channel);
      if (args.op === 'off') {
        if (!existing) return { kind: 'digest', op: 'off', digests: listDigests(db), message: `${channelMention(channel)} has no digest.` };
        if (ctx.userId && existing.createdBy && existing.createdBy !== ctx.userId && !admins.includes(ctx.userId)) {
          return { kind: 'refused', message: `Sorry — only <@${existing.createdBy}> (who set it up) or a Radar admin can stop the digest in ${channelMention(channel)}.` };
        }
        deleteDigest(db, channel);
        return { kind: 'digest', op: 'off', digests: listDigests(db), message: `Daily digest in ${channelMention(channel)} stopped.` };
      }
      if (existing && ctx.userId && existing.createdBy && existing.createdBy !== ctx.userId && !admins.includes(ctx.userId)) {
        return { kind: 'refused', message: `Sorry — the digest in ${channelMention(channel)} was set up by <@${existing.createdBy}>; only they or a Radar admin can change it.` };
      }
      const tz = args.tz ?? existing?.timeZone ?? ctx.config.ALERTS_TZ;
      upsertDigest(db, { channel, localTime: args.time!, timeZone: tz, createdBy: existing?.createdBy ?? ctx.userId ?? null }, now);
      return { kind: 'digest', op: 'set', digests: listDigests(db), message: `Daily digest for ${channelMention(channel)} at ${args.time} ${tz}: yesterday's SLA per queue vs target, drift events, top-risk tickets and the alerts that fired.` };
    }
    case 'backtest': {
      const all = listRules(db);
      const rules = args.rules === 'all' ? all : args.rules.map((rid) => mustRule(ctx, rid, EX_BACKTEST));
      if (!rules.length) throw new UsageError('There are no rules to backtest yet. Add one first.', EX_ADD);
      const engines = await loadEngines();
      return backtest(db, rules, args.from, args.to, { engines, defaultTz: ctx.config.RADAR_TZ, flapMinutes: args.flapMinutes });
    }
  }
}

// ------------------------------------------------------------------------------------------------ render

const when = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');

function backtestText(r: BacktestReport): string {
  const s = r.summary;
  const lines = [`Backtest ${s.from}..${s.to} of rule${s.rules.length === 1 ? '' : 's'} ${s.rules.map((x) => `#${x}`).join(', ')}: ${s.fired} alert${s.fired === 1 ? '' : 's'} would have fired, ${s.flaps} flap${s.flaps === 1 ? '' : 's'}, mean duration ${s.meanDurationMinutes === null ? '–' : `${s.meanDurationMinutes} min`}.`];
  if (s.perRule.length > 1) lines.push(table(['rule', 'fired', 'flaps', 'mean min', 'firing min'], s.perRule.map((p) => [`#${p.rule}`, String(p.fired), String(p.flaps), p.meanDurationMinutes === null ? '–' : String(p.meanDurationMinutes), String(p.firingMinutes)])));
  if (r.alerts.length) {
    lines.push('');
    lines.push(
      table(
        ['rule', 'scope', 'fired (breach start)', 'resolved', 'minutes', 'peak', 'flap'],
        r.alerts.slice(0, 40).map((a) => [`#${a.rule}`, a.scope, a.firedAt.replace('T', ' ').slice(0, 16), a.resolvedAt ? a.resolvedAt.replace('T', ' ').slice(0, 16) : 'still firing', a.durationMinutes === null ? '–' : String(a.durationMinutes), a.peak === null ? '–' : String(a.peak), a.flap ? 'flap' : '']),
      ),
    );
    if (r.alerts.length > 40) lines.push(`… and ${r.alerts.length - 40} more (use --json for all).`);
  }
  for (const n of s.notes) lines.push(`Note: ${n}`);
  lines.push('A flap recovered within 30 minutes of being raised, or re-breached within its cooldown.');
  return lines.join('\n');
}

function digestText(v: DigestView): string {
  const lines = [`Digest for ${v.date} (${v.tz}) → ${v.channel}`];
  lines.push(table(['queue', 'SL', 'target', 'offered', 'abandon', 'intervals below'], v.queues.map((q) => [q.queue, q.sl === null ? '–' : `${(q.sl * 100).toFixed(1)} %`, `${q.targetPct} %`, String(q.offered), q.abandonRate === null ? '–' : `${(q.abandonRate * 100).toFixed(1)} %`, String(q.intervalsBelowTarget)])));
  lines.push(`Drift: ${v.drift.length ? v.drift.map((d) => `${d.queue} ${d.text}`).join('; ') : 'none open'}`);
  lines.push(`Top-risk tickets: ${v.risk.length ? v.risk.map((t) => `${t.ticketId} ${(t.score * 100).toFixed(0)} %`).join(', ') : v.riskNote ?? 'none'}`);
  lines.push(`Alerts fired: ${v.alertsFired}${v.alerts.length ? ' — ' + v.alerts.map((a) => `${a.label} ${a.scope}`).join(', ') : ''}`);
  return lines.join('\n');
}

function text(r: AlertsOutput): string {
  if (isBacktest(r)) return backtestText(r);
  switch (r.kind) {
    case 'help':
      return ['Metrics:', ...r.lines.map((l) => `  ${l}`), '', `Example: ${EX_ADD}`].join('\n');
    case 'list': {
      if (!r.rules.length) return r.note ?? 'No rules.';
      const lines = r.rules.map((x) => {
        const state = x.firing.length ? `🔴 firing: ${x.firing.map((f) => `${f.scope} ${f.value}`).join(', ')}` : x.pending.length ? `🟡 pending: ${x.pending.join(', ')}` : '🟢 ok';
        return `#${x.id}  ${x.summary}${x.mutedUntil ? ` [muted${x.mutedUntil < FOREVER ? ` until ${when(x.mutedUntil)}` : ''}]` : ''}\n     ${state}`;
      });
      if (r.digests.length) lines.push('', `Digests: ${r.digests.map((d) => `${d.channel} at ${d.localTime} ${d.timeZone}`).join('; ')}`);
      return lines.join('\n');
    }
    case 'status':
      if (!r.firing.length && !r.pending.length) return 'All quiet: no alert is firing or pending.';
      return [
        ...r.firing.map((f) => `🔴 #${f.ruleId} ${f.scope}: ${f.value} since ${when(f.since)}${f.severity ? ` (${f.severity})` : ''}${f.acked ? ` · acked by ${f.acked}` : ''}${f.snoozedUntil ? ` · snoozed until ${when(f.snoozedUntil)}` : ''}`),
        ...r.pending.map((p) => `🟡 #${p.ruleId} ${p.scope}: pending`),
      ].join('\n');
    case 'added':
    case 'edited':
      return `${r.kind === 'added' ? 'Added' : 'Updated'} rule #${r.rule.id}: ${r.rule.summary}${r.note ? `\n${r.note}` : ''}\nTest it now: alerts test ${r.rule.id} · replay history: alerts backtest --rule ${r.rule.id}`;
    case 'removed':
      return `Removed rule #${r.id}: ${r.summary}`;
    case 'muted':
      return `Muted rule #${r.id}${r.until && r.until < FOREVER ? ` until ${when(r.until)}` : ' until you unmute it (alerts unmute ' + r.id + ')'}. Its state is still tracked; nothing is posted meanwhile.`;
    case 'unmuted':
      return `Unmuted rule #${r.id}.`;
    case 'refused':
      return r.message;
    case 'test': {
      const lines = [`Test of ${r.summary}`];
      for (const u of r.unavailable) lines.push(`Unavailable: ${u}`);
      if (!r.results.length && !r.unavailable.length) lines.push('No scope to evaluate (no matching queue, or no ticket above the threshold).');
      for (const x of r.results) {
        const th = x.threshold === null ? '' : ` (threshold ${x.threshold.toFixed(1)})`;
        const now = x.breached === null ? 'no recent data' : x.breached ? 'breached now' : 'within threshold';
        lines.push(`${x.label}: ${x.valueText}${th} — ${now}; state ${x.phase}${x.effects.length ? ` → would post: ${x.effects.join(', ')}` : ''}`);
      }
      if (!r.stored) lines.push('(Dry run: nothing stored or posted.)');
      return lines.join('\n');
    }
    case 'digest':
      if (r.op === 'list') return r.digests.length ? r.digests.map((d) => `${d.channel} at ${d.localTime} ${d.timeZone}${d.lastSentDate ? ` (last sent ${d.lastSentDate})` : ''}`).join('\n') : `No digests. Subscribe a channel: ${EX_DIGEST}`;
      return r.message;
    case 'digest_preview':
      return digestText(r.view);
  }
}

function blocks(r: AlertsOutput): Block[] {
  if (isBacktest(r)) {
    const s = r.summary;
    const out: Block[] = [header(`Backtest ${s.from} → ${s.to}`)];
    out.push(fields([`*Alerts*\n${s.fired}`, `*Flaps*\n${s.flaps}`, `*Mean duration*\n${s.meanDurationMinutes === null ? '–' : `${s.meanDurationMinutes} min`}`, `*Rules*\n${s.rules.map((x) => `#${x}`).join(', ')}`]));
    if (r.alerts.length) {
      const rows = r.alerts.slice(0, 25).map((a) => `• #${a.rule} ${esc(a.scope)} ${a.firedAt.slice(0, 16).replace('T', ' ')} → ${a.resolvedAt ? a.resolvedAt.slice(11, 16) : 'still firing'} · peak ${a.peak ?? '–'}${a.flap ? ' · _flap_' : ''}`);
      out.push(section(rows.join('\n')));
      if (r.alerts.length > 25) out.push(context(`…and ${r.alerts.length - 25} more. \`radar alerts backtest … --json\` lists all.`));
    }
    for (const n of s.notes) out.push(context(esc(n)));
    return out;
  }
  switch (r.kind) {
    case 'list': {
      if (!r.rules.length) return [section(esc(r.note ?? 'No rules.'))];
      const out: Block[] = [header('Alert rules')];
      for (const x of r.rules.slice(0, 40)) {
        const state = x.firing.length ? `:red_circle: firing: ${x.firing.map((f) => `${esc(f.scope)} ${f.value}`).join(', ')}` : x.pending.length ? `:large_yellow_circle: pending: ${x.pending.map(esc).join(', ')}` : ':large_green_circle: ok';
        out.push(section(`*#${x.id}* ${esc(x.summary).replace(/&lt;#(C[A-Z0-9]+)&gt;/g, '<#$1>')}${x.mutedUntil ? ' · :mute: muted' : ''}${x.createdBy ? ` · by <@${x.createdBy}>` : ''}\n${state}`));
      }
      if (r.digests.length) out.push(context(`Digests: ${r.digests.map((d) => `${channelMention(d.channel)} at ${d.localTime} ${esc(d.timeZone)}`).join('; ')}`));
      return out;
    }
    case 'refused':
      return [section(`:no_entry: ${r.message}`)];
    case 'digest_preview': {
      return [section('```' + digestText(r.view).slice(0, 2900) + '```')];
    }
    default:
      return [section(esc(text(r)).replace(/&lt;#(C[A-Z0-9]+)&gt;/g, '<#$1>').replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>').slice(0, 2990)), divider(), context('`/radar alerts list` · `/radar alerts status` · `/radar alerts help`')];
  }
}

export const alerts = defineCommand({
  name: 'alerts',
  summary: 'Alert rules on SL, projected SL, abandons, ASA, arrivals, drift, risk and tickets due soon: add, list, edit, remove, test, mute, digest, backtest.',
  usage: 'alerts [add|list|edit|remove|test|mute|unmute|status|digest|backtest] …',
  examples: [
    EX_ADD,
    'alerts add projected_sl below target for 30m queue=billing channel=#support-ops severity=high quiet=22:00-07:00',
    'alerts add abandon above 8 for 2 intervals queue=all channel=#support-ops',
    'alerts add tickets_due within=30m channel=#support-ops',
    'alerts list',
    'alerts test 1',
    'alerts edit 1 severity=critical repeat=2h',
    'alerts mute 1 2h',
    EX_DIGEST,
    EX_BACKTEST,
    'alerts remove 1',
  ],
  aliases: ['alert'],
  args: alertsArgs,
  parse: parseAlerts,
  // Listing, status, help and backtests only read; every other action changes rules or subscriptions.
  writes: (a) => !['list', 'status', 'help', 'backtest'].includes(a.action),
  run,
  text,
  blocks,
});
