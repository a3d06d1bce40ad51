/**
 * Column specifications of every ingestible table: how a file is recognised from its header, how each
 * cell is parsed (type, range, allowed values), and the row-level rules that relate columns. The ingest
 * compiles these into one converter per file, so a million rows cost no per-row schema interpretation.
 */

export type ColumnType = 'int' | 'num' | 'text' | 'ts' | 'date' | 'enum' | 'bool01';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required?: boolean;
  min?: number;
  max?: number;
  /** Exclusive lower bound (sl_target_pct > 0). */
  gt?: number;
  values?: readonly string[];
  /** Default when the column is absent or the cell empty. */
  default?: string | number | null;
  /** Example of a good value, shown in error messages. */
  example: string;
}

export type Cell = string | number | null;

export interface RowIssue {
  column: string;
  value: string;
  reason: string;
  /** A correct example, when the column's own example would not say enough (a rule across columns). */
  example?: string;
}

export interface TableSpec {
  table: string;
  /** Short name used in reports and `--json`. */
  label: string;
  /** Header columns that identify the table (all must be present). */
  signature: string[];
  /** Header columns whose presence rules this table out. */
  excludes?: string[];
  key: string[];
  columns: ColumnSpec[];
  /** Cross-column rules on a parsed row (by column name); returns issues. */
  check?: (row: Record<string, Cell>) => RowIssue[];
  /** Files of this table are loaded before others (sla_policy: time zones and interval lengths). */
  order: number;
}

/** The outcome counts of an interval row: all filled (it happened) or all empty (a plan). */
export const OUTCOME_COUNTS = ['offered', 'handled', 'abandoned', 'answered_within_target'] as const;

/**
 * A plan row (every outcome count empty) must carry the plan (forecast_offered, forecast_aht_seconds; the
 * planned agents_staffed is required anyway) and nothing of an outcome (AHT, ACW, waits are measured).
 */
function planIssues(r: Record<string, Cell>): RowIssue[] {
  const out: RowIssue[] = [];
  for (const c of ['forecast_offered', 'forecast_aht_seconds'] as const) {
    if (r[c] === null) out.push({ column: c, value: '', reason: `is required on a plan row (${OUTCOME_COUNTS.join(', ')} empty): the plan is forecast volume, forecast AHT and planned agents` });
  }
  for (const c of ['aht_seconds', 'acw_seconds', 'answered_wait_seconds', 'abandoned_wait_seconds'] as const) {
    if (r[c] !== null) out.push({ column: c, value: String(r[c]), reason: `is an outcome, but ${OUTCOME_COUNTS.join(', ')} are empty (a plan row): leave it empty, or fill the outcome counts too`, example: c === 'aht_seconds' || c === 'acw_seconds' ? 'forecast_aht_seconds=300 (the planned AHT)' : undefined });
  }
  return out;
}

const ts = (name: string, required = false, example = '2026-11-20T09:30:00Z'): ColumnSpec => ({ name, type: 'ts', required, example });

export const INTERVAL_SECONDS = [300, 600, 900, 1800, 3600] as const;

