/**
 * Sends recorded intents to Slack: one queue per channel at ≤ 1 message/s (channels in parallel), Retry-After
 * honoured on 429 (only that channel waits), 5xx and network errors retried with exponential backoff, and — the
 * point of the intent log — no duplicates and nothing lost across a crash:
 *
 *  1. the evaluator records the intent (unique key) in the same transaction as the state change;
 *  2. before the call the intent is marked `sending`; the key rides in the message metadata;
 *  3. an intent found `sending` (a crash or an ambiguous failure happened mid-call) is reconciled first: the
 *     channel's recent history (or the thread's replies) is searched for the key, and only if it is absent is the
 *     message posted again. On start-up every open intent is reconciled this way.
 *
 * The clock and sleep are injected, so tests drive rate limits and backoff without waiting on the wall clock.
 */
import type { Db } from '../warehouse/db.js';
import { IntentStore, type Intent, type IntentPayload } from './store.js';
import { LeaseLostError } from './lease.js';

export const METADATA_EVENT_TYPE = 'radar_alert';

export interface SlackMessage {
  ts: string;
  /** Message metadata, when the API returned it (include_all_metadata). */
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> } | null;
}

/** The Slack Web API calls the poster needs (src/slack/alerts/transport.ts adapts a WebClient). */
export interface SlackTransport {
  postMessage(a: {
    channel: string;
    text: string;
    blocks?: unknown[];
    thread_ts?: string;
    reply_broadcast?: boolean;
    metadata: { event_type: string; event_payload: { key: string } };
  }): Promise<{ ts: string; channel: string }>;
  update(a: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<{ ts: string; channel: string }>;
  /** conversations.history since `oldest` (seconds, Slack ts format), newest first, with metadata. */
  history(a: { channel: string; oldest: string }): Promise<SlackMessage[]>;
  /** conversations.replies of a thread, with metadata. */
  replies(a: { channel: string; ts: string; oldest: string }): Promise<SlackMessage[]>;
  /** conversations.join (public channels), after not_in_channel. */
  join?(channel: string): Promise<void>;
  /** Channel id of a #name (conversations.list), or null. */
  resolveChannel?(name: string): Promise<string | null>;
  /** Uploads a file into a thread (files upload v2): alert snapshots. */
  upload?(a: { channel: string; thread_ts: string; file: Buffer; filename: string; title: string }): Promise<void>;
}

/** What went wrong with a call, as far as retrying is concerned. */
export type CallFailure =
  | { type: 'rate_limited'; retryAfterMs: number }
  | { type: 'server'; status: number }
  | { type: 'network'; message: string }
  | { type: 'platform'; error: string };

/** Transports throw this (or anything `classify` understands). */
export class SlackCallError extends Error {
  constructor(readonly failure: CallFailure) {
    super(failure.type === 'platform' ? failure.error : failure.type);
  }
}

/** Maps @slack/web-api errors (and SlackCallError) to a CallFailure. */
export function classify(err: unknown): CallFailure {
  if (err instanceof SlackCallError) return err.failure;
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return { type: 'rate_limited', retryAfterMs: Math.max(0, (e.retryAfter ?? 1) * 1000) };
    case 'slack_webapi_http_error':
      if (e.statusCode === 429) return { type: 'rate_limited', retryAfterMs: 1000 };
      return e.statusCode !== undefined && e.statusCode >= 500 ? { type: 'server', status: e.statusCode } : { type: 'platform', error: `http_${e.statusCode}` };
    case 'slack_webapi_platform_error':
      return { type: 'platform', error: e.data?.error ?? 'unknown_error' };
    case 'slack_webapi_request_error':
      return { type: 'network', message: e.message ?? 'request failed' };
    default:
      return { type: 'network', message: e?.message ?? String(err) };
  }
}

export interface Rendered {
  text: string;
  blocks?: unknown[];
}

