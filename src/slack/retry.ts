/**
 * Answers must not be lost to a passing Slack outage: every answer post (response_url, chat.postMessage,
 * chat.postEphemeral, chart uploads) goes through `deliver`, which retries what may succeed later — 5xx, 429
 * (after its Retry-After), network errors — with exponential backoff (0.5 s, 1 s, 2 s … capped at 30 s), and gives
 * up at once on what will not (not_in_channel, a 4xx from response_url). Sleep is injected (tests never wait).
 * What still fails after that goes to the outbox (outbox.ts) and is sent when Slack recovers.
 */
import type { RetryPolicy, SlackDeps } from './deps.js';

export type { RetryPolicy } from './deps.js';


/** How long to wait before retrying `err`, or null when retrying cannot help. */
export function retryDelay(err: unknown, attempt: number, p: Required<RetryPolicy>): number | null {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; name?: string; message?: string };
  const backoff = Math.min(p.maxMs, p.baseMs * 2 ** (attempt - 1));
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return Math.max(0, (e.retryAfter ?? 1) * 1000);
    case 'slack_webapi_http_error':
      if (e.statusCode === 429) return Math.max(backoff, 1000);
      return e.statusCode !== undefined && e.statusCode >= 500 ? backoff : null;
    case 'slack_webapi_request_error':
      return backoff;
    case 'slack_webapi_platform_error':
      return null;
    case 'slack_bolt_respond_error':
      return e.statusCode === 429 ? Math.max(backoff, 1000, (e.retryAfter ?? 0) * 1000) : e.statusCode !== undefined && e.statusCode >= 500 ? backoff : null;
    default:
      // fetch's "fetch failed" and socket errors: the network, worth another try.
      return e instanceof TypeError || /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|fetch failed/i.test(String(e?.message)) ? backoff : null;
  }
}

export async function deliver<T>(deps: Pick<SlackDeps, 'logger' | 'sleep' | 'retry'>, what: string, fn: () => Promise<T>): Promise<T> {
  const p: Required<RetryPolicy> = { attempts: 8, baseMs: 500, maxMs: 30_000, ...deps.retry };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = attempt < p.attempts ? retryDelay(err, attempt, p) : null;
      if (wait === null) throw err;
      deps.logger.warn({ what, attempt, waitMs: wait, err: (err as Error)?.message }, 'Slack call failed; retrying');
      await sleep(wait);
    }
  }
}
