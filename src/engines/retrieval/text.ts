/**
 * Text handling shared by retrieval, term lift and the LLM layer: redaction of personal data (emails,
 * phone and card numbers), a word tokenizer with English + support-chatter stopwords, terms (words and
 * bigrams), and a safe FTS5 MATCH expression from free text.
 */

/** Words that carry no topic: English function words and the greetings every ticket has. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are aren as at be because been before being below between both but by ' +
    'can cannot could couldn did didn do does doesn doing don down during each few for from further had hadn has hasn have haven ' +
    'having he her here hers herself him himself his how i if in into is isn it its itself just let me more most mustn my myself ' +
    'no nor not now of off on once only or other ought our ours ourselves out over own same shan she should shouldn so some such ' +
    'than that the their theirs them themselves then there these they this those through to too under until up very was wasn we ' +
    'were weren what when where which while who whom why will with won would wouldn you your yours yourself yourselves ' +
    'im ive id ill youre its thats theres dont cant wont isnt arent didnt doesnt wasnt ' +
    'also get got still yet already us via per etc ok okay ' +
    'hi hello hey dear thanks thank thx please pls regards best cheers team sir madam kind sincerely ' +
    // Calendar words date a ticket; they never name its topic.
    'jan feb mar apr jun jul aug sep sept oct nov dec january february march april june july august september october november december ' +
    'mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow'
  ).split(/\s+/),
);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// 13–19 digits, optionally grouped by single spaces or dashes.
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
// Phone: optional +country, optional (area), then 2–4 digit groups; validated by digit count below.
const PHONE_CANDIDATE = /(?<![\d\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?(?:\d{6,15}|\d{2,5}(?:[\s.-]\d{2,5}){0,4})(?!\d)/g;
const ISO_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}$|^\d{1,2}[:.]\d{2}$/;

/** Luhn checksum: true for valid card numbers (digits only). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export interface RedactionCounts {
  email: number;
  phone: number;
  card: number;
}

/**
 * Replaces emails with `[email]`, card numbers with `[card]` and phone numbers with `[phone]`.
 * Cards: 13–19 digits — any bare run, or grouped by spaces/dashes and passing Luhn or grouped 4-4-4-4. Phones: 7–15 digits
 * written with a `+`, parentheses or separators, or 10–15 bare digits; ISO dates and clock times are kept.
 * Over-redaction (a long order number) is the safe side of the trade. O(length).
 */
export function redact(text: string, counts?: RedactionCounts): string {
  const c = counts ?? { email: 0, phone: 0, card: 0 };
  let out = text.replace(EMAIL, () => {
    c.email++;
    return '[email]';
  });
  out = out.replace(CARD_CANDIDATE, (m) => {
    const digits = m.replace(/\D/g, '');
    if (/\d{4}-\d{2}-\d{2}/.test(m)) return m; // dates side by side, not a card
    if (luhnValid(digits) || /^\d{4}([ -])\d{4}\1\d{4}\1\d{4}$/.test(m) || /^\d+$/.test(m)) {
      c.card++;
      return '[card]';
    }
    return m;
  });
  out = out.replace(PHONE_CANDIDATE, (m) => {
    const digits = m.replace(/\D/g, '');
    if (ISO_DATE_OR_TIME.test(m.trim())) return m;
    const formatted = /[+()]/.test(m) || /\d[\s.-]\d/.test(m);
    if ((formatted && digits.length >= 7 && digits.length <= 15 && !/^\d{4}-\d{2}-\d{2}/.test(m)) || (!formatted && digits.length >= 10 && digits.length <= 15)) {
      c.phone++;
      return '[phone]';
    }
    return m;
  });
  return out;
}

/** Lower-case words (letters/digits, diacritics folded, apostrophes dropped), redacted data removed. */
export function words(text: string): string[] {
  const clean = redact(text)
    .replace(/\[(?:email|phone|card)\]/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\b|\b\d{1,2}:\d{2}\b/g, ' ')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '');
  // Versions ("5.2") stay one word; other dots split.
  return clean
    .split(/[^\p{L}\p{N}.]+/u)
    .flatMap((w) => (/^\d+(?:\.\d+)+$/.test(w) ? [w] : w.split('.')))
    .filter(Boolean);
}

