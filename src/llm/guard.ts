/**
 * The coarse number-presence check: every number in a text matches some number in a JSON-able value (after
 * rounding and the usual unit views). It is NOT what gates LLM answers any more — a figure that merely
 * exists somewhere in the facts is not bound to its quantity, sign or unit (see grounding.ts, which does
 * that). It stays as a test oracle for the deterministic narrator ("every figure it prints comes from the
 * result") and for `explanationText`, the plain-text layout of an explanation.
 */

export interface Explanation {
  summary: string;
  points: string[];
  citations: string[];
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

const DATE_OR_TIME = /\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z?)?\b|\b\d{1,2}:\d{2}\b/g;
const NUMBER = /(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])/g;

function parseNum(s: string): number {
  return Number(s.replace(/[−]/g, '-').replace(/,/g, ''));
}

function decimalsOf(s: string): number {
  const m = s.match(/\.(\d+)$/);
  return m ? m[1].length : 0;
}

/** Every number reachable in a JSON-able value, including numbers written inside strings ("9-12", "80/20"). */
export function factNumbers(facts: unknown): { numbers: number[]; tokens: Set<string> } {
  const numbers: number[] = [];
  const tokens = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'number' && Number.isFinite(v)) numbers.push(v);
    else if (typeof v === 'string') {
      for (const m of v.matchAll(DATE_OR_TIME)) tokens.add(m[0]);
      for (const m of v.replace(DATE_OR_TIME, ' ').matchAll(NUMBER)) numbers.push(parseNum(m[0]));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(facts);
  return { numbers, tokens };
}

/**
 * Views of a fact number a writer may legitimately use: itself, as percent (fractions), in minutes and
 * hours (seconds), and absolute values (a "drop of 8 pts" states −8 as 8).
 */
function views(x: number): number[] {
  const out = [x, x * 100, x / 60, x / 3600];
  return out.flatMap((v) => [v, Math.abs(v)]);
}

/** The numbers in `text` that match no fact (empty = all grounded). */
export function ungroundedNumbers(text: string, facts: unknown, ticketIds: string[] = []): string[] {
  const { numbers, tokens } = factNumbers(facts);
  let t = text;
  // Ticket ids and verbatim dates/times from the facts are identifiers, not quantities.
  for (const id of [...ticketIds].sort((a, b) => b.length - a.length)) t = t.split(id).join(' ');
  t = t.replace(/\b[A-Z]{1,6}-\d+\b/g, ' ');
  t = t.replace(DATE_OR_TIME, (m) => (tokens.has(m) ? ' ' : m));
  const allViews = numbers.flatMap(views);
  const bad: string[] = [];
  for (const m of t.matchAll(NUMBER)) {
    const raw = m[0];
    const x = Math.abs(parseNum(raw));
    const d = decimalsOf(raw);
    const tol = 0.5 * 10 ** -d + 1e-9;
    // Rounded to the text's precision: 73 matches 0.7345 (73.45 %), 6.2 matches 372 s (6.2 min).
    if (!allViews.some((v) => Math.abs(v - x) <= tol)) bad.push(raw);
  }
  return bad;
}

const SLACK_CONTROL = /<[!@#][^>]*>|<https?:[^>]*>|<mailto:[^>]*>/i;

/** Ticket-id-looking tokens in the text (same shapes as the retrieved ids, plus the usual T-123). */
function idsInText(text: string, retrieved: string[]): string[] {
  const found = new Set<string>((text.match(/\b[A-Z]{1,6}-\d+\b/g) ?? []));
  for (const id of retrieved) if (text.includes(id)) found.add(id);
  return [...found];
}

/** The whole answer as it would be posted. */
export function explanationText(e: Explanation): string {
  const lines = [e.summary.trim()];
  for (const p of e.points) if (p.trim()) lines.push(`• ${p.trim()}`);
  if (e.citations.length) lines.push(`Tickets: ${e.citations.join(', ')}`);
  return lines.join('\n');
}

export function guardExplanation(e: Explanation, facts: unknown, retrievedIds: string[]): GuardVerdict {
  const text = [e.summary, ...e.points].join('\n');
  if (!e.summary.trim()) return { ok: false, reason: 'empty summary' };
  if (SLACK_CONTROL.test(text) || e.citations.some((c) => SLACK_CONTROL.test(c))) return { ok: false, reason: 'Slack control syntax (mention, broadcast or link) in the answer' };
  const known = new Set(retrievedIds);
  const uncited = [...e.citations, ...idsInText(text, retrievedIds)].filter((c) => !known.has(c.trim()));
  if (uncited.length) return { ok: false, reason: `cites ticket(s) not among those retrieved: ${[...new Set(uncited)].join(', ')}` };
  const bad = ungroundedNumbers(text, facts, retrievedIds);
  if (bad.length) return { ok: false, reason: `number(s) not in the facts: ${[...new Set(bad)].slice(0, 8).join(', ')}` };
  return { ok: true };
}
