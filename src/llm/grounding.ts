/**
 * Quantity-bound grounding: the LLM writes prose with references to named facts (`{sl_delta}`,
 * `{driver.talk.points}`) and SLA Radar fills them in with its own text (facts.ts). Before filling, the prose
 * is checked, and any of these fails closed (the caller posts the narrator's text):
 *  - a figure written by the model: any digit in any script (`37pts`, `x4.5`, `95s`, `.5`, `3e1`, `½`), a
 *    number word (`thirty-seven`, `twice`, `half`, `a dozen`), or a bare unit (`%`, `percent`, `pts`);
 *  - a reference to a fact that does not exist, a reference glued to letters or a sign (`x{a}`, `{a}pts`,
 *    `-{a}`), or followed by a unit of the model's own (`{a} percent`, `{a} seconds`);
 *  - a reference next to the wrong quantity: the quantity word naming it (`arrivals`, `SL`, `talk time`, …;
 *    one right after it, else the nearest before it in its clause, else the last earlier in the sentence,
 *    else the first after it)
 *    must be one the fact measures ("arrivals contributed {driver.talk.points}" fails);
 *  - a per-ticket figure without its own ticket id nearest to it;
 *  - a direction word (`rose`, `fell`, `up`, `down`, …) that disagrees with the sign of the change it is
 *    bound to (the nearest signed reference, else the quantity word's direction in the result), or that can
 *    be bound to nothing the result measures;
 *  - agreement with the question instead of the facts (`yes`, `as you said`, `you're right`);
 *  - a cited ticket, or a ticket id in the prose, that is not among the tickets retrieved; Slack control
 *    syntax (mentions, broadcasts, links).
 * Reasons name the rule broken, never the rejected text (it may carry an injected claim).
 */
import type { Fact, FactSheet, Quantity, Direction } from './facts.js';

export interface Explanation {
  summary: string;
  points: string[];
  citations: string[];
}

export type GroundingVerdict =
  | { ok: true; filled: Explanation; references: number }
  | { ok: false; reason: string };

/** Phrases naming a quantity (hyphens and case ignored; multi-word phrases match first). */
export const QUANTITY_WORDS: Record<string, Quantity> = {
  sl: 'sl', sla: 'sla' as Quantity, 'service level': 'sl', slas: 'sl',
  target: 'target', targets: 'target', goal: 'target', 'sl target': 'target', 'sla target': 'target', 'service level target': 'target',
  arrivals: 'arrivals', arrival: 'arrivals', volume: 'arrivals', offered: 'arrivals', calls: 'arrivals', contacts: 'arrivals', demand: 'arrivals', traffic: 'arrivals',
  talk: 'talk', 'talk time': 'talk',
  acw: 'acw', 'after call work': 'acw', 'wrap up': 'acw', wrap: 'acw',
  aht: 'aht', 'handle time': 'aht', 'handling time': 'aht',
  agents: 'agents', agent: 'agents', staff: 'agents', staffed: 'agents', staffing: 'agents', headcount: 'agents', people: 'agents',
  abandon: 'abandon', abandoned: 'abandon', abandonment: 'abandon', abandons: 'abandon',
  occupancy: 'occupancy', utilisation: 'occupancy', utilization: 'occupancy',
  asa: 'asa', 'speed of answer': 'asa', wait: 'asa', waits: 'asa', waiting: 'asa',
  residual: 'residual', unexplained: 'residual',
  model: 'model', modelled: 'model', modeled: 'model', erlang: 'model',
  tickets: 'tickets', ticket: 'tickets', cases: 'tickets',
  risk: 'risk', probability: 'risk', chance: 'risk', likelihood: 'risk',
  intervals: 'intervals', interval: 'intervals', slots: 'intervals',
  'agent hours': 'agent_hours',
  shrinkage: 'shrinkage',
  drift: 'drift', drifts: 'drift', events: 'drift',
};
// "SLA" is the same quantity as SL.
QUANTITY_WORDS.sla = 'sl';

const PHRASES = Object.keys(QUANTITY_WORDS)
  .map((p) => p.split(' '))
  .sort((a, b) => b.length - a.length);