/** A content word: not a stopword, at least 2 characters; a bare number only when it has 3 digits. */
export function isContentWord(w: string): boolean {
  // Numbers carry a topic only as codes ("error 502") or versions ("5.2"): days, years, amounts and ids do not.
  if (/^\d+$/.test(w)) return w.length === 3;
  return w.length >= 2 && !STOPWORDS.has(w);
}

const SIGN_OFF_LINE = /^(?:[Tt]hanks|[Tt]hank you|[Mm]any thanks|[Rr]egards|[Kk]ind regards|[Bb]est(?: regards| wishes)?|[Cc]heers|BR|[Ss]incerely)[\s,.!]*$/;
const NAME_LINE = /^[A-Z][a-z]+(?: [A-Z][a-z]+)?[.!]?$/;
const SIGN_OFF_NAME = /\b((?:[Tt]hanks|[Tt]hank you|[Rr]egards|[Cc]heers|[Bb]est)[,!.]?)\s+[A-Z][a-z]+(?: [A-Z][a-z]+)?[.!]?\s*$/;

/**
 * Removes customers' names from sign-offs ("Thanks,\nEthan", "Is there an outage? Thanks, Hannah"): in a
 * week of tickets a first name recurs by chance and would read as a topic. Names elsewhere stay.
 */
export function stripSignOffNames(text: string): string {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (i > 0 && NAME_LINE.test(l) && SIGN_OFF_LINE.test(lines[i - 1].trim())) lines[i] = '';
    else lines[i] = lines[i].replace(SIGN_OFF_NAME, '$1');
  }
  return lines.join('\n');
}

/**
 * Distinct terms of a text: content words and bigrams of adjacent content words ("invoice portal").
 * Set semantics: term lift counts documents mentioning a term, so one ticket repeating a word counts once.
 */
export function terms(text: string, opts: { bigrams?: boolean } = {}): Set<string> {
  const out = new Set<string>();
  // Bigrams never span punctuation: "error 500 — mail me" has no "500 mail".
  for (const segment of redact(stripSignOffNames(text)).replace(/\[(?:email|phone|card)\]/g, ' | ').split(/[.!?;:,()\[\]{}"“”\n\r\t|/\\]+|\s[-–—]+\s/)) {
    const ws = words(segment);
    for (let i = 0; i < ws.length; i++) {
      if (!isContentWord(ws[i])) continue;
      out.add(ws[i]);
      if (opts.bigrams !== false && i + 1 < ws.length && isContentWord(ws[i + 1])) out.add(`${ws[i]} ${ws[i + 1]}`);
    }
  }
  return out;
}

/**
 * An FTS5 MATCH expression from what a person typed: "quoted phrases" stay phrases, `word*` is a prefix,
 * every other word is quoted (so FTS5 syntax — AND, NEAR, column filters, stray quotes — is never
 * interpreted), stopwords dropped unless nothing else is left, alternatives joined with OR so BM25 ranks
 * tickets matching more (and rarer) terms first. Null when there is nothing to search for.
 */
export function ftsQuery(text: string, maxTerms = 24): string | null {
  const parts: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (!seen.has(p) && parts.length < maxTerms) {
      seen.add(p);
      parts.push(p);
    }
  };
  const phraseRe = /"([^"]+)"/g;
  let m: RegExpExecArray | null;
  while ((m = phraseRe.exec(text))) {
    const ws = words(m[1]);
    if (ws.length) add(`"${ws.join(' ')}"`);
  }
  const rest = text.replace(phraseRe, ' ');
  const raw = rest.split(/\s+/).filter(Boolean);
  const all: { w: string; prefix: boolean }[] = [];
  for (const token of raw) {
    const prefix = /\w\*$/.test(token);
    const ws = words(token);
    ws.forEach((w, i) => all.push({ w, prefix: prefix && i === ws.length - 1 }));
  }
  const content = all.filter((t) => isContentWord(t.w));
  for (const t of content.length ? content : all) add(t.prefix ? `"${t.w}"*` : `"${t.w}"`);
  return parts.length ? parts.join(' OR ') : null;
}
