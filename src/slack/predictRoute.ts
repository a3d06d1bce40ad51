/**
 * POST /predict on the `radar serve` HTTP server: the risk of one ticket from its facts (commands/predict.ts).
 *
 * Authentication: `Authorization: Bearer <token>` against RADAR_PREDICT_TOKEN (one token, or several
 * separated by commas: one per client). Tokens are compared as SHA-256 digests with timingSafeEqual, so the
 * time taken says nothing about how much of a guess was right; they are never logged. Without any token
 * configured the route answers 503 (off), never open.
 *
 * Rate limit: a token bucket per token, RADAR_PREDICT_RATE requests a minute (burst = the same number),
 * refilled continuously on the injected clock; an empty bucket answers 429 with Retry-After (whole seconds
 * until one request is allowed again). Bodies over 64 KB answer 413; anything but JSON 415; a body that
 * fails the schema 400 with every problem and a correct example.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { z } from 'zod';
import type { Db } from '../warehouse/db.js';
import type { Logger } from 'pino';
import { predictInput, predictTicket, ModelCache, NoModelError, PREDICT_EXAMPLE } from '../../commands/predict.js';

export const MAX_PREDICT_BODY = 64 * 1024;

export interface PredictRouteOptions {
  db: Db;
  now: () => Date;
  logger: Logger;
  /** Accepted bearer tokens (RADAR_PREDICT_TOKEN split on commas); empty = the route is off. */
  tokens: readonly string[];
  /** Requests a minute per token. */
  perMinute: number;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Which configured token `given` is (its index), compared in constant time against every one; -1 if none. */
export function matchToken(given: string, tokens: readonly Buffer[]): number {
  const g = digest(given);
  let found = -1;
  for (let i = 0; i < tokens.length; i++) if (timingSafeEqual(g, tokens[i]) && found < 0) found = i;
  return found;
}

/** A token bucket per key: `perMinute` capacity, refilled at perMinute / 60 s. */
export class RateLimiter {
  private buckets = new Map<number, { tokens: number; at: number }>();
  constructor(private readonly perMinute: number) {}
  /** Takes one request for `key` at `nowMs`: 0 when allowed, else the whole seconds to wait. */
  take(key: number, nowMs: number): number {
    const rate = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: nowMs };
    b.tokens = Math.min(this.perMinute, b.tokens + Math.max(0, nowMs - b.at) * rate);
    b.at = nowMs;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function problems(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
}

export function predictRoute(o: PredictRouteOptions): CustomRoute {
  const tokens = o.tokens.map(digest);
  const limiter = new RateLimiter(o.perMinute);
  const cache = new ModelCache();
  const bad = (res: ServerResponse, error: string, details: string[] = []) => send(res, 400, { error, details, example: PREDICT_EXAMPLE });
  return {
    path: '/predict',
    method: ['POST'],
    handler: (req, res) => {
      void (async () => {
        if (tokens.length === 0) return send(res, 503, { error: 'POST /predict is off: set RADAR_PREDICT_TOKEN to one or more bearer tokens (comma-separated) to turn it on' });
        const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
        const who = auth ? matchToken(auth[1], tokens) : -1;
        if (who < 0) return send(res, 401, { error: auth ? 'the bearer token is not valid' : 'missing bearer token: send Authorization: Bearer <RADAR_PREDICT_TOKEN>' }, { 'www-authenticate': 'Bearer realm="radar"' });
        const wait = limiter.take(who, o.now().getTime());
        if (wait > 0) return send(res, 429, { error: `rate limit of ${o.perMinute} requests a minute per token reached: retry in ${wait} s` }, { 'retry-after': String(wait) });
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'send the ticket as JSON with Content-Type: application/json', example: PREDICT_EXAMPLE });
        const raw = await readBody(req, MAX_PREDICT_BODY);
        if (raw === null) return send(res, 413, { error: `the body is over ${MAX_PREDICT_BODY / 1024} KB` });
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch (e) {
          return bad(res, `the body is not valid JSON (${(e as Error).message})`);
        }
        const parsed = predictInput.safeParse(json);
        if (!parsed.success) return bad(res, 'the ticket facts are not valid', problems(parsed.error));
        try {
          send(res, 200, predictTicket(o.db, parsed.data, o.now(), cache));
        } catch (e) {
          if (e instanceof NoModelError) return send(res, 409, { error: e.message });
          o.logger.error({ err: e }, 'predict failed');
          send(res, 500, { error: 'prediction failed (logged); try again or check the server log' });
        }
      })().catch((e: unknown) => {
        o.logger.error({ err: e }, 'predict failed');
        if (!res.headersSent) send(res, 500, { error: 'prediction failed (logged)' });
      });
    },
  };
}
