/**
 * The data an alert message shows (the Slack builders in src/slack/alerts/messages.ts render it). Stored with the
 * intent and in the state row, so a message can be re-rendered after an ack or snooze without re-evaluating.
 */
import type { Comparator, Metric } from './metrics.js';
import type { Severity } from './rules.js';

export interface AlertView {
  /** Key of the alert's first message (its metadata key). */
  key: string;
  ruleId: number;
  ruleName: string | null;
  ruleSummary: string;
  metric: Metric;
  metricLabel: string;
  scope: string;
  scopeLabel: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  comparator: Comparator;
  value: number | null;
  valueText: string;
  threshold: number;
  thresholdText: string;
  peak: number | null;
  peakText: string;
  /** When the breach began (ms). */
  firedAt: number;
  resolvedAt: number | null;
  /** When this view was made (ms). */
  asOf: number;
  tz: string;
  reopens: number;
  /** Lines of detail (drift events, risky tickets). */
  detail: string[];
  /** Likely driver sentence (drift attribution). */
  driver: string | null;
  /** What-if that recovers it, and the command the "Run what-if" button runs. */
  whatIf: { text: string; command: string } | null;
  /** Why? button: the command to run (e.g. `why billing today`). */
  whyCommand: string | null;
  ackedBy: string | null;
  ackedAt: number | null;
  snoozedBy: string | null;
  snoozedUntil: number | null;
  mutedUntil: number | null;
  /** For thread replies: what happened ("resolved", "breached again", "severity high → critical", "still firing"). */
  event?: 'fired' | 'resolved' | 'reopened' | 'severity' | 'repeat';
  previousSeverity?: Severity | null;
}

export interface DigestView {
  channel: string;
  date: string;
  tz: string;
  queues: { queue: string; displayName: string; sl: number | null; targetPct: number; offered: number; abandonRate: number | null; intervalsBelowTarget: number }[];
  drift: { queue: string; text: string }[];
  risk: { ticketId: string; queue: string; score: number; subject: string | null }[];
  riskNote: string | null;
  alerts: { ruleId: number; scope: string; label: string; firedAt: number; resolvedAt: number | null; peakText: string }[];
  alertsFired: number;
}
