/**
 * At-most-once answers to Events API deliveries. Slack retries an event (X-Slack-Retry-Num) when our ack
 * is late or lost; the first delivery to claim an event_id answers, every later one is dropped. Rows live
 * for the TTL (Slack retries within minutes) and are pruned as new events arrive.
 */
import type { Db } from '../warehouse/db.js';

export const DEDUPE_TTL_MS = 60 * 60 * 1000;

/** True when this delivery is the first for `eventId` within the TTL (and records it); false for a repeat. */
export function claimEvent(db: Db, eventId: string, nowMs: number, ttlMs: number = DEDUPE_TTL_MS): boolean {
  return db.transaction(() => {
    db.prepare('DELETE FROM event_dedupe WHERE seen_at < ?').run(nowMs - ttlMs);
    return db.prepare('INSERT INTO event_dedupe (event_id, seen_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING').run(eventId, nowMs).changes === 1;
  })();
}
