/**
 * The helper thread behind the synchronous Postgres facade (syncDb.ts): owns the node-postgres connections
 * and answers one request at a time while the calling thread waits in Atomics.wait (synckit). Each facade
 * handle is one connection (a transaction spans several calls, so it must stay on one session), opened and
 * migrated here with the async code the ingest already uses.
 */
import pg from 'pg';
import { runAsWorker } from 'synckit';
import { migratePg } from './db.js';

/** Like the warehouse pool's types (int8 / numeric → number), plus booleans as SQLite's 0 / 1. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    if (oid === pg.types.builtins.BOOL) return (v: string) => (v === 't' ? 1 : 0);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export type SyncRequest =
  | { op: 'open'; url: string; migrate: boolean }
  | { op: 'query'; handle: number; name?: string; text: string; values: unknown[]; array: boolean }
  | { op: 'simple'; handle: number; text: string }
  | { op: 'close'; handle: number };

export interface SyncResult {
  rows: unknown[];
  fields: string[];
  rowCount: number;
}

const clients = new Map<number, pg.Client>();
let nextHandle = 1;

async function handle(req: SyncRequest): Promise<number | SyncResult | null> {
  switch (req.op) {
    case 'open': {
      if (req.migrate) {
        const pool = new pg.Pool({ connectionString: req.url, max: 1 });
        try {
          await migratePg(pool);
        } finally {
          await pool.end();
        }
      }
      const client = new pg.Client({ connectionString: req.url, types });
      await client.connect();
      // A dropped connection must surface as an error on the next call, not crash the thread.
      client.on('error', () => undefined);
      const h = nextHandle++;
      clients.set(h, client);
      return h;
    }
    case 'query':
    case 'simple': {
      const client = clients.get(req.handle);
      if (!client) throw new Error('the Postgres warehouse connection is closed');
      const r =
        req.op === 'simple'
          ? await client.query(req.text)
          : await client.query({ name: req.name, text: req.text, values: req.values, ...(req.array ? { rowMode: 'array' } : {}) } as pg.QueryConfig);
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return { rows: last?.rows ?? [], fields: (last?.fields ?? []).map((f: { name: string }) => f.name), rowCount: last?.rowCount ?? 0 };
    }
    case 'close': {
      const client = clients.get(req.handle);
      clients.delete(req.handle);
      await client?.end();
      return null;
    }
  }
}

runAsWorker(async (req: SyncRequest) => {
  try {
    return await handle(req);
  } catch (e) {
    // Keep what callers look at (message, SQLSTATE code, detail); a pg error object does not clone whole.
    const err = e as Error & { code?: string; detail?: string; position?: string };
    const out = new Error(err.message) as Error & { code?: string; detail?: string };
    if (err.code) out.code = err.code;
    if (err.detail) out.detail = err.detail;
    throw out;
  }
});