export const TABLES: TableSpec[] = [
  {
    table: 'sla_policy',
    label: 'sla_policy',
    signature: ['queue', 'sl_target_pct', 'sl_target_seconds'],
    excludes: ['interval_start', 'offered'],
    key: ['queue'],
    order: 0,
    columns: [
      { name: 'queue', type: 'text', required: true, example: 'billing' },
      { name: 'sl_target_pct', type: 'num', required: true, gt: 0, max: 100, example: '80' },
      { name: 'sl_target_seconds', type: 'num', required: true, min: 0, example: '20' },
      { name: 'interval_seconds', type: 'enum', values: INTERVAL_SECONDS.map(String), default: 1800, example: '1800' },
      { name: 'time_zone', type: 'text', default: null, example: 'America/New_York' },
      { name: 'display_name', type: 'text', default: null, example: 'Billing' },
    ],
  },
  {
    table: 'interval_inputs',
    label: 'intervals',
    signature: ['interval_start', 'offered'],
    key: ['queue', 'interval_start'],
    order: 1,
    columns: [
      ts('interval_start', true, '2026-11-20T09:30:00Z'),
      { name: 'queue', type: 'text', required: true, example: 'billing' },
      // Outcome counts: all four filled (an interval that happened) or all four empty (a plan; see check).
      { name: 'offered', type: 'int', min: 0, default: null, example: '120' },
      { name: 'handled', type: 'int', min: 0, default: null, example: '112' },
      { name: 'abandoned', type: 'int', min: 0, default: null, example: '8' },
      { name: 'answered_within_target', type: 'int', min: 0, default: null, example: '95' },
      { name: 'aht_seconds', type: 'num', min: 0, max: 86_400, default: null, example: '310.5' },
      { name: 'acw_seconds', type: 'num', min: 0, max: 86_400, default: null, example: '45' },
      { name: 'agents_staffed', type: 'num', required: true, min: 0, max: 100_000, example: '18.5' },
      { name: 'sl_target_pct', type: 'num', required: true, gt: 0, max: 100, example: '80' },
      { name: 'sl_target_seconds', type: 'num', required: true, min: 0, example: '20' },
      { name: 'forecast_offered', type: 'num', min: 0, default: null, example: '118' },
      { name: 'forecast_aht_seconds', type: 'num', min: 0, default: null, example: '300' },
      { name: 'answered_wait_seconds', type: 'num', min: 0, default: null, example: '1520' },
      { name: 'abandoned_wait_seconds', type: 'num', min: 0, default: null, example: '610' },
    ],
    check(r) {
      let empties = 0;
      for (const c of OUTCOME_COUNTS) if (r[c] === null) empties++;
      if (empties === OUTCOME_COUNTS.length) return planIssues(r);
      const out: RowIssue[] = [];
      if (empties) {
        const empty = OUTCOME_COUNTS.filter((c) => r[c] === null);
        const filled = OUTCOME_COUNTS.filter((c) => r[c] !== null);
        return [{
          column: empty.join(', '),
          value: '',
          reason: `is empty while ${filled.join(', ')} ${filled.length === 1 ? 'is' : 'are'} filled: an interval row is either an outcome (all of ${OUTCOME_COUNTS.join(', ')} filled) or a plan (all of them, aht_seconds and acw_seconds empty; forecast_offered, forecast_aht_seconds and agents_staffed filled)`,
          example: 'outcome: offered=120, handled=112, abandoned=8, answered_within_target=95; plan: all four empty, forecast_offered=118, forecast_aht_seconds=300, agents_staffed=18',
        }];
      }
      const offered = r.offered as number;
      const handled = r.handled as number;
      const abandoned = r.abandoned as number;
      const awt = r.answered_within_target as number;
      if (handled + abandoned > offered) out.push({ column: 'handled', value: String(handled), reason: `handled + abandoned (${handled + abandoned}) must be ≤ offered (${offered})` });
      if (awt > handled) out.push({ column: 'answered_within_target', value: String(awt), reason: `must be ≤ handled (${handled})` });
      if (handled > 0 && r.aht_seconds === null) out.push({ column: 'aht_seconds', value: '', reason: `required when handled > 0 (handled = ${handled})` });
      if (r.acw_seconds !== null && r.aht_seconds !== null && (r.acw_seconds as number) > (r.aht_seconds as number))
        out.push({ column: 'acw_seconds', value: String(r.acw_seconds), reason: `ACW is part of AHT, so it must be ≤ aht_seconds (${r.aht_seconds})` });
      return out;
    },
  },
  {
    table: 'customers',
    label: 'customers',
    signature: ['customer_id', 'tier'],
    excludes: ['ticket_id'],
    key: ['customer_id'],
    order: 2,
    columns: [
      { name: 'customer_id', type: 'text', required: true, example: 'C-1001' },
      { name: 'name', type: 'text', default: null, example: 'Acme Ltd' },
      { name: 'tier', type: 'enum', required: true, values: ['standard', 'premium', 'enterprise'], example: 'premium' },
      { name: 'region', type: 'text', default: null, example: 'EMEA' },
      ts('created_at'),
    ],
  },
  {
    table: 'agents',
    label: 'agents',
    signature: ['agent_id', 'name'],
    excludes: ['ticket_id', 'event_id'],
    key: ['agent_id'],
    order: 2,
    columns: [
      { name: 'agent_id', type: 'text', required: true, example: 'A-017' },
      { name: 'name', type: 'text', required: true, example: 'Dana Smith' },
      { name: 'queue', type: 'text', default: null, example: 'billing' },
      { name: 'team', type: 'text', default: null, example: 'Tier 1' },
      { name: 'hired_at', type: 'date', default: null, example: '2023-04-01' },
      { name: 'level', type: 'enum', values: ['junior', 'mid', 'senior', 'lead'], default: null, example: 'mid' },
    ],
  },
  {
    table: 'tickets',
    label: 'tickets',
    signature: ['ticket_id', 'created_at', 'subject'],
    key: ['ticket_id'],
    order: 3,
    columns: [
      { name: 'ticket_id', type: 'text', required: true, example: 'T-10234' },
      ts('created_at', true),
      ts('first_response_at'),
      ts('resolved_at'),
      { name: 'status', type: 'enum', required: true, values: ['open', 'pending', 'solved', 'closed'], example: 'open' },
      { name: 'priority', type: 'enum', required: true, values: ['low', 'normal', 'high', 'urgent'], example: 'normal' },
      { name: 'channel', type: 'enum', required: true, values: ['email', 'chat', 'phone', 'web', 'social'], example: 'email' },
      { name: 'queue', type: 'text', required: true, example: 'billing' },
      { name: 'customer_id', type: 'text', default: null, example: 'C-1001' },
      { name: 'agent_id', type: 'text', default: null, example: 'A-017' },
      { name: 'subject', type: 'text', required: true, example: 'Invoice portal shows error 500' },
      { name: 'body', type: 'text', default: '', example: 'I cannot download my invoice…' },
      { name: 'category', type: 'text', default: null, example: 'invoice_portal_error' },
      { name: 'csat', type: 'int', min: 1, max: 5, default: null, example: '4' },
      { name: 'reopen_count', type: 'int', min: 0, default: 0, example: '0' },
      { name: 'escalated', type: 'bool01', default: null, example: '0' },
      { name: 'sla_breached', type: 'bool01', default: null, example: '1' },
      ts('due_at'),
    ],
    check(r) {
      const out: RowIssue[] = [];
      const created = r.created_at as string;
      for (const c of ['first_response_at', 'resolved_at'] as const) {
        if (r[c] !== null && (r[c] as string) < created) out.push({ column: c, value: String(r[c]), reason: `is before created_at (${created})` });
      }
      return out;
    },
  },
  {
    table: 'ticket_events',
    label: 'ticket_events',
    signature: ['event_id', 'ticket_id', 'type'],
    key: ['event_id'],
    order: 4,
    columns: [
      { name: 'event_id', type: 'text', required: true, example: 'E-55012' },
      { name: 'ticket_id', type: 'text', required: true, example: 'T-10234' },
      ts('at', true),
      { name: 'type', type: 'enum', required: true, values: ['created', 'comment', 'transfer', 'reassign', 'status', 'escalated', 'resolved', 'reopened'], example: 'comment' },
      { name: 'author_type', type: 'enum', values: ['customer', 'agent', 'system'], default: null, example: 'customer' },
      { name: 'agent_id', type: 'text', default: null, example: 'A-017' },
      { name: 'from_queue', type: 'text', default: null, example: 'billing' },
      { name: 'to_queue', type: 'text', default: null, example: 'accounts' },
      { name: 'status', type: 'text', default: null, example: 'pending' },
      { name: 'body', type: 'text', default: null, example: 'Any update on this?' },
    ],
  },
];

/** Recognises a table from a header row (lower-cased, trimmed). Null when nothing matches. */
export function recognise(header: string[]): TableSpec | null {
  const set = new Set(header);
  const hits = TABLES.filter((t) => t.signature.every((c) => set.has(c)) && !(t.excludes ?? []).some((c) => set.has(c)));
  // Most specific signature wins (tickets over agents, events over tickets).
  hits.sort((a, b) => b.signature.length - a.signature.length);
  return hits[0] ?? null;
}