const UP = new Set('rose rise rises rising risen up increase increased increases increasing grew grow grows growing grown higher climbed climb climbs climbing jumped jump jumps spiked spike spikes surged surge gained gain gains longer lengthened'.split(' '));
const DOWN = new Set('fell fall falls falling fallen down drop dropped drops dropping decrease decreased decreases decreasing declined decline declines declining lower lowered shrank shrink shrinks dipped dip dips slipped slip slid shorter shortened lost eased'.split(' '));
/** Phrasal uses of up/down that state no direction. */
const PHRASAL = /\b(?:made|make|makes|set|sets|show|shows|showed|follow|follows|followed|look|looks|break|breaks|broke|broken|pick|picks|picked|sign|signs|signed|back|backed|up|catch|caught|turn|turned|shut|wind|winds)\s+(?:up|down)\b|\bdown\s+to\b|\bup\s+to\b|\bbreak\s*down\b|\bfollow[\s-]up\b|\bup[\s-]to[\s-]date\b/gi;

const NUMBER_WORDS = new Set(
  ('zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fourty fifty sixty seventy eighty ninety hundred hundreds thousand thousands million millions billion billions ' +
    'dozen dozens half halves halved halve halving twice double doubled doubles doubling triple tripled triples tripling quadruple quadrupled quarter quarters thrice ' +
    'third thirds fourth fourths fifth fifths sixth seventh eighth ninth tenth tenths eleventh twelfth twentieth hundredth thousandth percent percentage pts pct pp bps')
    .split(' '),
);
const UNIT_AFTER = new Set('percent per pct pts pt points point pp percentage s sec secs second seconds m min mins minute minutes h hr hrs hour hours ms x times fold calls a day'.split(' ').filter((w) => w !== 'a' && w !== 'day' && w !== 'calls'));

