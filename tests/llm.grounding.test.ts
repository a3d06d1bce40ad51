/**
 * Quantity-bound grounding (src/llm/grounding.ts) on a hand-written fact sheet: faithful prose with fact
 * references is filled in with SLA Radar's text; every way of stating a figure, unit, sign, quantity or
 * ticket the facts do not back fails, with a reason that does not quote the rejected text.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { groundExplanation, factTable } from '../src/llm/grounding.js';
import type { FactSheet } from '../src/llm/facts.js';

// Hand-written: values as the engine would print them, independent of the fact-sheet builders.
const sheet: FactSheet = {
  command: 'why',
  facts: [
    { name: 'queue', text: 'Billing', meaning: 'the queue', quantities: [] },
    { name: 'when', text: 'on 2026-11-19', meaning: 'the day', quantities: [] },
    { name: 'sl_after', text: '71.3 %', meaning: 'SL', quantities: ['sl'] },
    { name: 'sl_before', text: '79.5 %', meaning: 'SL before', quantities: ['sl'] },
    { name: 'sl_delta', text: '−8.2 pts', meaning: 'SL change', quantities: ['sl'], direction: 'down' },
    { name: 'sl_delta.abs', text: '8.2 pts', meaning: 'SL change, size', quantities: ['sl'], direction: 'down' },
    { name: 'driver.talk.change', text: '+12 %', meaning: 'talk change', quantities: ['talk'], direction: 'up' },
    { name: 'driver.talk.change.abs', text: '12 %', meaning: 'talk change, size', quantities: ['talk'], direction: 'up' },
    { name: 'driver.talk.points', text: '−5.1 pts', meaning: 'talk contribution', quantities: ['talk'], direction: 'down' },
    { name: 'driver.arrivals.change', text: '+3.0 %', meaning: 'arrivals change', quantities: ['arrivals'], direction: 'up' },
    { name: 'driver.arrivals.points', text: '−1.9 pts', meaning: 'arrivals contribution', quantities: ['arrivals'], direction: 'down' },
    { name: 'driver.agents.after', text: '12.5 on average', meaning: 'agents', quantities: ['agents'] },
    { name: 'ticket.T-1.probability', text: '64 %', meaning: 'T-1 risk', quantities: ['risk'], ticket: 'T-1' },
  ],
  directions: { sl: 'down', talk: 'up', arrivals: 'up' },
};
const ids = ['T-1', 'T-2'];
const check = (summary: string, points: string[] = [], citations: string[] = []) => groundExplanation({ summary, points, citations }, sheet, ids);

describe('faithful prose is filled in with the engine text', () => {
  test.each([
    ['{queue} SL fell {sl_delta.abs} {when}, to {sl_after}.', 'Billing SL fell 8.2 pts on 2026-11-19, to 71.3 %.'],
    ['SL {sl_delta} against the usual weekday.', 'SL −8.2 pts against the usual weekday.'],
    ['Talk time rose {driver.talk.change} and cost {driver.talk.points}; arrivals {driver.arrivals.change} cost {driver.arrivals.points}.', 'Talk time rose +12 % and cost −5.1 pts; arrivals +3.0 % cost −1.9 pts.'],
    ['The main cause is longer talk time ({driver.talk.change.abs} up), with {driver.agents.after} agents staffed.', 'The main cause is longer talk time (12 % up), with 12.5 on average agents staffed.'],
    ['T-1 has an escalation risk of {ticket.T-1.probability}.', 'T-1 has an escalation risk of 64 %.'],
    ['T-1 has an escalation risk of {ticket.T-1.probability} and T-2 is next.', 'T-1 has an escalation risk of 64 % and T-2 is next.'],
    ['SL dropped from {sl_before} to {sl_after} because calls went up.', 'SL dropped from 79.5 % to 71.3 % because calls went up.'],
    ['Nobody should read much into it: no one driver explains it all.', 'Nobody should read much into it: no one driver explains it all.'],
    ['Talk time moved {driver.talk.change} and its share of the SL change is {driver.talk.points}.', 'Talk time moved +12 % and its share of the SL change is −5.1 pts.'],
  ])('%s', (prose, filled) => {
    const v = check(prose);
    expect(v).toMatchObject({ ok: true, filled: { summary: filled } });
  });

  test('citations among those retrieved pass', () => {
    expect(check('Customers wrote about refunds, e.g. T-2.', [], ['T-2']).ok).toBe(true);
  });
});

describe('every figure the model writes itself fails closed', () => {
  test.each([
    ['digits glued to letters', 'SL fell 37pts; handle time grew x4.5.'],
    ['seconds', 'Talk time grew 95s.'],
    ['minutes', 'Talk grew by 42min.'],
    ['a bare decimal', 'SL fell .5 of a point.'],
    ['exponent notation', 'Arrivals were 3e1 per interval.'],
    ['a number word', 'SL fell thirty-seven points.'],
    ['a fraction word', 'SL fell by half.'],
    ['a multiplier word', 'Talk time doubled.'],
    ['a unicode fraction', 'About ½ of the drop is talk time.'],
    ['full-width digits', 'SL was ７１ %.'],
    ['a claim from a ticket', 'SLA is 100% for billing.'],
    ['a percent sign', 'SL fell a few % {when}.'],
    ['a date written by hand', 'SL fell on 2026-11-19.'],
  ])('%s', (_, prose) => {
    const v = check(prose);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).not.toMatch(/\d/);
  });
});

describe('references must be bound to the right sign, unit, quantity and ticket', () => {
  test.each([
    ['wrong sign on the size', 'SL rose {sl_delta.abs}.', /contradicts/],
    ['wrong sign next to the signed value', 'SL went up {sl_delta} {when}.', /contradicts/],
    ['wrong sign without a figure', 'SL rose {when}.', /contradicts/],
    ['unit of its own after a figure', 'SL fell {sl_delta.abs} percent.', /unit/],
    ['unit glued after', 'SL fell {sl_delta.abs}pts.', /glued/],
    ['multiplier glued before', 'Talk time grew x{driver.talk.change.abs}.', /glued/],
    ['a sign of its own', 'SL moved -{sl_delta.abs}.', /glued/],
    ['right figure, wrong quantity', 'Arrivals contributed {driver.talk.points}.', /wrong quantity/],
    ['a share attributed to the wrong driver', 'Talk time moved {driver.talk.change}; the share of arrivals is {driver.talk.points}.', /wrong quantity/],
    ['a count on the wrong quantity', 'SL was {driver.agents.after}.', /wrong quantity/],
    ['a level on the wrong quantity', 'Talk time was {sl_after}.', /wrong quantity/],
    ["another ticket's figure", 'T-2 has an escalation risk of {ticket.T-1.probability}.', /ticket/],
    ["another ticket's figure, its own id named after", 'T-2 has an escalation risk of {ticket.T-1.probability} and T-1 is flagged.', /ticket/],
    ['a ticket figure without its ticket', 'The highest escalation risk is {ticket.T-1.probability}.', /ticket/],
    ['an unknown fact', 'SL fell {sl_drop}.', /does not exist/],
    ['a direction nothing measures', 'Tickets went up {when}.', /cannot confirm/],
    ['agreeing with the question', 'Yes, SL fell {sl_delta.abs} as you said.', /agrees/],
  ])('%s', (_, prose, reason) => {
    const v = check(prose);
    expect(v).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  test('tickets: not retrieved, in text or citations; Slack control syntax', () => {
    expect(check('See T-99 about refunds.')).toMatchObject({ ok: false, reason: expect.stringMatching(/not among those retrieved/) });
    expect(check('Refunds.', [], ['T-99'])).toMatchObject({ ok: false, reason: expect.stringMatching(/not among those retrieved/) });
    expect(check('<!channel> refunds are broken')).toMatchObject({ ok: false, reason: expect.stringMatching(/Slack control/) });
    expect(check('Read <https://evil.example|this>.')).toMatchObject({ ok: false });
  });

  test('a point is checked like the summary', () => {
    expect(check('SL fell {sl_delta.abs}.', ['Talk time grew 95s.']).ok).toBe(false);
  });
});

describe('properties', () => {
  test('any digit anywhere in otherwise faithful prose fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 40 }), (n, at) => {
        const base = 'SL fell {sl_delta.abs} while talk time rose {driver.talk.change}.';
        const i = Math.min(at, base.length);
        // Insert outside a reference.
        const safe = base.lastIndexOf('{', i) > base.lastIndexOf('}', i) ? base.indexOf('}', i) + 1 : i;
        const prose = `${base.slice(0, safe)} ${n} ${base.slice(safe)}`;
        return groundExplanation({ summary: prose, points: [], citations: [] }, sheet, ids).ok === false;
      }),
    );
  });

  test('swapping the direction word of a bound change always fails', () => {
    const pairs: [string, string][] = [['fell', 'rose'], ['dropped', 'climbed'], ['down', 'up'], ['lower', 'higher'], ['decreased', 'increased']];
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.boolean(), ([down, up], swap) => {
        const prose = `SL ${swap ? up : down} {sl_delta.abs}.`;
        return groundExplanation({ summary: prose, points: [], citations: [] }, sheet, ids).ok === !swap;
      }),
    );
  });
});

test('the fact table lists every fact with its printed value', () => {
  const t = factTable(sheet);
  expect(t.split('\n')).toHaveLength(sheet.facts.length + 1);
  expect(t).toContain('sl_delta | −8.2 pts | SL change');
});
