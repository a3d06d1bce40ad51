/**
 * A synchronous facade over the PostgreSQL warehouse with the part of better-sqlite3's `Db` API the commands
 * use: prepare(sql) → all / get / run / iterate, pluck(), raw(); exec; transaction (savepoints when nested);
 * the pragmas the code reads. So `sla`, `why`, `risk`, `tickets`, … run unchanged on Postgres.
 *
 * Why synchronous is right here (docs/postgres.md §2): commands run in a one-shot CLI process or in a
 * `radar serve` command worker thread, never on the receiver's event loop, so blocking the calling thread
 * for a round trip costs nothing anyone waits on. node-postgres runs in a helper thread (syncWorker.ts);
 * the caller waits in Atomics.wait (synckit) for each answer. The receiver's own stores (dedupe, outbox,
 * alerts) stay asynchronous.
 *
 * SQL stays written once, in SQLite's dialect: each statement text is rendered once (dialect.ts
 * renderQuery: `?` / `@name` → `$n`, INSERT OR IGNORE / REPLACE, LIKE, json_each, then the schema
 * renderer's expression rewrites) and run as a named prepared statement. Results look like SQLite's:
 * int8 / numeric → number, booleans → 0 / 1, column names with the case the SQL wrote them in.
 */
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import { renderQuery, renderScript, type DialectState, type RenderedQuery } from './dialect.js';
import { renderedWarehouse } from './db.js';
import type { SyncRequest, SyncResult } from './syncWorker.js';

// The thread boots through a small .mjs that loads syncWorker.js (dist) or syncWorker.ts (tsx).
const workerPath = fileURLToPath(new URL('./syncWorker-boot.mjs', import.meta.url));
let call: ((req: SyncRequest) => unknown) | null = null;
function send<T>(req: SyncRequest): T {
  call ??= createSyncFn(workerPath, { execArgv: [] });
  return call(req) as T;
}

let schemaState: DialectState | null = null;
/** The dialect state of the migrated schema (which tables carry FTS columns, …), rendered once per process. */
function dialectState(): DialectState {
  schemaState ??= renderedWarehouse().state;
  return schemaState;
}

type Params = unknown[];

/** better-sqlite3 takes positional values spread or as one array, named ones as one plain object. */
function bindValues(q: RenderedQuery, params: Params): unknown[] {
  if (q.names) {
    const o = (params[0] ?? {}) as Record<string, unknown>;
    return q.names.map((n) => toPg(o[n]));
  }
  const flat = params.length === 1 && Array.isArray(params[0]) ? (params[0] as unknown[]) : params;
  if (flat.length !== q.positional) throw new RangeError(`Too ${flat.length < q.positional ? 'few' : 'many'} parameter values were provided`);
  return flat.map(toPg);
}

function toPg(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** A value from the helper thread: bytea arrives as a Uint8Array after the structured clone; SQLite gives a Buffer. */
function fromPg(v: unknown): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

export class PgStatement {
  private pluckOn = false;
  private rawOn = false;
  constructor(
    private readonly db: PgSyncDb,
    private readonly q: RenderedQuery,
    readonly source: string,
  ) {}

  pluck(on = true): this {
    this.pluckOn = on;
    if (on) this.rawOn = false;
    return this;
  }

  raw(on = true): this {
    this.rawOn = on;
    if (on) this.pluckOn = false;
    return this;
  }

  get reader(): boolean {
    return this.q.returnsRows;
  }

  all(...params: Params): unknown[] {
    const r = this.db.execute(this.q, bindValues(this.q, params), this.pluckOn || this.rawOn);
    if (this.pluckOn) return r.rows.map((row) => fromPg((row as unknown[])[0]));
    if (this.rawOn) return r.rows.map((row) => (row as unknown[]).map(fromPg));
    return r.rows.map((row) => this.shape(row as Record<string, unknown>));
  }

  get(...params: Params): unknown {
    return this.all(...params)[0];
  }

  *iterate(...params: Params): IterableIterator<unknown> {
    yield* this.all(...params);
  }

  run(...params: Params): RunResult {
    const r = this.db.execute(this.q, bindValues(this.q, params), false);
    const db = this.db;
    let id: number | undefined;
    return {
      changes: r.rowCount,
      // Postgres has no rowid to hand back: the identity sequence this session used last (read on demand).
      get lastInsertRowid() {
        id ??= db.lastValue();
        return id;
      },
    };
  }

  /** Column names with the case the SQL wrote them in (Postgres folds unquoted names to lower case). */
  private shape(row: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k in row) out[this.q.columns.get(k) ?? k] = fromPg(row[k]);
    return out;
  }
}

export interface PgOpenOptions {
  /** Bring the schema to the code's version first (the server and `radar` CLI do; a worker of a migrated server need not). */
  migrate?: boolean;
}

export class PgSyncDb {
  readonly dialect = 'postgres';
  readonly memory = false;
  readonly readonly = false;
  readonly name: string;
  private handle: number | null;
  private readonly statements = new Map<string, RenderedQuery>();
  private readonly primaryKeys = new Map<string, string[]>();
  private depth = 0;
  private nextName = 0;

