/**
 * SQLite persistence of alerting (sql/migrations/004_alerts.sql): rules, per rule × scope state, the intent
 * log of Slack writes, history events and digest subscriptions. Rules are zod-parsed on every read, so a
 * hand-edited or outdated row fails loudly with its id instead of misbehaving.
 */
import { stmt, type Db } from '../warehouse/db.js';
import { sqliteSql, type Sql } from '../warehouse/sql.js';
import { ruleSpecSchema, type Rule, type RuleSpec, type Severity } from './rules.js';
import type { MachineState, Phase, Shown } from './machine.js';
import type { AlertView } from './view.js';

/** Prepared statements per connection (kept here for the alert modules that import it from the store). */
export { stmt };

// ------------------------------------------------------------------------------------------------ rules

interface RuleRow {
  rule_id: number;
  spec: string;
  source_text: string;
  enabled: number;
  muted_until: number | null;
  muted_by: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

function toRule(r: RuleRow): Rule {
  const parsed = ruleSpecSchema.safeParse(JSON.parse(r.spec));
  if (!parsed.success) throw new Error(`alert rule ${r.rule_id} in the database is invalid: ${parsed.error.message}`);
  return {
    id: r.rule_id, spec: parsed.data, sourceText: r.source_text, enabled: r.enabled === 1, mutedUntil: r.muted_until, mutedBy: r.muted_by,
    createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function insertRule(db: Db, spec: RuleSpec, sourceText: string, createdBy: string | null, now: number): Rule {
  const r = stmt(db, `INSERT INTO alert_rules (spec, source_text, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING *`)
    .get(JSON.stringify(spec), sourceText, createdBy, now, now) as RuleRow;
  return toRule(r);
}

export function updateRule(db: Db, id: number, spec: RuleSpec, sourceText: string, now: number): Rule {
  const r = stmt(db, `UPDATE alert_rules SET spec = ?, source_text = ?, updated_at = ? WHERE rule_id = ? RETURNING *`).get(JSON.stringify(spec), sourceText, now, id) as RuleRow | undefined;
  if (!r) throw new Error(`no rule ${id}`);
  return toRule(r);
}

export function getRule(db: Db, id: number): Rule | null {
  const r = stmt(db, `SELECT * FROM alert_rules WHERE rule_id = ?`).get(id) as RuleRow | undefined;
  return r ? toRule(r) : null;
}

export function listRules(db: Db, opts: { enabledOnly?: boolean } = {}): Rule[] {
  const rows = stmt(db, `SELECT * FROM alert_rules ${opts.enabledOnly ? 'WHERE enabled = 1' : ''} ORDER BY rule_id`).all() as RuleRow[];
  return rows.map(toRule);
}

export function deleteRule(db: Db, id: number): boolean {
  return stmt(db, `DELETE FROM alert_rules WHERE rule_id = ?`).run(id).changes > 0;
}

export function setMute(db: Db, id: number, until: number | null, by: string | null, now: number): void {
  stmt(db, `UPDATE alert_rules SET muted_until = ?, muted_by = ?, updated_at = ? WHERE rule_id = ?`).run(until, until === null ? null : by, now, id);
}

// ------------------------------------------------------------------------------------------------ state

export interface StoredState extends MachineState {
  ruleId: number;
  scope: string;
  snoozedUntil: number | null;
  snoozedBy: string | null;
  ackedBy: string | null;
  ackedAt: number | null;
  messageChannel: string | null;
  messageTs: string | null;
  view: string | null;
}

interface StateRow {
  rule_id: number;
  scope: string;
  phase: Phase;
  breach_since: number | null;
  fired_at: number | null;
  resolved_at: number | null;
  last_value: number | null;
  peak: number | null;
  severity: Severity | null;
  shown: Shown;
  shown_severity: Severity | null;
  last_notified_at: number | null;
  episode: number;
  reopens: number;
  cursor: number;
  watched_ms: number;
  snoozed_until: number | null;
  snoozed_by: string | null;
  acked_by: string | null;
  acked_at: number | null;
  message_channel: string | null;
  message_ts: string | null;
  view: string | null;
}

function toState(r: StateRow): StoredState {
  return {
    ruleId: r.rule_id, scope: r.scope, phase: r.phase, breachSince: r.breach_since, firedAt: r.fired_at, resolvedAt: r.resolved_at,
    lastValue: r.last_value, peak: r.peak, severity: r.severity, shown: r.shown, shownSeverity: r.shown_severity,
    lastNotifiedAt: r.last_notified_at, episode: r.episode, reopens: r.reopens, cursor: r.cursor, watchedMs: r.watched_ms, snoozedUntil: r.snoozed_until,
    snoozedBy: r.snoozed_by, ackedBy: r.acked_by, ackedAt: r.acked_at, messageChannel: r.message_channel, messageTs: r.message_ts, view: r.view,
  };
}

const STATE_COLUMNS = `rule_id, scope, phase, breach_since, fired_at, resolved_at, last_value, peak, severity, shown, shown_severity,
  last_notified_at, episode, reopens, cursor, snoozed_until, snoozed_by, acked_by, acked_at, message_channel, message_ts, NULL AS view, watched_ms`;

/**
 * Every state (or one rule's), without the stored message views (read them with getStateView when needed).
 * Raw rows built by hand: this runs every tick over every rule × scope.
 */
export function loadStates(db: Db, ruleId?: number): Map<string, StoredState> {
  const st = ruleId === undefined ? stmt(db, `SELECT ${STATE_COLUMNS} FROM alert_state`) : stmt(db, `SELECT ${STATE_COLUMNS} FROM alert_state WHERE rule_id = ?`);
  const rows = (ruleId === undefined ? st.raw(true).all() : st.raw(true).all(ruleId)) as unknown[][];
  const out = new Map<string, StoredState>();
  for (const r of rows) {
    const s: StoredState = {
      ruleId: r[0] as number, scope: r[1] as string, phase: r[2] as Phase, breachSince: r[3] as number | null, firedAt: r[4] as number | null,
      resolvedAt: r[5] as number | null, lastValue: r[6] as number | null, peak: r[7] as number | null, severity: r[8] as Severity | null,
      shown: r[9] as Shown, shownSeverity: r[10] as Severity | null, lastNotifiedAt: r[11] as number | null, episode: r[12] as number,
      reopens: r[13] as number, cursor: r[14] as number, snoozedUntil: r[15] as number | null, snoozedBy: r[16] as string | null,
      ackedBy: r[17] as string | null, ackedAt: r[18] as number | null, messageChannel: r[19] as string | null, messageTs: r[20] as string | null, view: null, watchedMs: r[22] as number,
    };
    out.set(stateKey(s.ruleId, s.scope), s);
  }
  return out;
}

/** Advances the cursor of many rules' states on one scope in one statement (the per-tick common case). */
export function moveCursors(db: Db, scope: string, ruleIds: number[], cursor: number, now: number): void {
  stmt(db, `UPDATE alert_state SET cursor = ?, updated_at = ? WHERE scope = ? AND rule_id IN (SELECT value FROM json_each(?))`).run(cursor, now, scope, JSON.stringify(ruleIds));
}

export function getStateView(db: Db, ruleId: number, scope: string): string | null {
  return (stmt(db, `SELECT view FROM alert_state WHERE rule_id = ? AND scope = ?`).get(ruleId, scope) as { view: string | null } | undefined)?.view ?? null;
}

export function saveStateView(db: Db, ruleId: number, scope: string, view: string): void {
  stmt(db, `UPDATE alert_state SET view = ? WHERE rule_id = ? AND scope = ?`).run(view, ruleId, scope);
}

export function getState(db: Db, ruleId: number, scope: string): StoredState | null {
  const r = stmt(db, `SELECT * FROM alert_state WHERE rule_id = ? AND scope = ?`).get(ruleId, scope) as StateRow | undefined;
  return r ? toState(r) : null;
}

export const stateKey = (ruleId: number, scope: string) => `${ruleId}\u0000${scope}`;

/** Upserts a state row (not its view: saveStateView writes that, only when a message changes). */
export function saveState(db: Db, s: StoredState, now: number): void {
  stmt(
    db,
    `INSERT INTO alert_state (rule_id, scope, phase, breach_since, fired_at, resolved_at, last_value, peak, severity, shown, shown_severity,
       last_notified_at, episode, reopens, cursor, watched_ms, snoozed_until, snoozed_by, acked_by, acked_at, message_channel, message_ts, updated_at)
     VALUES (@ruleId, @scope, @phase, @breachSince, @firedAt, @resolvedAt, @lastValue, @peak, @severity, @shown, @shownSeverity,
       @lastNotifiedAt, @episode, @reopens, @cursor, @watchedMs, @snoozedUntil, @snoozedBy, @ackedBy, @ackedAt, @messageChannel, @messageTs, @now)
     ON CONFLICT (rule_id, scope) DO UPDATE SET phase = excluded.phase, breach_since = excluded.breach_since, fired_at = excluded.fired_at,
       resolved_at = excluded.resolved_at, last_value = excluded.last_value, peak = excluded.peak, severity = excluded.severity,
       shown = excluded.shown, shown_severity = excluded.shown_severity, last_notified_at = excluded.last_notified_at,
       episode = excluded.episode, reopens = excluded.reopens, cursor = excluded.cursor, watched_ms = excluded.watched_ms,
       snoozed_until = excluded.snoozed_until, snoozed_by = excluded.snoozed_by, acked_by = excluded.acked_by, acked_at = excluded.acked_at,
       message_channel = excluded.message_channel, message_ts = excluded.message_ts, updated_at = excluded.updated_at`,
  ).run({
    ruleId: s.ruleId, scope: s.scope, phase: s.phase, breachSince: s.breachSince, firedAt: s.firedAt, resolvedAt: s.resolvedAt,
    lastValue: finiteOrNull(s.lastValue), peak: finiteOrNull(s.peak), severity: s.severity, shown: s.shown, shownSeverity: s.shownSeverity,
    lastNotifiedAt: s.lastNotifiedAt, episode: s.episode, reopens: s.reopens, cursor: s.cursor, watchedMs: s.watchedMs, snoozedUntil: s.snoozedUntil, snoozedBy: s.snoozedBy,
    ackedBy: s.ackedBy, ackedAt: s.ackedAt, messageChannel: s.messageChannel, messageTs: s.messageTs, now,
  });
}

function finiteOrNull(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : x;
}

/** Interactive changes (ack, snooze) touch only their columns, so a concurrent tick cannot undo them. */
export function setAck(db: Db, ruleId: number, scope: string, by: string, at: number): void {
  stmt(db, `UPDATE alert_state SET acked_by = ?, acked_at = ?, updated_at = ? WHERE rule_id = ? AND scope = ?`).run(by, at, at, ruleId, scope);
}

export function setSnooze(db: Db, ruleId: number, scope: string, until: number | null, by: string | null, now: number): void {
  stmt(db, `UPDATE alert_state SET snoozed_until = ?, snoozed_by = ?, updated_at = ? WHERE rule_id = ? AND scope = ?`).run(until, by, now, ruleId, scope);
}

// ------------------------------------------------------------------------------------------------ intents

export type IntentKind = 'post' | 'update' | 'reply';
export type IntentStatus = 'pending' | 'sending' | 'posted' | 'skipped' | 'failed';

export interface Intent {
  id: number;
  key: string;
  kind: IntentKind;
  ruleId: number | null;
  scope: string | null;
  channel: string;
  payload: IntentPayload;
  status: IntentStatus;
  attempts: number;
  notBefore: number;
  createdAt: number;
  postedAt: number | null;
  ts: string | null;
  channelId: string | null;
  error: string | null;
}

/**
 * What to write. `render` names the builder on the Slack side (src/slack/alerts/messages.ts); `view` is its data.
 * `parentKey` is the intent whose message an update edits or a reply threads under.
 */
export interface IntentPayload {
  render: 'alert' | 'alert_reply' | 'digest';
  view: unknown;
  parentKey?: string;
  /** Thread replies also shown in the channel. */
  broadcast?: boolean;
  /** An update whose message is gone posts anew (chat.update → message_not_found). */
  postIfGone?: boolean;
}

interface IntentRow {
  intent_id: number;
  key: string;
  kind: IntentKind;
  rule_id: number | null;
  scope: string | null;
  channel: string;
  payload: string;
  status: IntentStatus;
  attempts: number;
  not_before: number;
  created_at: number;
  posted_at: number | null;
  ts: string | null;
  channel_id: string | null;
  error: string | null;
}

function toIntent(r: IntentRow): Intent {
  return {
    id: r.intent_id, key: r.key, kind: r.kind, ruleId: r.rule_id, scope: r.scope, channel: r.channel, payload: JSON.parse(r.payload) as IntentPayload,
    status: r.status, attempts: r.attempts, notBefore: r.not_before, createdAt: r.created_at, postedAt: r.posted_at, ts: r.ts, channelId: r.channel_id, error: r.error,
  };
}

export interface NewIntent {
  key: string;
  kind: IntentKind;
  ruleId?: number | null;
  scope?: string | null;
  channel: string;
  payload: IntentPayload;
}

/** Records an intent; a key already recorded is ignored (returns false): the key is the idempotency token. */
export function recordIntent(db: Db, i: NewIntent, now: number): boolean {
  return (
    stmt(db, `INSERT INTO alert_intents (key, kind, rule_id, scope, channel, payload, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING`)
      .run(i.key, i.kind, i.ruleId ?? null, i.scope ?? null, i.channel, JSON.stringify(i.payload), now).changes > 0
  );
}

export function allIntents(db: Db): Intent[] {
  return (stmt(db, `SELECT * FROM alert_intents ORDER BY intent_id`).all() as IntentRow[]).map(toIntent);
}

/**
 * The intent log as the poster reads and writes it (src/alerts/poster.ts), async: on a shared Postgres it runs
 * on the server's event loop through the pool. Every write goes through `write`, which on Postgres fences it
 * with the leader lease (a leader that lost the lease writes nothing: LeaseLostError); on SQLite it runs as is.
 */
export class IntentStore {
  constructor(
    private readonly sql: Sql,
    private readonly write: <T>(fn: (sql: Sql) => Promise<T>) => Promise<T> = (fn) => fn(sql),
  ) {}

  static sqlite(db: Db): IntentStore {
    return new IntentStore(sqliteSql(db));
  }

  async open(): Promise<Intent[]> {
    return (await this.sql.all<IntentRow>(`SELECT * FROM alert_intents WHERE status IN ('pending', 'sending') ORDER BY intent_id`)).map(toIntent);
  }

  async get(key: string): Promise<Intent | null> {
    const r = await this.sql.get<IntentRow>(`SELECT * FROM alert_intents WHERE key = ?`, key);
    return r ? toIntent(r) : null;
  }

  /** Marks an intent as being sent (attempts + 1) before the network call: a crash now leaves it 'sending'. */
  async markSending(id: number): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_intents SET status = 'sending', attempts = attempts + 1 WHERE intent_id = ?`, id));
  }

  /**
   * A rule's `#name` channel resolved to its id (first resolution, by the poster): written back to every rule
   * that names it, the name kept for display, so later alerts go to the id and need no lookup. Returns the rules
   * changed. (The one statement the two dialects spell differently: SQLite's json_set, Postgres' jsonb.)
   */
  async adoptChannelId(name: string, channelId: string, now: number): Promise<number> {
    const q =
      this.sql.dialect === 'sqlite'
        ? `UPDATE alert_rules SET spec = json_set(spec, '$.channel', ?, '$.channelName', ?), updated_at = ? WHERE json_extract(spec, '$.channel') = ?`
        : `UPDATE alert_rules SET spec = (spec::jsonb || jsonb_build_object('channel', ?::text, 'channelName', ?::text))::text, updated_at = ? WHERE spec::jsonb ->> 'channel' = ?`;
    return this.write((w) => w.run(q, channelId, name.replace(/^#/, ''), now, name));
  }

  /** Records the channel id an intent will be posted to, before the call, so a restart reconciles without a lookup. */
  async pinChannel(id: number, channelId: string): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_intents SET channel_id = ? WHERE intent_id = ? AND channel_id IS NULL`, channelId, id));
  }

  async markPosted(id: number, ts: string | null, channelId: string | null, now: number): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_intents SET status = 'posted', ts = COALESCE(?, ts), channel_id = COALESCE(?, channel_id), posted_at = ?, error = NULL WHERE intent_id = ?`, ts, channelId, now, id));
  }

  /** Points a posted intent at another message (an update that had to post anew). */
  async repoint(key: string, ts: string, channelId: string | null): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_intents SET ts = ?, channel_id = COALESCE(?, channel_id) WHERE key = ?`, ts, channelId, key));
  }

  async markRetry(id: number, notBefore: number, error: string, status: 'pending' | 'sending' = 'pending'): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_intents SET status = ?, not_before = ?, error = ? WHERE intent_id = ?`, status, notBefore, error, id));
  }

