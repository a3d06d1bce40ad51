/**
 * Plain typed input of the risk engine. Field names mirror the warehouse views `v_ticket_facts` and
 * `v_ticket_events` (docs/data-formats.md), so a view row can be passed as is. Timestamps are ISO-8601
 * UTC text, as stored.
 *
 * Which fields the features may read is part of the contract (see features.ts): `resolved_at`, `csat`,
 * `reopen_count`, `status`, `escalated` and `sla_breached` are outcomes and never feed a feature;
 * `first_response_at` only when it is at or before the cut-off.
 */
export interface RiskTicket {
  ticket_id: string;
  created_at: string;
  first_response_at?: string | null;
  resolved_at?: string | null;
  status?: string | null;
  priority: string;
  channel: string;
  queue: string;
  customer_id?: string | null;
  /** customers.tier joined in: standard | premium | enterprise. */
  customer_tier?: string | null;
  agent_id?: string | null;
  /** agents.level of the ticket's agent joined in: junior | mid | senior | lead. */
  agent_level?: string | null;
  /** agents.hired_at of the ticket's agent (date or timestamp). */
  agent_hired_at?: string | null;
  subject: string;
  body?: string | null;
  category?: string | null;
  csat?: number | null;
  reopen_count?: number | null;
  escalated?: number | null;
  sla_breached?: number | null;
  due_at?: string | null;
  /**
   * The ticket's `attr_<name>` columns, keyed by name without the prefix (e.g. { region: 'EMEA' }): text
   * values are categorical; an attribute is numeric when every value parses as a number. Taken as known at
   * creation.
   */
  attributes?: Record<string, string | number | null> | null;
}

export type RiskEventType = 'created' | 'comment' | 'transfer' | 'reassign' | 'status' | 'escalated' | 'resolved' | 'reopened';

export interface RiskEvent {
  event_id: string;
  ticket_id: string;
  at: string;
  type: RiskEventType | string;
  author_type?: 'customer' | 'agent' | 'system' | string | null;
  agent_id?: string | null;
  from_queue?: string | null;
  to_queue?: string | null;
  status?: string | null;
  body?: string | null;
}

/** An agent as known to the warehouse (agents table); used when events show who held a ticket at the cut-off. */
export interface RiskAgent {
  agent_id: string;
  level?: string | null;
  hired_at?: string | null;
}

export type RiskLabel = 'escalated' | 'sla_breached';

export const RISK_LABELS: readonly RiskLabel[] = ['escalated', 'sla_breached'];