  constructor(url: string, opts: PgOpenOptions = {}) {
    this.handle = send<number>({ op: 'open', url, migrate: opts.migrate ?? true });
    // Never the URL itself: it holds the password.
    this.name = `postgres://${new URL(url).host}${new URL(url).pathname}`;
  }

  get open(): boolean {
    return this.handle !== null;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): PgStatement {
    let q = this.statements.get(sql);
    if (!q) {
      q = renderQuery(sql, dialectState(), (t) => this.primaryKey(t));
      q.name = `radar_${++this.nextName}`;
      this.statements.set(sql, q);
    }
    return new PgStatement(this, q, sql);
  }

  /** Runs SQL text of one or more statements without parameters (each rendered like prepare's). */
  exec(sql: string): this {
    for (const text of renderScript(sql, dialectState(), (t) => this.primaryKey(t))) this.simple(text);
    return this;
  }

  /** better-sqlite3's transaction(fn): BEGIN … COMMIT around fn, a savepoint when already inside one; rolls back on a throw. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      const sp = `radar_sp_${this.depth}`;
      this.simple(this.depth === 0 ? 'BEGIN' : `SAVEPOINT ${sp}`);
      this.depth++;
      try {
        const out = fn(...args);
        this.depth--;
        this.simple(this.depth === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${sp}`);
        return out;
      } catch (e) {
        this.depth--;
        this.simple(this.depth === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}`);
        throw e;
      }
    };
  }

  /**
   * The pragmas the code reads or sets: user_version (radar_schema), page_count × page_size (the database
   * size in 4 KiB pages), data_version (changes whenever the warehouse may have changed: never cached on
   * Postgres, so a fresh number each call). Connection settings (busy_timeout, cache_size, foreign_keys, …)
   * have no Postgres meaning and are accepted as no-ops.
   */
  pragma(source: string, opts: { simple?: boolean } = {}): unknown {
    const name = source.trim().split(/\s*=\s*/)[0].toLowerCase();
    const setting = source.includes('=');
    let value: unknown;
    if (name === 'user_version' && !setting) value = this.scalar('SELECT version FROM radar_schema WHERE id = 1');
    else if (name === 'page_size') value = 4096;
    else if (name === 'page_count') value = Math.ceil(Number(this.scalar('SELECT pg_database_size(current_database())')) / 4096);
    else if (name === 'data_version') value = Date.now();
    else if (['busy_timeout', 'cache_size', 'foreign_keys', 'synchronous', 'journal_mode', 'temp_store', 'mmap_size', 'shrink_memory'].includes(name)) return opts.simple ? undefined : [];
    else throw new Error(`PRAGMA ${name} has no Postgres form in the warehouse facade`);
    return opts.simple ? value : [{ [name]: value }];
  }

  close(): void {
    if (this.handle === null) return;
    const h = this.handle;
    this.handle = null;
    send({ op: 'close', handle: h });
  }

  /** @internal One rendered statement (or its rendered sequence) with bound values. */
  execute(q: RenderedQuery, values: unknown[], array: boolean): SyncResult {
    let r: SyncResult = { rows: [], fields: [], rowCount: 0 };
    q.texts.forEach((text, i) => {
      const last = i === q.texts.length - 1;
      r = send<SyncResult>({ op: 'query', handle: this.live(), name: q.texts.length === 1 ? q.name : undefined, text, values: /\$\d/.test(text) ? values : [], array: last && array });
    });
    return r;
  }

  /** @internal The identity value this session generated last (0 when none). */
  lastValue(): number {
    try {
      return Number(this.scalar('SELECT lastval()'));
    } catch {
      return 0;
    }
  }

  private scalar(text: string): unknown {
    const r = send<SyncResult>({ op: 'query', handle: this.live(), text, values: [], array: true });
    return (r.rows[0] as unknown[] | undefined)?.[0];
  }

  private simple(text: string): void {
    send({ op: 'simple', handle: this.live(), text });
  }

  private live(): number {
    if (this.handle === null) throw new TypeError('The database connection is not open');
    return this.handle;
  }

  /** The primary key columns of `table` (INSERT OR REPLACE needs them as its conflict target). */
  private primaryKey(table: string): string[] {
    let pk = this.primaryKeys.get(table);
    if (!pk) {
      const r = send<SyncResult>({
        op: 'query',
        handle: this.live(),
        text: `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
               WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
        values: [table.toLowerCase()],
        array: true,
      });
      pk = r.rows.map((row) => (row as string[])[0]);
      if (!pk.length) throw new Error(`INSERT OR REPLACE INTO ${table}: the table has no primary key on Postgres`);
      this.primaryKeys.set(table, pk);
    }
    return pk;
  }
}

/** Opens the Postgres warehouse at `url` behind the synchronous facade (migrating it first unless told not to). */
export function openPgSync(url: string, opts: PgOpenOptions = {}): PgSyncDb {
  return new PgSyncDb(url, opts);
}
