import { PLANNED_SHRINKAGE } from './intervals.js';
import type { QueueProfile } from './queues.js';
import { WEEKLY } from './queues.js';
import { addDays, isoUtc, streamFor } from './seed.js';
import { requiredAgents } from './staffing.js';
import { FIRST_NAMES, LAST_NAMES } from './text.js';

/** One `agents` row. */
export interface AgentRow {
  agent_id: string;
  name: string;
  queue: string;
  team: string;
  hired_at: string;
  level: 'junior' | 'mid' | 'senior' | 'lead';
}

/** One `customers` row. */
export interface CustomerRow {
  customer_id: string;
  name: string;
  tier: 'standard' | 'premium' | 'enterprise';
  region: string;
  created_at: string;
}

export const TIERS = ['standard', 'premium', 'enterprise'] as const;

/**
 * Agents per queue: enough for the Monday peak plan plus rotation (×1.5, at least 4), hired over the five years
 * before `end`; level by tenure (< 1 y junior, < 3 y mid, else senior), the longest-serving is the lead.
 */
export function makeAgents(seed: number, profiles: readonly QueueProfile[], end: string): AgentRow[] {
  const out: AgentRow[] = [];
  let n = 0;
  for (const p of profiles) {
    const r = streamFor(seed, 'agents', p.name);
    const peak = requiredAgents(p.scale * WEEKLY[1], p.talkMean + p.acwMean, p.intervalSeconds, p.slPct, p.slSeconds)
      / (1 - PLANNED_SHRINKAGE);
    const count = Math.max(4, Math.ceil(peak * 1.5));
    const rows: AgentRow[] = [];
    let longest = -1;
    for (let k = 0; k < count; k++) {
      const tenureDays = Math.floor(r.next() ** 1.3 * 5 * 365);
      const years = tenureDays / 365;
      const level = years < 1 ? 'junior' : years < 3 ? 'mid' : 'senior';
      rows.push({
        agent_id: `A-${String(++n).padStart(4, '0')}`,
        name: `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`,
        queue: p.name,
        team: `${p.displayName} ${k % 3 === 0 ? 'A' : k % 3 === 1 ? 'B' : 'C'}`,
        hired_at: addDays(end, -tenureDays),
        level,
      });
      if (longest < 0 || rows[longest].hired_at > rows[k].hired_at) longest = k;
    }
    rows[longest].level = 'lead';
    out.push(...rows);
  }
  return out;
}

/** Compact customer table for ticket generation (the rows themselves are streamed). */
export interface CustomerTable {
  count: number;
  tier: Uint8Array;
  first: Uint8Array;
  last: Uint8Array;
}

const REGIONS = ['North America', 'North America', 'North America', 'Europe', 'Europe', 'APAC', 'LATAM'];

/** `count` customers with tiers standard/premium/enterprise ≈ 70/22/8 %; rows are passed to `emit`. */
/** Customers signed up during the four years before `firstDate` (the sample's first day). */
export function makeCustomers(seed: number, count: number, firstDate: string, emit: (row: CustomerRow) => void): CustomerTable {
  const r = streamFor(seed, 'customers');
  const t: CustomerTable = { count, tier: new Uint8Array(count), first: new Uint8Array(count), last: new Uint8Array(count) };
  const startMs = Date.parse(firstDate + 'T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const u = r.next();
    const tier = u < 0.7 ? 0 : u < 0.92 ? 1 : 2;
    const f = r.int(FIRST_NAMES.length);
    const l = r.int(LAST_NAMES.length);
    t.tier[i] = tier;
    t.first[i] = f;
    t.last[i] = l;
    const company = tier === 2 ? ` (${LAST_NAMES[(l + 7) % LAST_NAMES.length]} Group)` : '';
    emit({
      customer_id: customerId(i),
      name: `${FIRST_NAMES[f]} ${LAST_NAMES[l]}${company}`,
      tier: TIERS[tier],
      region: r.pick(REGIONS),
      created_at: isoUtc(startMs - Math.floor(r.next() * 4 * 365 * 86_400_000) - 86_400_000),
    });
  }
  return t;
}

export const customerId = (i: number): string => `C-${String(i + 1).padStart(6, '0')}`;
