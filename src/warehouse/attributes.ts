/**
 * Ticket attributes (tickets.attributes, from `attr_<name>` columns at ingest; migration 007): reading them
 * back. The stored form is a JSON object of name → value as written; `v_ticket_attributes` has one row per
 * (ticket_id, name, value). An attribute is **numeric** when every stored value of that name parses as a
 * decimal number, **text** (categorical) otherwise. Other commands (kpi, tickets filters) read them here.
 */
import type { Db } from './db.js';

export interface TicketAttribute {
  /** Name without the attr_ prefix. */
  name: string;
  kind: 'numeric' | 'text';
  /** Tickets with a value. */
  tickets: number;
  /** Distinct values. */
  distinct: number;
}

/** The attributes present in the warehouse, by name. O(attribute values). */
export function listTicketAttributes(db: Db): TicketAttribute[] {
  const rows = db
    .prepare('SELECT name, COUNT(*) AS tickets, COUNT(DISTINCT value) AS distinct_values FROM v_ticket_attributes GROUP BY name ORDER BY name')
    .all() as { name: string; tickets: number; distinct_values: number }[];
  return rows.map((r) => ({ name: r.name, kind: isAllNumeric(db, r.name) ? 'numeric' : 'text', tickets: r.tickets, distinct: r.distinct_values }));
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Exact check in JS (SQLite's CAST accepts prefixes such as '12abc'). */
function isAllNumeric(db: Db, name: string): boolean {
  const values = db.prepare('SELECT DISTINCT value FROM v_ticket_attributes WHERE name = ?').pluck().all(name) as string[];
  return values.every((v) => DECIMAL.test(v.trim()));
}

/** The stored JSON (or null) as an object; a damaged value reads as no attributes. */
export function parseAttributes(json: string | null | undefined): Record<string, string> | null {
  if (!json) return null;
  try {
    const o: unknown = JSON.parse(json);
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, string>) : null;
  } catch {
    return null;
  }
}