export interface PosterOptions {
  db: Db;
  /** The intent log (default: `db`'s); on a shared Postgres, fenced by the leader lease. */
  intents?: IntentStore;
  transport: SlackTransport;
  render: (payload: IntentPayload, intent: Intent) => Rendered;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Minimum gap between writes to one channel (default 1000 ms). */
  minGapMs?: number;
  /** 5xx / network attempts per drain before the intent waits for the next tick (default 5). */
  maxAttempts?: number;
  /** Attempts over all drains before an intent is given up as failed (default 15). */
  maxTotalAttempts?: number;
  /** Backoff base (default 1000 ms): 1 s, 2 s, 4 s, … capped at 60 s. */
  backoffBaseMs?: number;
  log?: { info: (o: object, m?: string) => void; warn: (o: object, m?: string) => void; error: (o: object, m?: string) => void };
  /**
   * After a new message of an intent is posted (not when found again by reconciling): e.g. the alert's snapshot
   * chart into its thread. Best effort: a failure is logged and never retried, and the intent stays posted.
   */
  afterPost?: (i: Intent, posted: { ts: string; channel: string }, transport: SlackTransport) => Promise<void>;
}

export interface DrainReport {
  posted: number;
  reconciled: number;
  skipped: number;
  failed: number;
  deferred: number;
  rateLimited: number;
  retries: number;
}

const PLATFORM_GONE = new Set(['message_not_found', 'cant_update_message', 'thread_not_found']);

export class Poster {
  private readonly nextAt = new Map<string, number>();
  private readonly channelIds = new Map<string, string | null>();
  private readonly o: Required<Omit<PosterOptions, 'log'>> & Pick<PosterOptions, 'log'>;
  private draining: Promise<DrainReport> | null = null;

  constructor(opts: PosterOptions) {
    this.o = { minGapMs: 1000, maxAttempts: 5, maxTotalAttempts: 15, backoffBaseMs: 1000, afterPost: async () => {}, ...opts, intents: opts.intents ?? IntentStore.sqlite(opts.db) };
  }

  /** Sends every open intent that is due. Concurrent calls share one drain. */
  drain(opts: { reconcileAll?: boolean } = {}): Promise<DrainReport> {
    if (!this.draining) {
      this.draining = this.run(opts.reconcileAll ?? false).finally(() => {
        this.draining = null;
      });
    }
    return this.draining;
  }

  private async run(reconcileAll: boolean): Promise<DrainReport> {
    const report: DrainReport = { posted: 0, reconciled: 0, skipped: 0, failed: 0, deferred: 0, rateLimited: 0, retries: 0 };
    const now = this.o.clock();
    const byChannel = new Map<string, Intent[]>();
    for (const i of await this.o.intents.open()) {
      const list = byChannel.get(i.channel) ?? [];
      list.push(i);
      byChannel.set(i.channel, list);
    }
    await Promise.all(
      [...byChannel.entries()].map(async ([, list]) => {
        for (const i of list) {
          if (i.notBefore > now) {
            report.deferred++;
            break; // keep the channel's order: later intents wait behind this one
          }
          const ok = await this.one(i, reconcileAll, report);
          if (!ok) break;
        }
      }),
    );
    return report;
  }

  private async channelId(channel: string): Promise<string> {
    if (!channel.startsWith('#')) return channel;
    if (!this.channelIds.get(channel)) {
      // A failed lookup is not remembered: the next drain asks again (the scope may have been added since).
      try {
        const id = (await this.o.transport.resolveChannel?.(channel.slice(1))) ?? null;
        if (id) {
          this.channelIds.set(channel, id);
          // Once is enough: the rules that name it store the id from now on (reconciliation needs the id).
          const rules = await this.o.intents.adoptChannelId(channel, id, this.o.clock());
          if (rules) this.o.log?.info({ channel, channelId: id, rules }, 'alerts: channel name resolved; the rules now store its id');
        }
      } catch (err) {
        this.o.log?.warn({ channel, failure: classify(err) }, 'alerts: could not look up a channel name');
      }
    }
    return this.channelIds.get(channel) ?? channel;
  }

