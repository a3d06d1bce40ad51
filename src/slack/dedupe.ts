/**
 * At-most-once answers to Events API deliveries. Slack retries an event (X-Slack-Retry-Num) when our ack
 * is late or lost; the first delivery to claim an event_id answers, every later one is dropped. Rows live
 * for the TTL (Slack retries within minutes) and are pruned as new events arrive.
 *
 * The claim is one INSERT … ON CONFLICT DO NOTHING: atomic across connections, so on a shared Postgres
 * several `radar serve` processes behind one Request URL answer each event once between them.
 */
import type { Sql } from '../warehouse/sql.js';

export const DEDUPE_TTL_MS = 60 * 60 * 1000;

/** True when this delivery is the first for `eventId` within the TTL (and records it); false for a repeat. */
export async function claimEvent(sql: Sql, eventId: string, nowMs: number, ttlMs: number = DEDUPE_TTL_MS): Promise<boolean> {
  await sql.run('DELETE FROM event_dedupe WHERE seen_at < ?', nowMs - ttlMs);
  return (await sql.run('INSERT INTO event_dedupe (event_id, seen_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING', eventId, nowMs)) === 1;
}
