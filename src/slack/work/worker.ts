/**
 * A command worker thread: runs command lines against its own connection to the warehouse so the receiver's
 * event loop only acks and delivers. Reads go through a read-only connection (WAL: readers never block the
 * writer or each other). A command that turns out to write (risk train, alerts rules, an embeddings index)
 * fails there with SQLITE_READONLY and is run again, once, on this worker's read-write connection — opened
 * on first need, never migrating (the server process did that at start-up).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import Database from 'better-sqlite3';
import { openWarehouse } from '../../warehouse/db.js';
import { isPostgresUrl } from '../../warehouse/pg/url.js';
import { buildRegistry } from '../../../commands/index.js';
import { runParsed, type Execution } from '../../execute.js';
import { mayWrite, parseCommandLine, usageText, type AnyCommand } from '../../registry.js';
import { buildParseContext } from '../../parseContext.js';
import { createLogger } from '../../logger.js';
import type { Config } from '../../config.js';
import type { CommandContext } from '../../registry.js';
import { getHeapStatistics } from 'node:v8';
import { toWire, type Job, type JobDone, type MemoryProbe, type MemoryReport, type TrimDone, type TrimRequest, type WorkerMemory } from './wire.js';
import { giveBackMemory } from './trim.js';
import { takeObservations } from '../../metrics.js';
import { queueCalibrationFor } from '../../../commands/queueModel.js';

const { dbPath, config, cacheKib } = workerData as { dbPath: string; config: Config; cacheKib: number };

/**
 * Ack first, also for the CPU: when every core is busy computing answers, the receiver thread (acks within
 * Slack's 3 s, deliveries) must still be scheduled at once. On Linux a thread has its own nice value, so this
 * worker lowers its own (by 5: enough for the receiver to preempt it, not so much that it starves beside other
 * programs on a shared host) and leaves the receiver at normal priority. Elsewhere (no /proc/thread-self)
 * it stays as it is.
 */
function lowerOwnPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 5);
  } catch {
    /* not Linux, or not permitted: the pool still works, acks just compete for the CPU */
  }
}
lowerOwnPriority();
const registry = buildRegistry();
const log = createLogger(config.LOG_LEVEL);

// On Postgres (RADAR_DB=postgres://…) the worker's one connection is the synchronous facade (it blocks this
// worker thread, never the receiver's event loop): it reads and writes, so there is no read-only retry.
const onPostgres = isPostgresUrl(dbPath);
const readOnly = onPostgres ? openWarehouse(dbPath) : new Database(dbPath, { readonly: true, fileMustExist: true });
if (!onPostgres) {
  readOnly.pragma('busy_timeout = 5000');
  readOnly.pragma(`cache_size = -${cacheKib}`);
}
let readWrite: Database.Database | null = onPostgres ? readOnly : null;

function writer(): Database.Database {
  if (!readWrite) {
    readWrite = new Database(dbPath, { fileMustExist: true });
    readWrite.pragma('busy_timeout = 5000');
    readWrite.pragma('foreign_keys = ON');
    readWrite.pragma('synchronous = NORMAL');
    readWrite.pragma(`cache_size = -${cacheKib}`);
  }
  return readWrite;
}

function wroteReadOnly(e: Execution): boolean {
  if (e.ok || e.kind !== 'internal') return false;
  const c = e.cause as { code?: string } | undefined;
  return typeof c?.code === 'string' && c.code.startsWith('SQLITE_READONLY');
}

/** Upkeep: the calibration for (queue, day) fitted and stored (or found stored with the same data). */
function calibrate(job: Job & { calibrate: { queue: string; day: string } }): JobDone['exec'] {
  const cal = queueCalibrationFor(writer(), job.calibrate.queue, job.calibrate.day, { now: new Date(job.nowMs) });
  return { ok: true, command: 'calibrate', args: job.calibrate, result: 'error' in cal ? { error: cal.error } : { fitThrough: cal.fitThrough }, public: false };
}

async function run(job: Job): Promise<Execution> {
  const jobLog = job.requestId ? log.child({ requestId: job.requestId }) : log;
  const ctx = (db: Database.Database): CommandContext => ({ db, now: new Date(job.nowMs), config, surface: 'slack', userId: job.userId, channelId: job.channelId, requestId: job.requestId, log: jobLog });
  let command: AnyCommand;
  let args: unknown;
  let isPublic = false;
  if (job.parsed) {
    const c = registry.get(job.parsed.command);
    if (!c) throw new Error(`unknown command ${job.parsed.command}`);
    command = c;
    args = job.parsed.args;
  } else {
    const parsed = parseCommandLine(registry, job.line, buildParseContext(readOnly, config, new Date(job.nowMs)));
    if (!parsed.ok) return { ok: false, kind: 'usage', error: parsed.error, message: usageText(parsed.error, '/radar') };
    ({ command, args, public: isPublic } = parsed);
  }
  // A run that says it writes goes to the read-write connection at once; one that writes without saying so
  // fails on the read-only one and is run again there.
  if (mayWrite(command, args)) return runParsed(command, args, isPublic, ctx(writer()));
  const first = await runParsed(command, args, isPublic, ctx(readOnly));
  return wroteReadOnly(first) ? runParsed(command, args, isPublic, ctx(writer())) : first;
}

const MB = 1024 * 1024;
function memory(): WorkerMemory {
  const h = getHeapStatistics();
  return { heapUsedMb: h.used_heap_size / MB, heapTotalMb: h.total_heap_size / MB, externalMb: h.external_memory / MB };
}

parentPort!.on('message', (m: Job | MemoryProbe | TrimRequest) => {
  if ('memoryProbe' in m) return parentPort!.postMessage({ memoryProbe: m.memoryProbe, memory: memory() } satisfies MemoryReport);
  // Idle (the pool sends this only when no job waits): give back the heap and page cache the last jobs grew.
  if ('trim' in m) return parentPort!.postMessage({ trimmed: giveBackMemory(onPostgres ? [] : [readOnly, readWrite]) } satisfies TrimDone);
  const job = m;
  const t0 = performance.now();
  if (job.calibrate) {
    let exec: JobDone['exec'];
    try {
      exec = calibrate(job as Job & { calibrate: { queue: string; day: string } });
    } catch (err) {
      exec = { ok: false, kind: 'internal', ref: 'calibrate', message: 'calibration upkeep failed', cause: String(err) };
    }
    return parentPort!.postMessage({ id: job.id, exec, ms: performance.now() - t0, obs: takeObservations() } satisfies JobDone);
  }
  void run(job)
    .catch((err: unknown): Execution => ({ ok: false, kind: 'internal', ref: 'worker', message: 'Sorry — something went wrong on our side answering that (ref worker).', cause: err }))
    .then((e) => {
      const done: JobDone = { id: job.id, exec: toWire(e), ms: performance.now() - t0, obs: takeObservations() };
      try {
        parentPort!.postMessage(done);
      } catch (err) {
        // A result that cannot be cloned is our bug: answer with an apology rather than never.
        parentPort!.postMessage({ id: job.id, ms: done.ms, exec: { ok: false, kind: 'internal', ref: 'clone', message: 'Sorry — something went wrong on our side answering that (ref clone).', cause: String(err) } } satisfies JobDone);
      }
    });
});
parentPort!.postMessage({ ready: true });
