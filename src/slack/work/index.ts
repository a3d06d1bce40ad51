/**
 * Builds the dispatcher the Slack app runs command lines through: over a worker pool (serve, the bench) or
 * in process (tests that swap the registry or use an in-memory warehouse).
 */
import type { Db } from '../../warehouse/db.js';
import type { Registry } from '../../registry.js';
import type { Execution } from '../../execute.js';
import { Dispatcher, type Executor, type WorkRequest } from './dispatch.js';
import { WorkerPool } from './pool.js';
import { fromWire, type WorkerMemory } from './wire.js';

export { Dispatcher, type Outcome, type BusyInfo, type WorkRequest } from './dispatch.js';
export { WorkerPool } from './pool.js';
export type { WorkerMemory } from './wire.js';

/** The server's memory for /healthz: the process's RSS, the receiver thread's V8 heap, each worker's heap (MB). */
export interface ServerMemory {
  /** The serving process (`radar serve` runs in a child of the `radar` launcher: see bin/radar.js). */
  pid: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  /** Per command worker; null when it did not answer in time (busy with a long job). */
  workers: (WorkerMemory | null)[];
}

const MB = 1024 * 1024;

export async function serverMemory(pool?: Pick<WorkerPool, 'memory'>): Promise<ServerMemory> {
  const workers = pool ? await pool.memory() : [];
  const m = process.memoryUsage();
  return { pid: process.pid, rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, workers };
}

/** Commands whose answers depend only on the data and the clock (never who asks), minus their write forms. */
const SHAREABLE = new Set(['sla', 'why', 'drift', 'whatif', 'staffing', 'risk', 'tickets', 'forecast']);
const WRITE_FORMS = /(^|\s)(train|index|--index|model|models|activate|exclude|include)(\s|$)/i;

export function shareable(registry: Registry, line: string, parsed?: WorkRequest['parsed']): boolean {
  if (parsed) {
    const c = registry.get(parsed.command);
    const values = JSON.stringify(parsed.args ?? {}).replace(/[^A-Za-z0-9_-]+/g, ' ');
    return Boolean(c && SHAREABLE.has(c.name) && !WRITE_FORMS.test(` ${values} `));
  }
  const word = line.trim().split(/\s+/)[0] ?? '';
  const c = registry.get(word);
  return Boolean(c && SHAREABLE.has(c.name) && !WRITE_FORMS.test(line));
}

/**
 * The warehouse's data version: SQLite's data_version (bumped by every commit of another connection — an
 * ingest from the CLI, a model trained in a worker) plus the latest load and model ids (writes made through
 * this connection). Alert state and event dedupe writes do not change it: they change no shareable answer.
 */
export function dataVersion(db: Db): string {
  const v = db.pragma('data_version', { simple: true }) as number;
  const r = db.prepare('SELECT (SELECT COALESCE(MAX(run_id), 0) FROM etl_runs) AS etl, (SELECT COALESCE(MAX(id), 0) FROM models) AS m').get() as { etl: number; m: number };
  return `${v}.${r.etl}.${r.m}`;
}

export function poolExecutor(pool: WorkerPool, registry: Registry): Executor {
  let seq = 0;
  return async (r: WorkRequest): Promise<Execution> => {
    const done = await pool.run({ id: ++seq, line: r.line, parsed: r.parsed, nowMs: r.now.getTime(), userId: r.userId, channelId: r.channelId, requestId: r.requestId });
    return fromWire(done.exec, registry);
  };
}

export interface WorkOptions {
  db: Db;
  registry: () => Registry;
  executor: Executor;
  concurrency: number;
  maxQueued: number;
  maxPerUser: number;
  busyAfterMs?: number;
}

export function createDispatcher(o: WorkOptions): Dispatcher {
  return new Dispatcher({
    executor: o.executor,
    concurrency: o.concurrency,
    maxQueued: o.maxQueued,
    maxPerUser: o.maxPerUser,
    busyAfterMs: o.busyAfterMs ?? 2000,
    dataVersion: () => dataVersion(o.db),
    cacheable: (line, parsed) => shareable(o.registry(), line, parsed),
  });
}
