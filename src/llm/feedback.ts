/** 👍 / 👎 on answers (llm_feedback, migration 002): what was asked, how it was answered, and the rating. */
import type { Db } from '../warehouse/db.js';

export interface FeedbackInput {
  rating: 1 | -1 | 'up' | 'down';
  channelId?: string | null;
  threadTs?: string | null;
  userId?: string | null;
  question?: string | null;
  command?: string | null;
  args?: unknown;
  source?: 'llm' | 'narrator' | null;
  comment?: string | null;
  now?: Date;
}

/** Stores one rating; returns its id. Throws on a rating other than up/down (a caller bug). */
export function recordFeedback(db: Db, f: FeedbackInput): number {
  const rating = f.rating === 'up' ? 1 : f.rating === 'down' ? -1 : f.rating;
  if (rating !== 1 && rating !== -1) throw new Error(`feedback rating must be up/down or ±1, got ${String(f.rating)}`);
  const at = (f.now ?? new Date()).toISOString().slice(0, 19) + 'Z';
  return Number(
    db
      .prepare(
        `INSERT INTO llm_feedback (at, channel_id, thread_ts, user_id, question, command, args, source, rating, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(at, f.channelId ?? null, f.threadTs ?? null, f.userId ?? null, f.question?.slice(0, 2000) ?? null, f.command ?? null, f.args === undefined ? null : JSON.stringify(f.args), f.source ?? null, rating, f.comment?.slice(0, 2000) ?? null)
      .lastInsertRowid,
  );
}

export interface FeedbackSummary {
  up: number;
  down: number;
  byCommand: { command: string | null; source: string | null; up: number; down: number }[];
}

export function feedbackSummary(db: Db, since?: string): FeedbackSummary {
  const rows = db
    .prepare(
      `SELECT command, source, SUM(rating = 1) AS up, SUM(rating = -1) AS down FROM llm_feedback ${since ? 'WHERE at >= ?' : ''}
       GROUP BY command, source ORDER BY command, source`,
    )
    .all(...(since ? [since] : [])) as { command: string | null; source: string | null; up: number; down: number }[];
  return { up: rows.reduce((s, r) => s + r.up, 0), down: rows.reduce((s, r) => s + r.down, 0), byCommand: rows };
}
