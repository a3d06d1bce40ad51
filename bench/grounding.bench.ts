/**
 * Grounding bench: how often the explanation check (src/llm/grounding.ts) accepts a wrong explanation and
 * rejects a faithful one, on fact sheets from real command results (the committed sample warehouse:
 * why, sla, whatif, staffing, drift and tickets over every queue and the last 14 days; risk per queue and for
 * its top tickets after training a model on the sample).
 *
 * For each sheet a generator writes faithful explanations the way the prompt asks (quantity name before
 * each `{reference}`, direction words that match the sign), in varied phrasing, and then perturbs each one
 * in the ways the issue lists: wrong sign (direction word flipped), wrong unit (the value written with
 * another unit, or a unit word added), wrong quantity (a reference swapped for another quantity's),
 * glued units ("8.2pts", "{x}pts", "x1.2"), invented numbers, number words, another ticket's figure. Target: 0 false accepts; false
 * rejects ≤ 5 % on the faithful ones. A hand-written set of natural faithful explanations is reported
 * beside the generated one. The peer is the previous guard (any number that exists somewhere in the facts,
 * in any unit view, passes), run on the same texts with the references filled in.
 */
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openWarehouse } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { factSheet, type Fact, type FactSheet, type Quantity } from '../src/llm/facts.js';
import { groundExplanation, fillReferences } from '../src/llm/grounding.js';
import { ungroundedNumbers } from '../src/llm/guard.js';
import { addDays } from '../src/time.js';
import { createRng } from '../src/engines/shared/rng.js';
import { summarize, type BenchContext, type BenchRow } from './types.js';

const GROUP = 'grounding';

const NAME: Record<Quantity, string[]> = {
  sl: ['SL', 'service level', 'SLA'], target: ['the target', 'the SL target'], arrivals: ['arrivals', 'call volume', 'calls offered'], talk: ['talk time'],
  acw: ['ACW', 'after-call work', 'wrap-up'], aht: ['handle time', 'AHT'], agents: ['agents', 'staffing'], abandon: ['abandonment', 'the abandon rate'],
  occupancy: ['occupancy'], asa: ['speed of answer', 'ASA'], residual: ['the residual'], model: ['the model'], tickets: ['tickets'], risk: ['escalation risk', 'the risk'],
  intervals: ['intervals'], agent_hours: ['agent-hours', 'agent hours'], shrinkage: ['shrinkage'], terms: ['mentions'], drift: ['drift events'],
};
const UPW = ['rose', 'went up', 'increased', 'grew', 'climbed', 'is up'];
const DOWNW = ['fell', 'went down', 'dropped', 'decreased', 'declined', 'is down'];
const LEVEL = ['was', 'stood at', 'reached', 'came to', 'at'];
const JOIN = ['; ', ', while ', ' and ', '; meanwhile '];

type Rng = () => number;
const pick = <T,>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

interface Clause {
  text: string;
  fact: Fact;
  ref: string;
  dirWord?: string;
}

