import { describe, expect, test } from 'vitest';
import { routeRules } from '../src/llm/rules.js';
import { parseCommandLine } from '../src/registry.js';
import { buildRegistry } from '../commands/index.js';
import type { ParseContext } from '../src/registry.js';

// Thursday 19 November 2026, New York: "next week" is Monday 23 – Sunday 29 November.
const pctx: ParseContext = { queues: ['billing', 'tech_support'], now: new Date('2026-11-19T15:00:00Z'), tz: 'America/New_York', queueTz: () => 'America/New_York' };
const registry = buildRegistry();

describe('router: demand-forecast questions go to forecast', () => {
  test.each([
    ['forecast ticket volume for next week', 'forecast next week'],
    ['what volume do we expect on billing next week?', 'forecast billing next week'],
    ['how many calls will tech support get tomorrow', 'forecast tech_support tomorrow'],
    ['expected contacts for billing over the next 14 days', 'forecast billing next 14 days'],
    ['show me the billing forecast', 'forecast billing'],
  ])('%s → %s', (q, line) => {
    const r = routeRules(q, pctx);
    expect(r.command).toBe('forecast');
    expect(r.line).toBe(line);
    // The line parses with the forecast grammar.
    const p = parseCommandLine(registry, r.line, pctx);
    expect(p.ok).toBe(true);
  });

  test('questions about the past still go to sla', () => {
    expect(routeRules('how was billing last week?', pctx).command).toBe('sla');
    expect(routeRules('sla next week', pctx).command).toBe('sla');
  });
});
