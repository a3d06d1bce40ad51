/**
 * Answers survive a Slack outage. Every answer is sent as a list of steps (plain data): a response_url post, a
 * chat.postMessage (optionally in the thread of a message an earlier step posted), an ephemeral, a chart
 * upload. `sendSteps` runs them in order, each retried in process by `deliver` (about a minute). When a step
 * still fails with an error that may pass (5xx, 429, network), the rest of the delivery — steps not yet sent
 * and the messages already posted, so thread links still resolve — goes into the `slack_outbox` table, and
 * the user's answer is sent when Slack recovers:
 *
 *  - the server's outbox tick (`Outbox.drain`, every few seconds, and once at start-up) claims due entries
 *    with a lease (one process sends an entry; a crashed sender's lease runs out and another takes over),
 *    tries each entry's next step once, records progress after every step Slack accepted, and on a retryable
 *    failure schedules the entry again with backoff or after Slack's Retry-After;
 *  - a response_url lives 30 minutes: a response step found later (or refused as expired) goes to its fallback
 *    instead — the asker's DM for an ephemeral answer, the channel for a public one;
 *  - an entry is given up (logged, status `failed`) when Slack refuses it for good or after 24 hours.
 *
 * Exactly once: a step is recorded as sent right after Slack accepts it; only a crash in between can repeat
 * that one step. The clock is injected (tests drive the tick directly; nothing sleeps on the wall clock).
 */
import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Db } from '../warehouse/db.js';
import { sqliteSql, type Sql } from '../warehouse/sql.js';
import { context, type Block } from '../blocks/kit.js';
import { deliver, retryDelay } from './retry.js';
import { sharedSql, type SlackDeps } from './deps.js';

type WebClient = webApi.WebClient;

/** A channel or thread given literally, or as "the message the step named `ref` posted". */
export type Where = string | { ref: string };

export interface RespondBody {
  response_type: 'ephemeral' | 'in_channel';
  replace_original: false;
  blocks?: Block[];
  text: string;
}

export type Step =
  /** POST to a response_url; after `expiresAt` (or when Slack says it is gone) posts to `fallback` instead. */
  | { kind: 'respond'; url: string; expiresAt: number; fallback?: string; body: RespondBody }
  /** chat.postMessage; `name` records the posted message (its channel, and its thread: `thread` or itself). */
  | { kind: 'post'; channel: Where; thread?: Where; blocks?: Block[]; text: string; name?: string }
  | { kind: 'ephemeral'; channel: string; user: string; blocks?: Block[]; text: string }
  /** A command's chart, rendered when sent (in process); becomes an `upload` when the delivery is stored. */
  | { kind: 'chart'; channel: Where; thread: Where; command: string; result: unknown }
  | { kind: 'upload'; channel: Where; thread: Where; png: string; filename: string; title: string };

export type Refs = Record<string, { channel: string; ts: string }>;

/** A response_url accepts posts for 30 minutes after the request. */
export const RESPONSE_URL_LIFE_MS = 30 * 60_000;
/** An entry still undelivered after this long is given up. */
export const OUTBOX_MAX_AGE_MS = 24 * 3600_000;
const LEASE_MS = 2 * 60_000;
const TICK_BACKOFF = { attempts: Infinity, baseMs: 5_000, maxMs: 5 * 60_000 };

/** A response_url refusal that will not pass: the URL expired or was used up. */
const GONE_STATUSES = new Set([404, 410]);

export class RespondError extends Error {
  readonly code = 'slack_bolt_respond_error';
  constructor(
    readonly statusCode: number,
    readonly retryAfter: number | undefined,
    body: string,
  ) {
    super(`response_url answered HTTP ${statusCode}: ${body.slice(0, 200)}`);
  }
}

/** POSTs a message to a response_url, as Bolt's respond() does; throws RespondError on a non-2xx answer. */
export async function postToResponseUrl(url: string, body: RespondBody): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.ok) {
    await res.arrayBuffer();
    return;
  }
  const ra = Number(res.headers.get('retry-after'));
  throw new RespondError(res.status, Number.isFinite(ra) && ra > 0 ? ra : undefined, await res.text());
}

/** Whether a failure may pass (5xx, 429, network): such a delivery is kept and sent later. */
export function retryable(err: unknown): boolean {
  return retryDelay(err, 1, TICK_BACKOFF) !== null;
}

