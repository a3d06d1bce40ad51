/**
 * Risk text heads in the warehouse (table ticket_text_heads, migration 005): each ticket's subject + body
 * signals, computed once (at the ticket's first scoring) so that scoring scans only customer comments.
 * Derived data: a changed subject or body drops the row (trigger) and refreshTextHeads() fills every
 * missing or outdated one.
 */
import { endianness } from 'node:os';
import type Database from 'better-sqlite3';
import { isTextHead, textHead, TEXT_HEAD_VERSION } from '../engines/risk/text.js';
import { packTextHeads, type TextHeads } from '../engines/risk/features.js';

const CHUNK = 5000;
/** Open = not resolved (as readRiskData's openOnly). */
const OPEN = `t.resolved_at IS NULL AND t.status IN ('open', 'pending')`;

/**
 * Computes and stores the heads of tickets that lack a current one (only open tickets with `openOnly`, which
 * is what scoring needs); returns how many. One pass in ticket_id order. Risk scoring calls it first, so a
 * ticket's subject and body are scanned once, at its first scoring, not at every one.
 */
export function refreshTextHeads(db: Database.Database, opts: { openOnly?: boolean } = {}): number {
  const missing = db.prepare(
    `SELECT t.ticket_id, t.subject, t.body FROM tickets t
     LEFT JOIN ticket_text_heads h ON h.ticket_id = t.ticket_id AND h.version = ${TEXT_HEAD_VERSION}
     WHERE h.ticket_id IS NULL AND t.ticket_id > ? ${opts.openOnly ? `AND ${OPEN}` : ''}
     ORDER BY t.ticket_id LIMIT ${CHUNK}`,
  );
  const put = db.prepare('INSERT OR REPLACE INTO ticket_text_heads (ticket_id, version, signals) VALUES (?, ?, ?)');
  return db.transaction(() => {
    let n = 0;
    let after = '';
    for (;;) {
      const rows = missing.all(after) as { ticket_id: string; subject: string | null; body: string | null }[];
      for (const r of rows) put.run(r.ticket_id, TEXT_HEAD_VERSION, toBlob(textHead(r.subject, r.body)));
      n += rows.length;
      if (rows.length < CHUNK) return n;
      after = rows[rows.length - 1].ticket_id;
    }
  })();
}

function toBlob(v: Int32Array): Buffer {
  const b = Buffer.alloc(v.length * 4);
  for (let k = 0; k < v.length; k++) b.writeInt32LE(v[k], k * 4);
  return b;
}

/** Stored heads as read (null = none current) → TextHeads aligned with them. */
export function textHeadsFromBlobs(blobs: readonly (Buffer | null)[]): TextHeads {
  const le = endianness() === 'LE';
  return packTextHeads(
    blobs.map((b) => {
      if (!b || b.length % 4 !== 0) return null;
      const v = new Int32Array(b.length / 4);
      if (le) new Uint8Array(v.buffer).set(b);
      else for (let k = 0; k < v.length; k++) v[k] = b.readInt32LE(k * 4);
      // A damaged row is ignored: that ticket's subject and body are scanned instead.
      return isTextHead(v) ? v : null;
    }),
  );
}