/** One faithful clause about a fact, following the prompt's rules. */
function clause(r: Rng, f: Fact, sheet: Map<string, Fact>): Clause | null {
  const q = f.quantities[0];
  if (!q) return null;
  const name = pick(r, NAME[q]);
  if (f.ticket) return { text: `${f.ticket} has ${pick(r, ['an escalation risk of', 'a risk of', 'a probability of'])} {${f.name}}`, fact: f, ref: f.name };
  if (f.direction && f.direction !== 'flat' && !f.name.endsWith('.abs')) {
    const abs = sheet.get(`${f.name}.abs`);
    if (abs && r() < 0.6) {
      const dirWord = pick(r, f.direction === 'up' ? UPW : DOWNW);
      return { text: `${name} ${dirWord} {${abs.name}}`, fact: abs, ref: abs.name, dirWord };
    }
    return { text: `${name} ${pick(r, ['', 'moved ', 'changed by '])}{${f.name}}`.replace(/\s+/g, ' '), fact: f, ref: f.name };
  }
  if (f.direction) return null;
  return { text: `${name} ${pick(r, LEVEL)} {${f.name}}`, fact: f, ref: f.name };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface Faithful {
  summary: string;
  points: string[];
  clauses: Clause[];
}

/** A faithful explanation: a summary of two clauses and two points of one or two clauses each. */
function faithful(r: Rng, sheet: FactSheet): Faithful | null {
  const byName = new Map(sheet.facts.map((f) => [f.name, f]));
  const usable = sheet.facts.filter((f) => f.quantities.length && !f.name.endsWith('.abs'));
  if (usable.length < 2) return null;
  const labels = sheet.facts.filter((f) => !f.quantities.length && /^(queue|when|date|q\.[a-z_]+\.name)$/.test(f.name));
  const cls: Clause[] = [];
  for (let tries = 0; cls.length < 5 && tries < 40; tries++) {
    const c = clause(r, pick(r, usable), byName);
    if (c && !cls.some((x) => x.ref === c.ref)) cls.push(c);
  }
  if (cls.length < 2) return null;
  const lead = labels.length ? `{${pick(r, labels).name}}: ` : '';
  const summary = `${lead}${cls[0].text}${pick(r, JOIN)}${cls[1].text}.`;
  const points: string[] = [];
  for (let i = 2; i < cls.length; i += 2) points.push(`${cap(cls[i].text)}${cls[i + 1] ? `${pick(r, JOIN)}${cls[i + 1].text}` : ''}.`);
  return { summary: cap(summary), points, clauses: cls };
}

type Kind = 'wrong sign' | 'wrong unit' | 'unit word added' | 'wrong quantity' | 'glued unit' | 'invented number' | 'number words' | 'wrong ticket';

const UNIT_SWAP: [RegExp, string][] = [[/ pts$/, ' %'], [/ %$/, ' pts'], [/ s$/, ' min'], [/m (\d\d)s$/, ' min'], [/ calls a day$/, ' calls an hour'], [/ on average$/, ' %']];
const WORDS = ['thirty-seven points', 'twice as much', 'half', 'a dozen', 'ninety percent', 'three hundred'];

/** The text with one reference replaced (first occurrence). */
const swapRef = (t: string, ref: string, by: string) => t.replace(`{${ref}}`, by);

/** Perturbations of a faithful explanation; each is wrong by construction. */
function perturb(r: Rng, e: Faithful, sheet: FactSheet, retrieved: string[]): { kind: Kind; summary: string; points: string[] }[] {
  const out: { kind: Kind; summary: string; points: string[] }[] = [];
  const apply = (kind: Kind, f: (t: string) => string) => {
    const s = f(e.summary);
    const p = e.points.map(f);
    if (s !== e.summary || p.some((x, i) => x !== e.points[i])) out.push({ kind, summary: s, points: p });
  };
  for (const c of e.clauses) {
    const text = c.fact.text;
    if (c.dirWord) {
      const flipped = pick(r, UPW.includes(c.dirWord) ? DOWNW : UPW);
      apply('wrong sign', (t) => t.replace(c.text, c.text.replace(c.dirWord!, flipped)));
    } else if (c.fact.direction && c.fact.direction !== 'flat' && /^[−+]/.test(text)) {
      // The signed value written with the sign flipped.
      apply('wrong sign', (t) => swapRef(t, c.ref, text.replace(/^[−+]/, (m) => (m === '−' ? '+' : '−'))));
    }
    const swap = UNIT_SWAP.find(([re]) => re.test(text));
    if (swap) apply('wrong unit', (t) => swapRef(t, c.ref, text.replace(swap[0], swap[1])));
    apply('unit word added', (t) => swapRef(t, c.ref, `{${c.ref}} ${pick(r, ['percent', 'points', 'seconds', 'minutes', 'times'])}`));
    const other = sheet.facts.filter((f) => f.quantities.length && !f.quantities.some((q) => c.fact.quantities.includes(q)) && f.text !== text && !f.ticket);
    if (other.length) {
      const o = pick(r, other);
      apply('wrong quantity', (t) => swapRef(t, c.ref, `{${o.name}}`));
    }
    if (/\d/.test(text)) {
      apply('glued unit', (t) => swapRef(t, c.ref, text.replace(/\s+/g, '')));
      apply('glued unit', (t) => swapRef(t, c.ref, `{${c.ref}}${pick(r, ['pts', '%', 's', 'x'])}`));
      apply('glued unit', (t) => swapRef(t, c.ref, `x{${c.ref}}`));
      apply('invented number', (t) => swapRef(t, c.ref, text.replace(/\d+(?:[.,]\d+)*/, (m) => String(Number(m.replace(/,/g, '')) + 1 + Math.floor(r() * 40)))));
    }
    apply('number words', (t) => swapRef(t, c.ref, pick(r, WORDS)));
    if (c.fact.ticket) {
      const another = retrieved.find((id) => id !== c.fact.ticket);
      if (another) apply('wrong ticket', (t) => t.replace(`${c.fact.ticket} has`, `${another} has`));
    }
  }
  return out;
}

/** Natural faithful explanations written by hand for a why sheet (names that every why sheet has). */
function handWrittenWhy(sheet: FactSheet): string[][] {
  const has = (n: string) => sheet.facts.some((f) => f.name === n);
  const d = sheet.directions.sl === 'up' ? 'rose' : 'fell';
  const out: string[][] = [
    [`{queue} SL ${d} {sl_delta.abs} {when} against {baseline}: {sl_after} against {sl_before}.`],
    [`SL was {sl_after} {when}, against {sl_before} on {baseline}.`, `The queue model explains {model_delta} of the SL change; the residual is {residual}.`],
    [`On {queue}, service level ${d} {sl_delta.abs}.`, `The model used was {model}.`],
    [`{queue}: SL {sl_delta} compared with {baseline}.`],
  ];
  for (const drv of ['arrivals', 'talk', 'acw', 'agents']) {
    if (!has(`driver.${drv}.change`)) continue;
    const f = sheet.facts.find((x) => x.name === `driver.${drv}.change`)!;
    const word = { arrivals: 'Arrivals', talk: 'Talk time', acw: 'After-call work', agents: 'Staffing' }[drv];
    const dir = f.direction === 'up' ? 'rose' : f.direction === 'down' ? 'fell' : null;
    if (dir) out.push([`${word} ${dir} {driver.${drv}.change.abs}, from {driver.${drv}.before} to {driver.${drv}.after}, and contributed {driver.${drv}.points} to SL.`]);
    out.push([`${word} moved {driver.${drv}.change} and its share of the SL change is {driver.${drv}.points}.`]);
  }
  if (has('term.1')) out.push([`Customers wrote more than usual about {term.1}: {term.1.count} tickets against {term.1.count_before} before.`]);
  return out;
}

export default async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = join(ctx.outDir, 'grounding');
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = openWarehouse(join(dir, 'w.db'));
  const ing = await ingestFiles(db, ['data/sample']);
  if (!ing.ok) throw new Error('sample ingest failed');
  const config = loadConfig({ RADAR_TZ: 'UTC' });
  const registry = buildRegistry();
  const cctx = { db, now: new Date('2026-11-21T05:00:00Z'), config, surface: 'cli' as const };
  const queues = ['billing', 'tech_support', 'accounts', 'shipping'];
  const days = ctx.quick ? 4 : 14;
  const lines: string[] = [];
  for (const q of queues) {
    for (let i = 1; i <= days; i++) {
      const day = addDays('2026-11-21', -i);
      lines.push(`why ${q} ${day}`, `sla ${q} ${day}`);
      if (i <= 3) lines.push(`whatif ${q} ${day} +2 agents`, `staffing ${q} ${day}`, `drift ${q} ${day}`);
    }
    lines.push(`tickets refund ${q}`, `tickets error ${q} last 30 days`);
  }
  // Risk sheets need a model: train one on the sample (a few seconds), then score each queue and its top tickets.
  const trained = await execute(registry, 'risk train', cctx);
  if (trained.ok) {
    for (const q of queues) lines.push(`risk ${q}`);
  }
  const sheets: { sheet: FactSheet; retrieved: string[]; raw: unknown }[] = [];
  for (const line of lines) {
    const e = await execute(registry, line, cctx);
    if (!e.ok) continue;
    const sheet = factSheet(e.command.name, e.result);
    if (!sheet) continue;
    const res = e.result as { hits?: { ticketId: string }[]; tickets?: { ticketId: string }[]; kind?: string };
    const retrieved = (res.hits ?? res.tickets ?? []).map((h) => h.ticketId);
    sheets.push({ sheet, retrieved, raw: e.result });
    if (e.command.name === 'risk' && res.kind === 'score') {
      for (const t of (res.tickets ?? []).slice(0, 3)) {
        const one = await execute(registry, `risk ${t.ticketId}`, cctx);
        const s1 = one.ok ? factSheet('risk', one.result) : null;
        if (s1) sheets.push({ sheet: s1, retrieved: [t.ticketId, ...retrieved.filter((id) => id !== t.ticketId)], raw: one.ok ? one.result : null });
      }
    }
  }
  db.close();

  const r = createRng(14).next;
  let faithfulN = 0;
  let falseRejects = 0;
  const rejectReasons = new Map<string, number>();
  const perKind = new Map<Kind, { n: number; accepted: number; peerAccepted: number }>();
  const times: number[] = [];
  let peerFaithfulRejects = 0;
  for (const { sheet, retrieved, raw } of sheets) {
    const byName = new Map(sheet.facts.map((f) => [f.name, f]));
    for (let k = 0; k < 6; k++) {
      const e = faithful(r, sheet);
      if (!e) continue;
      faithfulN++;
      const t0 = performance.now();
      const v = groundExplanation({ summary: e.summary, points: e.points, citations: [] }, sheet, retrieved);
      times.push(performance.now() - t0);
      if (!v.ok) {
        if (process.env.GROUNDING_DEBUG) process.stderr.write(`FR ${v.reason} :: ${e.summary} || ${e.points.join(' | ')}\n`);
        falseRejects++;
        rejectReasons.set(v.reason, (rejectReasons.get(v.reason) ?? 0) + 1);
      }
      // The peer: the previous guard on the filled-in text (any number found anywhere in the result passes).
      const filled = [e.summary, ...e.points].map((t) => fillReferences(t, byName)).join('\n');
      if (ungroundedNumbers(filled, raw, retrieved).length) peerFaithfulRejects++;
      for (const p of perturb(r, e, sheet, retrieved)) {
        const s = perKind.get(p.kind) ?? { n: 0, accepted: 0, peerAccepted: 0 };
        s.n++;
        let ok: boolean;
        try {
          ok = groundExplanation({ summary: p.summary, points: p.points, citations: [] }, sheet, retrieved).ok;
        } catch {
          ok = false;
        }
        if (ok) s.accepted++;
        if (ok && process.env.GROUNDING_DEBUG) process.stderr.write(`FA ${p.kind} :: ${p.summary} || ${p.points.join(' | ')}\n`);
        // The peer sees the perturbed text with whatever references are left filled in.
        const known = (t: string) => t.replace(/\{\s*([A-Za-z0-9_.\-]+)\s*\}/g, (m, n: string) => byName.get(n)?.text ?? m);
        if (!ungroundedNumbers([p.summary, ...p.points].map(known).join('\n'), raw, retrieved).length) s.peerAccepted++;
        perKind.set(p.kind, s);
      }
    }
  }

  // Hand-written natural faithful explanations on every why sheet.
  let handN = 0;
  let handRejects = 0;
  const handReasons = new Map<string, number>();
  for (const { sheet } of sheets.filter((s) => s.sheet.command === 'why')) {
    for (const [summary, ...points] of handWrittenWhy(sheet)) {
      handN++;
      const v = groundExplanation({ summary, points, citations: [] }, sheet, []);
      if (!v.ok) {
        if (process.env.GROUNDING_DEBUG) process.stderr.write(`HR ${v.reason} :: ${summary} || ${points.join(' | ')}\n`);
        handRejects++;
        handReasons.set(v.reason, (handReasons.get(v.reason) ?? 0) + 1);
      }
    }
  }

  const perturbedN = [...perKind.values()].reduce((a, s) => a + s.n, 0);
  const accepted = [...perKind.values()].reduce((a, s) => a + s.accepted, 0);
  const peerAccepted = [...perKind.values()].reduce((a, s) => a + s.peerAccepted, 0);
  const fr = falseRejects / Math.max(1, faithfulN);
  const rows: BenchRow[] = [
    { group: GROUP, name: `fact sheets from sample command results (${lines.length} command lines)`, value: sheets.length, unit: 'sheets' },
    { group: GROUP, name: `false accepts on perturbed explanations (${perturbedN})`, value: accepted / Math.max(1, perturbedN), unit: `(${accepted} accepted)`, target: '0', verdict: accepted === 0 ? 'pass' : 'fail' },
  ];
  for (const [kind, s] of [...perKind.entries()].sort()) {
    rows.push({ group: GROUP, name: `  ${kind} (${s.n})`, value: s.accepted / Math.max(1, s.n), unit: `accepted; peer (old guard) ${(s.peerAccepted / Math.max(1, s.n)).toFixed(3)}` });
  }
  rows.push(
    { group: GROUP, name: '  peer: old guard (number exists anywhere in the facts) false accepts', value: peerAccepted / Math.max(1, perturbedN), unit: `(${peerAccepted} accepted)` },
    { group: GROUP, name: `false rejects on generated faithful explanations (${faithfulN})`, value: fr, unit: '', target: '≤ 0.05', verdict: fr <= 0.05 ? 'pass' : 'fail', note: rejectReasons.size ? [...rejectReasons].map(([k, v]) => `${k}: ${v}`).join('; ') : undefined },
    { group: GROUP, name: '  peer: old guard false rejects on the same (filled in)', value: peerFaithfulRejects / Math.max(1, faithfulN), unit: '' },
    { group: GROUP, name: `false rejects on hand-written natural faithful why explanations (${handN})`, value: handRejects / Math.max(1, handN), unit: '', target: '≤ 0.05', verdict: handRejects / Math.max(1, handN) <= 0.05 ? 'pass' : 'fail', note: handReasons.size ? [...handReasons].map(([k, v]) => `${k}: ${v}`).join('; ') : undefined },
  );
  const t = summarize(times);
  rows.push({ group: GROUP, name: 'grounding check latency per explanation', value: t.p50 * 1000, unit: `µs p50 (p95 ${(t.p95 * 1000).toFixed(0)} µs)` });
  return rows;
}