function at(w: Where, refs: Refs, part: 'channel' | 'ts'): string {
  if (typeof w === 'string') return w;
  const r = refs[w.ref];
  if (!r) throw new Error(`delivery step refers to "${w.ref}", which was not posted`);
  return r[part];
}

const what = (s: Step): string =>
  s.kind === 'respond' ? 'respond' : s.kind === 'post' ? 'chat.postMessage' : s.kind === 'ephemeral' ? 'chat.postEphemeral' : 'filesUploadV2';

const LATE = context('_Sent late: Slack was unavailable when you asked._');

/** Sends one step; `late` marks answers delivered from the outbox. Records named posts into `refs`. */
async function sendStep(client: WebClient, s: Step, refs: Refs, now: number, late: boolean): Promise<void> {
  switch (s.kind) {
    case 'respond': {
      const mark = (b: RespondBody): RespondBody => (late && b.blocks ? { ...b, blocks: [...b.blocks, LATE] } : b);
      if (now < s.expiresAt || !s.fallback) {
        try {
          await postToResponseUrl(s.url, mark(s.body));
          return;
        } catch (err) {
          if (!(err instanceof RespondError && GONE_STATUSES.has(err.statusCode) && s.fallback)) throw err;
        }
      }
      const blocks = s.body.blocks ? [...s.body.blocks, LATE] : undefined;
      await client.chat.postMessage({ channel: s.fallback!, blocks, text: s.body.text, unfurl_links: false, unfurl_media: false });
      return;
    }
    case 'post': {
      const thread = s.thread === undefined ? undefined : at(s.thread, refs, 'ts');
      const channel = at(s.channel, refs, 'channel');
      const blocks = late && s.name && s.blocks ? [...s.blocks, LATE] : s.blocks;
      const res = await client.chat.postMessage({ channel, blocks, text: s.text, thread_ts: thread, unfurl_links: false, unfurl_media: false });
      if (s.name) refs[s.name] = { channel: res.channel ?? channel, ts: thread ?? res.ts ?? '' };
      return;
    }
    case 'ephemeral':
      await client.chat.postEphemeral({ channel: s.channel, user: s.user, blocks: s.blocks, text: s.text });
      return;
    case 'chart': {
      const png = await renderChart(s.command, s.result);
      if (png) await client.filesUploadV2({ channel_id: at(s.channel, refs, 'channel'), thread_ts: at(s.thread, refs, 'ts'), file: png, filename: `${s.command}.png`, title: `/radar ${s.command} chart` });
      return;
    }
    case 'upload':
      await client.filesUploadV2({ channel_id: at(s.channel, refs, 'channel'), thread_ts: at(s.thread, refs, 'ts'), file: Buffer.from(s.png, 'base64'), filename: s.filename, title: s.title });
      return;
  }
}

async function renderChart(command: string, result: unknown): Promise<Buffer | null> {
  const { chartPng } = await import('../charts/index.js');
  return chartPng(command, result);
}

/** A chart is extra: a failure that retrying cannot fix is logged and the rest of the answer stands. */
const optional = (s: Step) => s.kind === 'chart' || s.kind === 'upload';

export interface Sent {
  /** The rest of the delivery waits in the outbox (Slack is failing); it is sent when Slack recovers. */
  queued: boolean;
  refs: Refs;
}

/**
 * Sends a delivery now (each step retried by `deliver`). A step that still fails with a retryable error puts
 * the rest in the outbox (queued: true); any other failure of a required step is thrown, so the caller can fall
 * back (e.g. a public answer through response_url when the bot cannot post in the channel).
 */
export async function sendSteps(deps: Pick<SlackDeps, 'db' | 'shared' | 'logger' | 'sleep' | 'retry' | 'now' | 'deliveryClient'>, listenerClient: WebClient, label: string, steps: Step[], refs: Refs = {}): Promise<Sent> {
  const client = deps.deliveryClient ?? listenerClient;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    try {
      await deliver(deps, what(s), () => sendStep(client, s, refs, deps.now().getTime(), false));
    } catch (err) {
      if (retryable(err)) {
        const id = await enqueue(sharedSql(deps), label, steps.slice(i), refs, deps.now().getTime(), String((err as Error)?.message ?? err), deps.logger);
        deps.logger.warn({ outboxId: id, what: label, step: s.kind, err: (err as Error)?.message }, 'Slack keeps failing; the answer waits in the outbox and is sent when Slack recovers');
        return { queued: true, refs };
      }
      if (!optional(s)) throw err;
      deps.logger.warn({ err, step: s.kind, what: label }, 'chart upload failed (the answer stands)');
    }
  }
  return { queued: false, refs };
}