  private async pace(channel: string): Promise<void> {
    const wait = (this.nextAt.get(channel) ?? 0) - this.o.clock();
    if (wait > 0) await this.o.sleep(wait);
  }

  private after(channel: string): void {
    this.nextAt.set(channel, this.o.clock() + this.o.minGapMs);
  }

  /** Looks for a message carrying `key` (in the channel, or in the parent's thread). */
  private async findByKey(i: Intent, channel: string, parentTs: string | null): Promise<string | null> {
    const oldest = ((i.createdAt - 120_000) / 1000).toFixed(6);
    const msgs = parentTs ? await this.o.transport.replies({ channel, ts: parentTs, oldest }) : await this.o.transport.history({ channel, oldest });
    const hit = msgs.find((m) => m.metadata?.event_type === METADATA_EVENT_TYPE && m.metadata?.event_payload?.key === i.key);
    return hit?.ts ?? null;
  }

  /** Returns false when the channel's queue must stop here (this intent waits; later ones must not overtake it). */
  private async one(i: Intent, reconcileAll: boolean, report: DrainReport): Promise<boolean> {
    const store = this.o.intents;
    let parentTs: string | null = null;
    let parentChannel: string | null = null;
    if (i.payload.parentKey) {
      const p = await store.get(i.payload.parentKey);
      if (!p || p.status === 'failed' || p.status === 'skipped') {
        await store.markFinal(i.id, 'skipped', `parent ${i.payload.parentKey} ${p ? p.status : 'missing'}`);
        report.skipped++;
        return true;
      }
      if (p.status !== 'posted' || !p.ts) return false; // parent not yet posted: wait
      parentTs = p.ts;
      parentChannel = p.channelId;
    }
    const channel = parentChannel ?? i.channelId ?? (await this.channelId(i.channel));
    if (channel.startsWith('#')) {
      // Never post by name: a message posted to a name cannot be found again after a crash (history needs the
      // id), so it could be posted twice. Wait until the name resolves (scopes channels:read / groups:read).
      this.o.log?.warn({ key: i.key, channel: i.channel }, 'alerts: cannot resolve the channel name to an id yet; the alert waits');
      await store.markRetry(i.id, this.o.clock() + 60_000, `unresolved channel ${i.channel}`, i.status === 'sending' ? 'sending' : 'pending');
      report.deferred++;
      return false;
    }
    if (!parentChannel && !i.channelId) await store.pinChannel(i.id, channel);
    let rendered: Rendered;
    try {
      rendered = this.o.render(i.payload, i);
    } catch (err) {
      this.o.log?.error({ err, key: i.key }, 'alerts: could not render an intent');
      await store.markFinal(i.id, 'failed', `render: ${(err as Error).message}`);
      report.failed++;
      return true;
    }
    const metadata = { event_type: METADATA_EVENT_TYPE, event_payload: { key: i.key } };
    let ambiguous = i.status === 'sending' || (reconcileAll && i.kind !== 'update');
    let attempts = 0;
    let joined = false;
    let rateLimits = 0;
    for (;;) {
      if (ambiguous && i.kind !== 'update') {
        try {
          const found = await this.findByKey(i, channel, i.kind === 'reply' ? parentTs : null);
          if (found) {
            await store.markPosted(i.id, found, channel, this.o.clock());
            await this.onPosted(i, found, channel);
            report.reconciled++;
            return true;
          }
        } catch (err) {
          const f = classify(err);
          this.o.log?.warn({ key: i.key, failure: f }, 'alerts: could not read history to reconcile; will retry');
          await store.markRetry(i.id, this.o.clock() + 30_000, `reconcile: ${JSON.stringify(f)}`, i.status === 'sending' ? 'sending' : 'pending');
          report.deferred++;
          return false;
        }
      }
      await this.pace(channel);
      await store.markSending(i.id);
      attempts++;
      try {
        let res: { ts: string; channel: string };
        if (i.kind === 'update') {
          try {
            res = await this.o.transport.update({ channel, ts: parentTs!, text: rendered.text, blocks: rendered.blocks });
          } catch (err) {
            const f = classify(err);
            if (!(f.type === 'platform' && PLATFORM_GONE.has(f.error) && i.payload.postIfGone)) throw err;
            // The original message was deleted: post the current state anew and make it the alert's message.
            this.after(channel);
            await this.pace(channel);
            res = await this.o.transport.postMessage({ channel, text: rendered.text, blocks: rendered.blocks, metadata });
            await store.repoint(i.payload.parentKey!, res.ts, res.channel);
            this.o.log?.info({ key: i.key }, 'alerts: original message gone; posted anew');
          }
        } else {
          res = await this.o.transport.postMessage({
            channel, text: rendered.text, blocks: rendered.blocks, metadata,
            ...(i.kind === 'reply' ? { thread_ts: parentTs!, reply_broadcast: i.payload.broadcast ?? false } : {}),
          });
        }
        this.after(channel);
        await store.markPosted(i.id, i.kind === 'update' ? null : res.ts, res.channel, this.o.clock());
        if (i.kind === 'update' && res.ts !== parentTs) await this.onPosted({ ...i, kind: 'post', key: i.payload.parentKey! }, res.ts, res.channel);
        else await this.onPosted(i, res.ts, res.channel);
        report.posted++;
        if (i.kind === 'post') {
          try {
            await this.o.afterPost(i, res, this.o.transport);
          } catch (err) {
            this.o.log?.warn({ key: i.key, failure: classify(err) }, 'alerts: after-post step failed (the alert stands)');
          }
        }
        return true;
      } catch (err) {
        if (err instanceof LeaseLostError) throw err; // another instance leads now: it reconciles this intent
        this.after(channel);
        const f = classify(err);
        if (f.type === 'rate_limited') {
          report.rateLimited++;
          rateLimits++;
          // A 429 means nothing was written: retry without reconciling, after Retry-After (this channel only).
          await store.markRetry(i.id, this.o.clock() + f.retryAfterMs, 'rate_limited', 'pending');
          ambiguous = false;
          attempts--;
          if (rateLimits > 10) {
            report.deferred++;
            return false;
          }
          await this.o.sleep(f.retryAfterMs);
          continue;
        }
        if (f.type === 'platform') {
          if (f.error === 'not_in_channel' && !joined && this.o.transport.join) {
            joined = true;
            try {
              await this.o.transport.join(channel);
              ambiguous = false;
              continue;
            } catch {
              /* fall through to failure */
            }
          }
          this.o.log?.error({ key: i.key, error: f.error, channel }, 'alerts: Slack refused a message');
          await store.markFinal(i.id, 'failed', f.error);
          report.failed++;
          return true;
        }
        // 5xx or network: the write may or may not have happened — reconcile before retrying.
        ambiguous = true;
        report.retries++;
        const total = i.attempts + attempts;
        if (total >= this.o.maxTotalAttempts) {
          this.o.log?.error({ key: i.key, failure: f }, 'alerts: giving up on a message after repeated failures');
          await store.markFinal(i.id, 'failed', JSON.stringify(f));
          report.failed++;
          return true;
        }
        const backoff = Math.min(60_000, this.o.backoffBaseMs * 2 ** (attempts - 1));
        if (attempts >= this.o.maxAttempts) {
          await store.markRetry(i.id, this.o.clock() + backoff, JSON.stringify(f), 'sending');
          report.deferred++;
          return false;
        }
        this.o.log?.warn({ key: i.key, failure: f, backoffMs: backoff }, 'alerts: Slack call failed; retrying');
        await this.o.sleep(backoff);
      }
    }
  }

  private async onPosted(i: Pick<Intent, 'kind' | 'key' | 'ruleId' | 'scope' | 'payload'>, ts: string, channel: string): Promise<void> {
    if (i.kind !== 'post' || i.ruleId === null || i.scope === null || i.payload?.render === 'digest') return;
    if (!i.key.startsWith('a|')) return;
    await this.o.intents.setStateMessage(i.ruleId, i.scope, Number(i.key.slice(i.key.lastIndexOf('|') + 1)), channel, ts);
  }
}