  async markFinal(id: number, status: 'skipped' | 'failed', error: string | null): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_intents SET status = ?, error = ? WHERE intent_id = ?`, status, error, id));
  }

  /** Mirrors a posted alert message into its episode's state row (buttons find the message from there). */
  async setStateMessage(ruleId: number, scope: string, episode: number, channel: string, ts: string): Promise<void> {
    await this.write((w) => w.run(`UPDATE alert_state SET message_channel = ?, message_ts = ? WHERE rule_id = ? AND scope = ? AND episode = ?`, channel, ts, ruleId, scope, episode));
  }
}

// ------------------------------------------------------------------------------------------------ events

export interface AlertEvent {
  ruleId: number;
  scope: string;
  kind: string;
  at: number;
  value: number | null;
  actor: string | null;
  detail: string | null;
}

export function logEvent(db: Db, e: AlertEvent): void {
  stmt(db, `INSERT INTO alert_events (rule_id, scope, kind, at, value, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(e.ruleId, e.scope, e.kind, e.at, finiteOrNull(e.value), e.actor, e.detail);
}

export function eventsBetween(db: Db, from: number, to: number, kinds?: string[]): AlertEvent[] {
  const filter = kinds?.length ? `AND kind IN (${kinds.map(() => '?').join(',')})` : '';
  return stmt(db, `SELECT rule_id AS ruleId, scope, kind, at, value, actor, detail FROM alert_events WHERE at >= ? AND at < ? ${filter} ORDER BY at`)
    .all(from, to, ...(kinds ?? [])) as AlertEvent[];
}

// ------------------------------------------------------------------------------------------------ digests

export interface DigestSub {
  channel: string;
  localTime: string;
  timeZone: string;
  createdBy: string | null;
  createdAt: number;
  lastSentDate: string | null;
}

export function upsertDigest(db: Db, d: Omit<DigestSub, 'lastSentDate' | 'createdAt'>, now: number): void {
  stmt(db, 
    `INSERT INTO alert_digests (channel, local_time, time_zone, created_by, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (channel) DO UPDATE SET local_time = excluded.local_time, time_zone = excluded.time_zone`,
  ).run(d.channel, d.localTime, d.timeZone, d.createdBy, now);
}

export function listDigests(db: Db): DigestSub[] {
  return stmt(db, `SELECT channel, local_time AS localTime, time_zone AS timeZone, created_by AS createdBy, created_at AS createdAt, last_sent_date AS lastSentDate FROM alert_digests ORDER BY channel`)
    .all() as DigestSub[];
}

export function deleteDigest(db: Db, channel: string): boolean {
  return stmt(db, `DELETE FROM alert_digests WHERE channel = ?`).run(channel).changes > 0;
}

export function markDigestSent(db: Db, channel: string, date: string): void {
  stmt(db, `UPDATE alert_digests SET last_sent_date = ? WHERE channel = ?`).run(date, channel);
}

/** Alerts firing now (their latest stored views with ack / snooze folded in), newest first: the Home tab. */
export function openAlertViews(db: Db, limit = 10): { view: AlertView; ackedBy: string | null; snoozedUntil: number | null }[] {
  const rows = db
    .prepare(`SELECT view, acked_by AS ackedBy, snoozed_until AS snoozedUntil FROM alert_state WHERE phase = 'firing' AND view IS NOT NULL ORDER BY fired_at DESC LIMIT ?`)
    .all(limit) as { view: string; ackedBy: string | null; snoozedUntil: number | null }[];
  return rows.map((r) => ({ view: JSON.parse(r.view) as AlertView, ackedBy: r.ackedBy, snoozedUntil: r.snoozedUntil }));
}