const AGREEMENT = /\b(?:yes|yeah|yep|correct|indeed|confirmed|confirms?|as you (?:said|say|mentioned|noted|suggested|put it)|you(?:'|’)?re (?:right|correct)|you are (?:right|correct)|that(?:'|’)?s (?:right|correct)|that is (?:right|correct))\b/i;
const SLACK_CONTROL = /<[!@#][^>]*>|<https?:[^>]*>|<mailto:[^>]*>|<!|<@/i;
const REF = /\{\s*([A-Za-z0-9_.\-]+)\s*\}/g;
const TICKET_LIKE = /\b[A-Z]{1,6}-\d+\b/g;

type Tok =
  | { kind: 'ref'; fact: Fact }
  | { kind: 'word'; w: string }
  | { kind: 'ticket'; id: string }
  | { kind: 'qty'; q: Quantity }
  | { kind: 'dir'; d: 'up' | 'down' };

/** Nouns that make "of the <quantity> change" the whole a figure is a share of. */
const WHOLE = new Set(['change', 'changes', 'drop', 'fall', 'rise', 'decline', 'gap', 'shift', 'move', 'swing', 'movement']);

const CONJUNCTIONS = new Set(['because', 'while', 'whereas', 'but', 'although', 'though', 'despite', 'since']);

/** Sentences → clauses → tokens of one line of prose (references resolved, quantity phrases merged). */
function tokenize(text: string, byName: Map<string, Fact>, ticketIds: string[]): Tok[][][] {
  const sentences: Tok[][][] = [];
  const re = /\{\s*([A-Za-z0-9_.\-]+)\s*\}|([A-Za-z]{1,6}-\d+)|([\p{L}][\p{L}\p{M}'’]*)|([.!?\n])|([,;:()\u2014\u2013]|\s-\s)/gu;
  let clauses: Tok[][] = [];
  let raw: Tok[] = [];
  const endClause = () => {
    clauses.push(mergeQuantities(raw));
    raw = [];
  };
  const endSentence = () => {
    endClause();
    sentences.push(clauses);
    clauses = [];
  };
  for (const m of text.matchAll(re)) {
    if (m[1]) raw.push({ kind: 'ref', fact: byName.get(m[1])! });
    else if (m[2]) raw.push(ticketIds.includes(m[2]) ? { kind: 'ticket', id: m[2] } : { kind: 'word', w: m[2].toLowerCase() });
    else if (m[3]) {
      const w = m[3].toLowerCase();
      if (CONJUNCTIONS.has(w)) endClause();
      else raw.push({ kind: 'word', w });
    } else if (m[4]) endSentence();
    else endClause();
  }
  endSentence();
  return sentences;
}

/** Merges quantity phrases ("talk time", "service level") into one token and marks direction words. */
function mergeQuantities(raw: Tok[]): Tok[] {
  const toks: Tok[] = [];
  for (let i = 0; i < raw.length; ) {
    const p = PHRASES.find((ws) => ws.every((w, j) => raw[i + j]?.kind === 'word' && (raw[i + j] as { w: string }).w === w));
    if (p) {
      toks.push({ kind: 'qty', q: QUANTITY_WORDS[p.join(' ')] });
      i += p.length;
      continue;
    }
    const t = raw[i++];
    // "(a share) of the SL change": the whole a figure is part of, not the quantity it measures.
    const prev = toks[toks.length - 1];
    if (t.kind === 'word' && WHOLE.has(t.w) && prev?.kind === 'qty') {
      const w = (k: number) => {
        const x = toks[toks.length - 1 - k];
        return x?.kind === 'word' ? x.w : null;
      };
      if (w(1) === 'of' || (w(1) === 'the' && w(2) === 'of')) toks.pop();
    }
    if (t.kind === 'word' && UP.has(t.w)) toks.push({ kind: 'dir', d: 'up' });
    else if (t.kind === 'word' && DOWN.has(t.w)) toks.push({ kind: 'dir', d: 'down' });
    else toks.push(t);
  }
  return toks;
}

/** Nearest token of a kind to position i in a clause (ties: the one before); null when none. */
function nearest<K extends Tok['kind']>(clause: Tok[], i: number, kind: K, within = Infinity): { tok: Extract<Tok, { kind: K }>; dist: number } | null {
  for (let d = 1; d < clause.length && d <= within; d++) {
    const b = clause[i - d];
    if (b?.kind === kind) return { tok: b as Extract<Tok, { kind: K }>, dist: d };
    const a = clause[i + d];
    if (a?.kind === kind) return { tok: a as Extract<Tok, { kind: K }>, dist: d };
  }
  return null;
}

function lastOf<K extends Tok['kind']>(clauses: Tok[][], kind: K): Extract<Tok, { kind: K }> | null {
  for (let c = clauses.length - 1; c >= 0; c--) for (let i = clauses[c].length - 1; i >= 0; i--) if (clauses[c][i].kind === kind) return clauses[c][i] as Extract<Tok, { kind: K }>;
  return null;
}

function firstOf<K extends Tok['kind']>(toks: Tok[], kind: K): Extract<Tok, { kind: K }> | null {
  return (toks.find((t) => t.kind === kind) as Extract<Tok, { kind: K }> | undefined) ?? null;
}

function checkLine(line: string, byName: Map<string, Fact>, sheet: FactSheet, ticketIds: string[]): string | null {
  // 1. References exist and stand alone.
  for (const m of line.matchAll(REF)) if (!byName.has(m[1])) return 'refers to a fact that does not exist';
  if (/[\p{L}\p{N}%$€£+\-−±×~]\{/u.test(line) || /\}[\p{L}\p{N}%°]/u.test(line)) return 'a figure glued to letters, a sign or a unit';
  if (/[{}]/.test(line.replace(REF, ''))) return 'a malformed fact reference';
  // 2. No figure of the model's own.
  let free = line.replace(REF, ' ').replace(/\bno one\b/gi, 'nobody');
  for (const id of ticketIds) free = free.split(id).join(' ');
  if ((free.match(TICKET_LIKE) ?? []).length) return 'names a ticket that is not among those retrieved';
  if (/\p{N}/u.test(free)) return 'a number written by the model instead of a fact reference';
  if (/[%‰]/.test(free)) return 'a unit written by the model';
  for (const w of free.toLowerCase().split(/[^\p{L}]+/u)) if (NUMBER_WORDS.has(w)) return 'a number word or unit written by the model';
  if (/\bper\s+cent\b|\ba\s+(?:few|couple)\s+(?:points|percent)\b/i.test(free)) return 'a number word or unit written by the model';
  if (AGREEMENT.test(free)) return 'agrees with the question instead of stating the facts';
  // 3. Units after references.
  for (const m of line.matchAll(/\{\s*[A-Za-z0-9_.\-]+\s*\}\s*([\p{L}]+)/gu)) if (UNIT_AFTER.has(m[1].toLowerCase())) return 'a unit added after a figure';
  // 4. Quantity, ticket and direction binding, clause by clause.
  const sentences = tokenize(line.replace(PHRASAL, ' ').replace(/-/g, (m, off: number, str: string) => (/[A-Za-z]-\d/.test(str.slice(off - 1, off + 2)) ? m : ' ')), byName, ticketIds);
  for (const clauses of sentences) {
    for (let c = 0; c < clauses.length; c++) {
      const clause = clauses[c];
      for (let i = 0; i < clause.length; i++) {
        const t = clause[i];
        if (t.kind === 'ref') {
          const f = t.fact;
          if (f.quantities.length) {
            // The quantity a figure is about: a quantity noun right after it ("{offered} calls"), else the one
            // named before it (the prompt's rule) — the nearest before it in its clause, else the last one
            // earlier in the sentence — else the first one after it in its clause.
            const next = clause[i + 1];
            const q = (next?.kind === 'qty' ? next.q : null) ?? lastOf([clause.slice(0, i)], 'qty')?.q ?? lastOf(clauses.slice(0, c), 'qty')?.q ?? firstOf(clause.slice(i + 1), 'qty')?.q ?? null;
            if (q !== null && !f.quantities.includes(q)) return 'a figure attached to the wrong quantity';
          }
          if (f.ticket) {
            // Like a quantity, the ticket a figure belongs to is named before it ("T-1 has a risk of {…}").
            const id = lastOf([clause.slice(0, i)], 'ticket')?.id ?? lastOf(clauses.slice(0, c), 'ticket')?.id ?? firstOf(clause.slice(i + 1), 'ticket')?.id ?? null;
            if (id !== f.ticket) return "a ticket's figure not next to that ticket";
          }
        } else if (t.kind === 'dir') {
          const ref = nearestSigned(clause, i);
          let dir: Direction | undefined;
          if (ref) dir = ref.direction;
          else {
            const q = nearest(clause, i, 'qty', 4)?.tok.q;
            dir = q ? sheet.directions[q] : undefined;
          }
          if (dir === undefined) return 'a direction (rose, fell, …) the facts cannot confirm';
          if (dir !== t.d) return 'a direction (rose, fell, …) that contradicts the facts';
        }
      }
    }
  }
  return null;
}

/** The nearest reference with a direction within 4 tokens of position i (ties: the one after). */
function nearestSigned(clause: Tok[], i: number): Fact | null {
  for (let d = 1; d <= 4; d++) {
    for (const j of [i + d, i - d]) {
      const t = clause[j];
      if (t?.kind === 'ref' && t.fact.direction) return t.fact;
    }
  }
  return null;
}

/** Replaces every `{name}` with the fact's text. */
export function fillReferences(text: string, byName: Map<string, Fact>): string {
  return text.replace(REF, (_, n: string) => byName.get(n)!.text);
}

/**
 * Checks an explanation written with fact references against the sheet; on success returns it with the
 * references filled in by SLA Radar's own text.
 */
export function groundExplanation(e: Explanation, sheet: FactSheet, retrievedIds: string[]): GroundingVerdict {
  if (!e.summary.trim()) return { ok: false, reason: 'empty summary' };
  const lines = [e.summary, ...e.points];
  if (lines.some((l) => SLACK_CONTROL.test(l)) || e.citations.some((c) => SLACK_CONTROL.test(c))) return { ok: false, reason: 'Slack control syntax (mention, broadcast or link)' };
  const known = new Set(retrievedIds);
  if (e.citations.some((c) => !known.has(c.trim()))) return { ok: false, reason: 'cites a ticket that is not among those retrieved' };
  const byName = new Map(sheet.facts.map((f) => [f.name, f]));
  const ids = [...retrievedIds].sort((a, b) => b.length - a.length);
  let references = 0;
  for (const l of lines) {
    const why = checkLine(l, byName, sheet, ids);
    if (why) return { ok: false, reason: why };
    references += [...l.matchAll(REF)].length;
  }
  return {
    ok: true,
    references,
    filled: { summary: fillReferences(e.summary, byName).trim(), points: e.points.map((p) => fillReferences(p, byName).trim()).filter(Boolean), citations: e.citations.map((c) => c.trim()) },
  };
}

/** The fact table for the prompt: one `name | text | meaning` row per fact. */
export function factTable(sheet: FactSheet): string {
  const cell = (s: string) => s.replace(/\|/g, '/').replace(/\s+/g, ' ');
  return ['name | value as it will print | what it is', ...sheet.facts.map((f) => `${f.name} | ${cell(f.text)} | ${cell(f.meaning)}`)].join('\n');
}
