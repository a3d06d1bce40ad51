import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { tokenize } from '../src/grammar/tokens.js';
import { UsageError, type ParseContext, parseCommandLine, usageText } from '../src/registry.js';
import {
  finishRule, parseRuleTokens, ruleText, parseDurationMinutes, parseWindow, parseDays, parseChannel, inWindow, canChange, applyPatch,
  type RuleSpec, RULE_EXAMPLE,
} from '../src/alerts/rules.js';
import { METRICS, METRIC_INFO } from '../src/alerts/metrics.js';
import { buildRegistry } from '../commands/index.js';

const pctx: ParseContext = {
  queues: ['billing', 'tech_support', 'returns'],
  now: new Date('2026-11-20T12:00:00Z'),
  tz: 'UTC',
  queueTz: (q) => (q === 'billing' ? 'America/New_York' : 'UTC'),
};

const parse = (text: string, mode: 'full' | 'patch' = 'full') => parseRuleTokens(tokenize(text), pctx, { mode });
const full = (text: string) => finishRule(parse(text), 'UTC');

describe('rule grammar', () => {
  it('reads the issue example exactly', () => {
    const r = full('sl < 75 for 2 intervals queue=billing channel=#support-ops severity=high');
    expect(r).toMatchObject({
      metric: 'sl', comparator: '<', threshold: { kind: 'value', value: 75 }, for: { n: 2, unit: 'intervals' },
      scope: { kind: 'queues', queues: ['billing'] }, channel: '#support-ops', severity: 'high', cooldownMinutes: 30, repeatMinutes: null,
    });
  });

  it('accepts the tolerant forms a lead types', () => {
    expect(full('sl<75%').threshold).toEqual({ kind: 'value', value: 75 });
    expect(full('sl below 0.75').threshold).toEqual({ kind: 'value', value: 75 });
    expect(full('service_level under 80 billing tech').scope).toEqual({ kind: 'queues', queues: ['billing', 'tech_support'] });
    const p = full('projected_sl < target - 5 for 30m queues=billing,returns quiet=22:00-07:00 tz=Europe/London');
    expect(p).toMatchObject({ metric: 'projected_sl', threshold: { kind: 'target', offset: -5 }, for: { n: 30, unit: 'minutes' }, quiet: { from: 1320, to: 420 }, tz: 'Europe/London' });
    expect(full('abandon > 8 for 1h').for).toEqual({ n: 60, unit: 'minutes' });
    expect(full('asa >= 45s repeat=2h cooldown=off')).toMatchObject({ metric: 'asa', comparator: '>=', threshold: { value: 45 }, repeatMinutes: 120, cooldownMinutes: 0 });
    expect(full('drift queue=billing driver=arrivals')).toMatchObject({ metric: 'drift', comparator: '>', threshold: { value: 0 }, driver: 'arrivals' });
    expect(full('risk_count > 5 risk=80%')).toMatchObject({ metric: 'risk_count', risk: 0.8 });
    expect(full('sl < 75 <#C0123ABC|support-ops> critical')).toMatchObject({ channel: 'C0123ABC', channelName: 'support-ops', severity: 'critical' });
    expect(full('sl < 75 channel=<#C0123ABC|Support-Ops>')).toMatchObject({ channel: 'C0123ABC', channelName: 'support-ops' });
    expect(full('sl < 75 channel=C0123ABC')).toMatchObject({ channel: 'C0123ABC', channelName: null });
    expect(full('sl < 75 channel=support-ops')).toMatchObject({ channel: '#support-ops', channelName: 'support-ops' });
    expect(full('arrivals_z > 3 hours=8-18 days=mon-fri min_volume=20')).toMatchObject({ hours: { from: 480, to: 1080 }, days: [1, 2, 3, 4, 5], minVolume: 20 });
    expect(full('sl < 75 clear=80 critical=60')).toMatchObject({ clear: { kind: 'value', value: 80 }, critical: 60 });
  });

  it('gives a clear usage error with an example for bad rule text', () => {
    const cases: [string, RegExp][] = [
      ['slx < 75', /don't know the metric "slx" \(did you mean sl\?\)/],
      ['sl', /needs a comparison and a threshold/],
      ['sl < seventy', /couldn't read the threshold "seventy"/],
      ['sl < 75 queue=payroll', /don't know the queue "payroll"/],
      ['sl < 75 tz=Mars/Base', /IANA time zone/],
      ['sl < 75 for ever', /couldn't read the duration/],
      ['sl < 75 colour=red', /don't know the option "colour="/],
      ['sl < 75 wibble', /didn't understand "wibble"/],
    ];
    for (const [text, re] of cases) {
      let err: unknown;
      try {
        parse(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(UsageError);
      expect((err as UsageError).message, text).toMatch(re);
      expect((err as UsageError).example).toBe(RULE_EXAMPLE);
    }
    // Schema-level problems come back as usage errors too, naming the field.
    expect(() => full('sl < 75 clear=70')).toThrow(/clear must be on the healthy side/);
    expect(() => full('sl < 120')).toThrow(/percentage from 0 to 100/);
    expect(() => full('abandon > target')).toThrow(/"target" only works with SL metrics/);
    expect(() => full('sl < 75 risk=0.5')).toThrow(/risk= only applies to risk_count/);
  });

  it('through the registry, a bad rule prints what was wrong and a correct example', () => {
    const parsed = parseCommandLine(buildRegistry(), 'alerts add sl < lots queue=billing', pctx);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const text = usageText(parsed.error);
    expect(text).toContain(`couldn't read the threshold "lots"`);
    expect(text).toContain('Example: `/radar alerts add sl below 75 for 2 intervals queue=billing channel=#support-ops severity=high`');
  });

  it('patches keep what they do not mention', () => {
    const base = full('sl < 75 for 2 intervals queue=billing channel=#support-ops severity=high');
    const edited = applyPatch(base, parse('severity=critical repeat=1h', 'patch'));
    expect(edited).toEqual({ ...base, severity: 'critical', repeatMinutes: 60 });
  });

  it('canonical text parses back to the same rule (property)', () => {
    const pctArb = fc.integer({ min: 0, max: 1000 }).map((x) => x / 10);
    const tz = fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata');
    const window = fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 })).filter(([a, b]) => a !== b).map(([from, to]) => ({ from, to }));
    const ruleArb = fc
      .record({
        metric: fc.constantFrom(...METRICS),
        comparator: fc.constantFrom('<', '<=', '>', '>=' as const),
        useTarget: fc.boolean(),
        offset: fc.integer({ min: -20, max: 20 }),
        value: pctArb,
        withClear: fc.boolean(),
        clearGap: fc.integer({ min: 0, max: 50 }).map((x) => x / 10),
        withCritical: fc.boolean(),
        critGap: fc.integer({ min: 1, max: 50 }).map((x) => x / 10),
        scope: fc.oneof(fc.constant({ kind: 'all' as const }), fc.subarray(pctx.queues, { minLength: 1 }).map((queues) => ({ kind: 'queues' as const, queues }))),
        forN: fc.integer({ min: 0, max: 12 }),
        forUnit: fc.constantFrom('intervals', 'minutes' as const),
        repeat: fc.option(fc.integer({ min: 15, max: 1440 }), { nil: null }),
        cooldown: fc.integer({ min: 0, max: 240 }),
        severity: fc.constantFrom('low', 'medium', 'high', 'critical' as const),
        channel: fc.option(fc.oneof(fc.stringMatching(/^#[a-z0-9][a-z0-9-]{0,20}$/), fc.stringMatching(/^C[A-Z0-9]{8}$/)), { nil: null }),
        tz,
        quiet: fc.option(window, { nil: null }),
        hours: fc.option(window, { nil: null }),
        days: fc.option(fc.subarray([0, 1, 2, 3, 4, 5, 6], { minLength: 1, maxLength: 6 }), { nil: null }),
        minVolume: fc.integer({ min: 0, max: 50 }),
        risk: fc.integer({ min: 1, max: 100 }).map((x) => x / 100),
        within: fc.integer({ min: 1, max: 10_080 }),
        driver: fc.option(fc.constantFrom('arrivals', 'talk', 'acw', 'agents', 'sl' as const), { nil: null }),
        name: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,30}[A-Za-z0-9]$/), { nil: null }),
        // A channel id made in Slack carries its name (`<#C…|name>`); one typed as a bare id does not.
        channelName: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/), { nil: null }),
      })
      .map((g): RuleSpec => {
        const info = METRIC_INFO[g.metric];
        const lower = g.comparator === '<' || g.comparator === '<=';
        const raw = info.unit === 'pct' ? g.value : info.unit === 'seconds' ? Math.round(g.value * 6) : info.unit === 'z' ? g.value / 10 - 5 : Math.round(g.value / 10);
        const value = Math.round(raw * 10) / 10 + 0; // no -0
        const useTarget = g.useTarget && info.targetRelative;
        const threshold = useTarget ? { kind: 'target' as const, offset: g.offset } : { kind: 'value' as const, value };
        const clamp = (x: number) => (info.unit === 'pct' ? Math.min(100, Math.max(0, x)) : x);
        const clearValue = Math.round(clamp(lower ? value + g.clearGap : value - g.clearGap) * 10) / 10 + 0;
        const critValue = Math.round(clamp(lower ? value - g.critGap : value + g.critGap) * 10) / 10 + 0;
        return {
          name: g.name, metric: g.metric, comparator: g.comparator, threshold,
          clear: g.withClear && !useTarget ? { kind: 'value', value: clearValue } : null,
          critical: g.withCritical && !useTarget ? critValue : null,
          scope: g.scope, for: { n: g.forN, unit: g.forUnit }, repeatMinutes: g.repeat, cooldownMinutes: g.cooldown, severity: g.severity,
          channel: g.channel ? g.channel.toLowerCase().startsWith('#') ? g.channel.toLowerCase() : g.channel : null,
          channelName: !g.channel ? null : g.channel.startsWith('#') ? g.channel.slice(1).toLowerCase() : g.channelName,
          tz: g.tz, quiet: g.quiet, hours: g.hours, days: g.days ? [...g.days].sort((a, b) => a - b) : null, minVolume: g.minVolume,
          risk: g.metric === 'risk_count' ? g.risk : null, driver: g.metric === 'drift' ? g.driver : null,
          withinMinutes: g.metric === 'tickets_due' ? g.within : null,
        };
      });
    fc.assert(
      fc.property(ruleArb, (spec) => {
        const valid = finishRule(spec, spec.tz); // the generator only makes valid rules
        const back = finishRule(parseRuleTokens(tokenize(ruleText(valid)), pctx, { mode: 'full' }), 'UTC');
        expect(back).toEqual(valid);
      }),
      { numRuns: 200 },
    );
  });
});

describe('rule pieces', () => {
  it('durations, windows, days and channels', () => {
    expect(parseDurationMinutes('1h30m')).toBe(90);
    expect(parseDurationMinutes('2d')).toBe(2880);
    expect(parseDurationMinutes('45 minutes')).toBe(45);
    expect(parseDurationMinutes('off')).toBe(0);
    expect(parseDurationMinutes('soon')).toBeNull();
    expect(parseDurationMinutes('1h 30x')).toBeNull();
    expect(parseWindow('9-17')).toEqual({ from: 540, to: 1020 });
    expect(parseWindow('22:30..06:15')).toEqual({ from: 1350, to: 375 });
    expect(parseWindow('25-3')).toBeNull();
    expect(parseWindow('9-9')).toBeNull();
    expect(parseDays('fri-mon')).toEqual([0, 1, 5, 6]);
    expect(parseDays('weekdays')).toEqual([1, 2, 3, 4, 5]);
    expect(parseDays('funday')).toBeNull();
    expect(parseChannel('<#C0123ABC|support-ops>')).toBe('C0123ABC');
    expect(parseChannel('#Support-Ops')).toBe('#support-ops');
    expect(parseChannel('support ops')).toBeNull();
  });

  it('windows wrap past midnight', () => {
    const w = { from: 22 * 60, to: 7 * 60 };
    expect(inWindow(w, 23 * 60)).toBe(true);
    expect(inWindow(w, 3 * 60)).toBe(true);
    expect(inWindow(w, 7 * 60)).toBe(false);
    expect(inWindow(w, 12 * 60)).toBe(false);
    expect(inWindow({ from: 540, to: 1020 }, 540)).toBe(true);
    expect(inWindow({ from: 540, to: 1020 }, 1020)).toBe(false);
  });

  it('who may change a rule: admins, its creator, and the CLI', () => {
    const rule = { createdBy: 'UCREATOR' };
    expect(canChange(rule, 'UCREATOR', [])).toBe(true);
    expect(canChange(rule, 'UADMIN', ['UADMIN'])).toBe(true);
    expect(canChange(rule, 'UOTHER', ['UADMIN'])).toBe(false);
    expect(canChange(rule, undefined, [])).toBe(true);
    expect(canChange({ createdBy: null }, 'UOTHER', [])).toBe(false);
  });
});
