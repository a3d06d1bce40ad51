/**
 * Every registry command's grammar, fed arbitrary text through parseCommandLine, answers with parsed
 * arguments (valid under the command's zod schema) or a UsageError with an example — never a throw.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildRegistry } from '../commands/index.js';
import { parseCommandLine, UsageError, type ParseContext } from '../src/registry.js';

const registry = buildRegistry();
const queues = ['billing', 'tech_support', 'Sales EMEA', 'vip-accounts'];
const tzs: Record<string, string> = { billing: 'America/New_York', tech_support: 'UTC', 'Sales EMEA': 'Europe/Berlin', 'vip-accounts': 'Asia/Kolkata' };
const pctx = (now: Date): ParseContext => ({ queues, now, tz: 'UTC', queueTz: (q) => tzs[q] ?? 'UTC' });

/** Words a user might type, so the property also reaches deep grammar paths, not only "unknown word". */
const vocabulary = [
  ...queues,
  'billing',
  'bill',
  'tech',
  'today',
  'yesterday',
  'tomorrow',
  'last week',
  'this week',
  'last 7 days',
  'monday',
  'november',
  '2026-11-20',
  '2026-02-30',
  '2026-11-01..2026-11-07',
  '2026-11-07..2026-11-01',
  '..',
  '--from',
  '--to',
  '--date',
  '--queue',
  'queue=',
  'queue=billing',
  'from=2026-11-01',
  'to=yesterday',
  '+3',
  'agents',
  '+3 agents',
  'aht',
  '-10%',
  '9-12',
  '09:00-12:00',
  'public',
  '--json',
  '"',
  "'",
  '“',
  '=',
  '--',
  '-',
  '%',
  '<!channel>',
  '&lt;',
  '0',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
];

const phrase = fc.array(fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 8 }).map((ws) => ws.join(' '));
const now = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

describe.each(registry.commands.map((c) => [c.name, c] as const))('grammar of %s', (name, command) => {
  it('arbitrary text → parsed args or a usage error with an example, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(phrase, fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })), now, (text, at) => {
        const r = parseCommandLine(registry, `${name} ${text}`, pctx(at));
        if (r.ok) {
          expect(r.command).toBe(command);
          expect(command.args.safeParse(r.args).success).toBe(true);
        } else {
          expect(r.error).toBeInstanceOf(UsageError);
          expect(r.error.message.length).toBeGreaterThan(0);
          expect(r.error.example.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the command word itself', () => {
  it('arbitrary first words → a command or a usage error, never a throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), phrase, (first, rest) => {
        const r = parseCommandLine(registry, `${first} ${rest}`, pctx(new Date('2026-11-21T15:00:00Z')));
        if (!r.ok) expect(r.error).toBeInstanceOf(UsageError);
      }),
      { numRuns: 300 },
    );
  });

  it('reference cases: a good line parses, nonsense gets a did-you-mean', () => {
    const at = new Date('2026-11-21T15:00:00Z');
    const ok = parseCommandLine(registry, 'sla billing yesterday', pctx(at));
    expect(ok).toMatchObject({ ok: true, args: { queue: 'billing', range: { from: '2026-11-20', to: '2026-11-20' } } });
    const bad = parseCommandLine(registry, 'sal billing', pctx(at));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.suggestion).toBe('sla');
  });
});
