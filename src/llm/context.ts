/**
 * Follow-up context per Slack thread (thread_context, migration 002): the last routed command and its
 * slots, so "and tech support?" inherits the rest. One row per channel + thread_ts, replaced on each answer.
 */
import type { Db } from '../warehouse/db.js';
import type { PreviousContext, Slots } from './rules.js';

/** A Slack thread: the channel and the thread's root ts. */
export interface ThreadKey {
  channel: string;
  threadTs: string;
}

export function loadThreadContext(db: Db, key: ThreadKey): (PreviousContext & { question: string; updatedAt: string }) | null {
  const r = db.prepare('SELECT command, slots, question, updated_at AS updatedAt FROM thread_context WHERE channel_id = ? AND thread_ts = ?').get(key.channel, key.threadTs) as
    | { command: string; slots: string; question: string; updatedAt: string }
    | undefined;
  if (!r) return null;
  let slots: Slots = {};
  try {
    slots = JSON.parse(r.slots) as Slots;
  } catch {
    slots = {};
  }
  return { command: r.command, slots, question: r.question, updatedAt: r.updatedAt };
}

export function saveThreadContext(db: Db, key: ThreadKey, ctx: PreviousContext & { question: string }, now: Date): void {
  db.prepare(
    `INSERT INTO thread_context (channel_id, thread_ts, command, slots, question, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (channel_id, thread_ts) DO UPDATE SET command = excluded.command, slots = excluded.slots, question = excluded.question, updated_at = excluded.updated_at`,
  ).run(key.channel, key.threadTs, ctx.command, JSON.stringify(ctx.slots), ctx.question.slice(0, 2000), now.toISOString().slice(0, 19) + 'Z');
}

/** Forgets threads idle for longer than `maxAgeDays` (housekeeping; returns rows removed). */
export function pruneThreadContext(db: Db, now: Date, maxAgeDays = 30): number {
  const cutoff = new Date(now.getTime() - maxAgeDays * 86_400_000).toISOString().slice(0, 19) + 'Z';
  return db.prepare('DELETE FROM thread_context WHERE updated_at < ?').run(cutoff).changes;
}
