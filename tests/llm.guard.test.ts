import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { redact, redactDeep, luhnValid } from '../src/llm/redact.js';
import { guardExplanation, ungroundedNumbers, factNumbers } from '../src/llm/guard.js';
import { fill, parsePrompt, loadPrompt } from '../src/llm/prompts.js';

describe('redaction', () => {
  test('emails, phone numbers and card numbers are replaced; dates, times, ids and amounts stay', () => {
    const text =
      'Mail ann.lee+billing@example.co.uk or call +1 (555) 123-4567 / 020 7946 0958 / 5551234567. ' +
      'Card 4111 1111 1111 1111 and 4012888888881881. Ticket T-10234 on 2026-11-20 at 09:30, invoice 502, paid $49.99, order 12345.';
    const out = redact(text);
    expect(out).not.toMatch(/ann\.lee|example\.co\.uk/);
    expect(out).not.toMatch(/555|7946|4111|4012/);
    expect(out.match(/\[email\]/g)).toHaveLength(1);
    expect(out.match(/\[phone\]/g)).toHaveLength(3);
    expect(out.match(/\[card\]/g)).toHaveLength(2);
    for (const kept of ['T-10234', '2026-11-20', '09:30', 'invoice 502', '$49.99', 'order 12345']) expect(out).toContain(kept);
  });

  test('Luhn: a valid test number passes, a one-digit change fails; a grouped Luhn-invalid number is kept unless grouped 4-4-4-4', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true); // the classic worked example
    expect(redact('ref 4111111111111112')).toBe('ref [card]'); // 16 bare digits: a mistyped card is still a card
    expect(luhnValid('41111111111111123')).toBe(false);
    expect(redact('ref 4111 1111 1111 1112 3')).toBe('ref 4111 1111 1111 1112 3'); // grouped 17 digits, not 4-4-4-4, Luhn fails: kept
    expect(redact('card 1234-5678-9012-3456')).toBe('card [card]');
  });

  test('property: any generated email inside text is removed, and redaction is idempotent', () => {
    const local = fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}[a-z0-9]$/);
    const domain = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z]$/);
    fc.assert(
      fc.property(local, domain, fc.constantFrom('com', 'org', 'io', 'co.uk'), fc.string({ maxLength: 20 }), (l, d, tld, noise) => {
        const email = `${l}@${d}.${tld}`;
        const once = redact(`${noise} ${email} ${noise}`);
        expect(once).not.toContain(email);
        expect(redact(once)).toBe(once);
      }),
    );
  });

  test('property: digit strings formatted as phone numbers never survive', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 999 }), fc.integer({ min: 200, max: 999 }), fc.integer({ min: 1000, max: 9999 }), (a, b, c) => {
        for (const p of [`(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `+1 ${a} ${b} ${c}`, `${a}.${b}.${c}`]) expect(redact(`call ${p} now`)).toBe('call [phone] now');
      }),
    );
  });

  test('redactDeep reaches nested strings and leaves numbers alone', () => {
    expect(redactDeep({ a: ['x@y.io', 3], b: { c: 'tel 555-123-4567' } })).toEqual({ a: ['[email]', 3], b: { c: 'tel [phone]' } });
  });
});

describe('guard: numbers', () => {
  const facts = { sl: 0.7345, target: 80, aht: 372, offered: 1234, delta: -0.0655, label: '9-12', date: '2026-11-19', at: '09:30' };

  test('numbers that round from facts, in their usual views, pass', () => {
    for (const text of [
      'SL was 73.4 % (73%) against 80.',
      'AHT 372 s, about 6.2 minutes, 6 min.',
      '1,234 calls offered; a drop of 6.6 points (6.55 pts).',
      'Between 9-12 on 2026-11-19, worst at 09:30.',
    ]) expect(ungroundedNumbers(text, facts)).toEqual([]);
  });

  test('invented numbers are caught, with the precision the text claims', () => {
    expect(ungroundedNumbers('SL was 73.9 %', facts)).toEqual(['73.9']);
    expect(ungroundedNumbers('We need 42 more agents', facts)).toEqual(['42']);
    expect(ungroundedNumbers('on 2026-11-18', facts)).toEqual(['2026', '11', '18']);
    expect(ungroundedNumbers('AHT 6.3 minutes', facts)).toEqual(['6.3']);
  });

  test('ticket ids are identifiers, not quantities', () => {
    expect(ungroundedNumbers('See T-10234 and INC-77.', facts, ['T-10234'])).toEqual([]);
  });

  test('numbers inside fact strings count ("80/20", "+2 agents 09:00–12:00")', () => {
    const f = factNumbers({ line: 'whatif billing +2 agents 9-12', t: '80/20' });
    expect(f.numbers).toEqual(expect.arrayContaining([2, 9, 12, 80, 20]));
  });
});

describe('guard: citations and Slack syntax', () => {
  const facts = { sl: 0.72 };
  const ok = { summary: 'SL was 72 %.', points: ['Customers report the invoice portal (T-1).'], citations: ['T-1'] };

  test('a grounded answer citing retrieved tickets passes', () => {
    expect(guardExplanation(ok, facts, ['T-1', 'T-2'])).toEqual({ ok: true });
  });

  test('an uncited or invented ticket fails, in citations or in the text', () => {
    expect(guardExplanation({ ...ok, citations: ['T-9'] }, facts, ['T-1'])).toMatchObject({ ok: false, reason: expect.stringMatching(/T-9/) });
    expect(guardExplanation({ ...ok, points: ['See T-77.'], citations: [] }, facts, ['T-1'])).toMatchObject({ ok: false, reason: expect.stringMatching(/T-77/) });
  });

  test('Slack mentions, broadcasts and links fail even when grounded', () => {
    for (const bad of ['<!channel> SL was 72 %', 'SL was 72 % <@U123>', 'see <https://evil.example|here>', '<!here>']) {
      expect(guardExplanation({ ...ok, summary: bad }, facts, ['T-1']).ok).toBe(false);
    }
  });

  test('an invented number fails', () => {
    expect(guardExplanation({ ...ok, summary: 'SL was 65 %.' }, facts, ['T-1'])).toMatchObject({ ok: false, reason: expect.stringMatching(/65/) });
  });
});

describe('prompts', () => {
  test('every task prompt parses and has its placeholders', () => {
    for (const name of ['explain_why', 'explain_whatif', 'explain_risk', 'summarise_tickets', 'answer_question']) {
      const p = loadPrompt(name);
      for (const ph of ['{question}', '{command}', '{facts}', '{tickets}']) expect(p.user).toContain(ph);
      expect(p.system).toContain('{rules}');
      // Each data block is fenced by a tag carrying the prompt's nonce.
      for (const block of ['question', 'facts', 'tickets']) expect(p.user).toContain(`<${block}-{nonce}>\n{${block}}\n</${block}-{nonce}>`);
    }
    const r = loadPrompt('route');
    for (const ph of ['{today}', '{tz}', '{queues}', '{previous}']) expect(r.system).toContain(ph);
  });

  test('fill: values inserted once, verbatim; a missing value is an error', () => {
    expect(fill('a {x} b', { x: '{y} $& $1' })).toBe('a {y} $& $1 b');
    expect(() => fill('a {x}', {})).toThrow(/\{x\}/);
    expect(() => parsePrompt('p', '## user\nonly')).toThrow(/system/);
  });
});