/** Stored steps are plain data: charts are rendered now (the result is at hand), a chart that fails is dropped. */
async function storable(steps: Step[], logger: Logger): Promise<Step[]> {
  const out: Step[] = [];
  for (const s of steps) {
    if (s.kind !== 'chart') {
      out.push(s);
      continue;
    }
    try {
      const png = await renderChart(s.command, s.result);
      if (png) out.push({ kind: 'upload', channel: s.channel, thread: s.thread, png: png.toString('base64'), filename: `${s.command}.png`, title: `/radar ${s.command} chart` });
    } catch (err) {
      logger.warn({ err, command: s.command }, 'chart could not be rendered for the outbox (the answer stands)');
    }
  }
  return out;
}

/** Replies into one known thread form a chain: the numbers, then their explanation, never the other way round. */
function chainOf(steps: Step[]): string | null {
  for (const s of steps) {
    if (s.kind !== 'respond' && s.kind !== 'ephemeral' && typeof s.channel === 'string' && typeof s.thread === 'string') return `${s.channel}/${s.thread}`;
  }
  return null;
}

/** Stores the rest of a delivery; returns its outbox id. */
export async function enqueue(sql: Sql, label: string, steps: Step[], refs: Refs, now: number, error: string, logger: Logger): Promise<number> {
  const plain = await storable(steps, logger);
  const r = await sql.get<{ id: number }>(
    `INSERT INTO slack_outbox (what, chain, steps, refs, created_at, next_at, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, 1, ?) RETURNING outbox_id AS id`,
    label, chainOf(plain), JSON.stringify(plain), JSON.stringify(refs), now, now + TICK_BACKOFF.baseMs, error.slice(0, 500),
  );
  return r!.id;
}

export interface OutboxStats {
  /** Entries waiting to be sent. */
  pending: number;
  /** Age of the oldest waiting entry (seconds), or null. */
  oldestAgeSeconds: number | null;
  /** Entries given up (refused for good, or older than a day). */
  failed: number;
}

const STATS_SQL = `SELECT COUNT(*) FILTER (WHERE status = 'pending') AS pending, MIN(created_at) FILTER (WHERE status = 'pending') AS oldest, COUNT(*) FILTER (WHERE status = 'failed') AS failed FROM slack_outbox`;
type StatsRow = { pending: number; oldest: number | null; failed: number };

function toStats(r: StatsRow, now: number): OutboxStats {
  return { pending: r.pending, oldestAgeSeconds: r.oldest === null ? null : Math.max(0, Math.round((now - r.oldest) / 1000)), failed: r.failed };
}

export function outboxStats(db: Db, now: number): OutboxStats {
  return toStats(db.prepare(STATS_SQL).get() as StatsRow, now);
}

export interface DrainReport {
  delivered: number;
  retrying: number;
  failed: number;
}

interface Row {
  id: number;
  what: string;
  steps: string;
  next: number;
  refs: string;
  attempts: number;
  created: number;
}

export interface OutboxOptions {
  db: Db;
  /** Where the entries live when several processes share them (Postgres); default `db`. */
  shared?: Sql;
  /** Sends the stored steps (a client with no retries of its own and 429s rejected, so Retry-After reaches us). */
  client: WebClient;
  now: () => Date;
  logger: Logger;
  /** Who holds a claimed entry (default: a random id per process). */
  owner?: string;
}

/** The outbox's sender: `drain()` is the tick (serve() runs it every few seconds and at start-up). */
export class Outbox {
  readonly owner: string;
  private draining: Promise<DrainReport> | null = null;
  private readonly sql: Sql;
  /** On a shared Postgres: the depth as of the last drain (the gauges read synchronously). */
  private last: OutboxStats = { pending: 0, oldestAgeSeconds: null, failed: 0 };

  constructor(private readonly o: OutboxOptions) {
    this.owner = o.owner ?? randomUUID();
    this.sql = o.shared ?? sqliteSql(o.db);
  }

  stats(): OutboxStats {
    return this.sql.dialect === 'sqlite' ? outboxStats(this.o.db, this.o.now().getTime()) : this.last;
  }

  /** Sends every due entry this process can claim. Concurrent calls share one drain. */
  drain(): Promise<DrainReport> {
    this.draining ??= this.run().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  /**
   * Claims the due entries in one statement. Two senders claiming at once cannot both take an entry: the
   * outer condition is checked again on the row as the other sender left it (SQLite serialises the writes;
   * Postgres re-reads a row it waited for), and a fresh lease no longer matches it.
   */
  private async claim(now: number): Promise<Row[]> {
    const rows = await this.sql.all<Row>(
      `UPDATE slack_outbox SET lease_owner = ?, lease_until = ?
       WHERE outbox_id IN (
         SELECT o.outbox_id FROM slack_outbox o
         WHERE o.status = 'pending' AND o.next_at <= ? AND (o.lease_until IS NULL OR o.lease_until <= ?)
           AND NOT EXISTS (SELECT 1 FROM slack_outbox e WHERE e.chain = o.chain AND e.status = 'pending' AND e.outbox_id < o.outbox_id)
         ORDER BY o.outbox_id LIMIT 50)
         AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
       RETURNING outbox_id AS id, what, steps, next_step AS next, refs, attempts, created_at AS created`,
      this.owner, now + LEASE_MS, now, now, now,
    );
    return rows.sort((a, b) => a.id - b.id);
  }

  private async run(): Promise<DrainReport> {
    const report: DrainReport = { delivered: 0, retrying: 0, failed: 0 };
    const { logger } = this.o;
    const { sql } = this;
    for (const row of await this.claim(this.o.now().getTime())) {
      const steps = JSON.parse(row.steps) as Step[];
      const refs = JSON.parse(row.refs) as Refs;
      const finish = (status: 'delivered' | 'failed', error: string | null) =>
        sql.run(`UPDATE slack_outbox SET status = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL, last_error = COALESCE(?, last_error) WHERE outbox_id = ?`, status, this.o.now().getTime(), error, row.id);
      let i = row.next;
      let outcome: 'delivered' | 'retrying' | 'failed' = 'delivered';
      while (i < steps.length) {
        const now = this.o.now().getTime();
        if (now - row.created > OUTBOX_MAX_AGE_MS) {
          logger.error({ outboxId: row.id, what: row.what }, 'outbox: an answer could not be delivered for a day; given up');
          await finish('failed', 'expired');
          outcome = 'failed';
          break;
        }
        try {
          await sendStep(this.o.client, steps[i], refs, now, true);
          i++;
          await sql.run(`UPDATE slack_outbox SET next_step = ?, refs = ? WHERE outbox_id = ?`, i, JSON.stringify(refs), row.id);
        } catch (err) {
          const message = String((err as Error)?.message ?? err).slice(0, 500);
          if (retryable(err)) {
            const wait = retryDelay(err, row.attempts + 1, TICK_BACKOFF)!;
            await sql.run(
              `UPDATE slack_outbox SET attempts = attempts + 1, next_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ? WHERE outbox_id = ?`,
              this.o.now().getTime() + wait, message, row.id,
            );
            logger.info({ outboxId: row.id, what: row.what, waitMs: wait, err: message }, 'outbox: Slack still failing; will try again');
            outcome = 'retrying';
            break;
          }
          if (optional(steps[i])) {
            logger.warn({ outboxId: row.id, err: message }, 'outbox: chart upload refused (the answer stands)');
            i++;
            await sql.run(`UPDATE slack_outbox SET next_step = ? WHERE outbox_id = ?`, i, row.id);
            continue;
          }
          logger.error({ outboxId: row.id, what: row.what, err: message }, 'outbox: Slack refused a stored answer; given up');
          await finish('failed', message);
          outcome = 'failed';
          break;
        }
      }
      if (outcome === 'delivered') {
        await finish('delivered', null);
        logger.info({ outboxId: row.id, what: row.what }, 'outbox: a stored answer was delivered');
      }
      report[outcome]++;
    }
    // Delivered and given-up entries are kept a week (what happened, for the logs), then pruned.
    await sql.run(`DELETE FROM slack_outbox WHERE status <> 'pending' AND finished_at < ?`, this.o.now().getTime() - 7 * 24 * 3600_000);
    if (sql.dialect !== 'sqlite') this.last = toStats((await sql.get<StatsRow>(STATS_SQL))!, this.o.now().getTime());
    return report;
  }
}
