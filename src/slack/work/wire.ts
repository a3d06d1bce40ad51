/**
 * What crosses the thread boundary between the Slack receiver and a command worker: a job (a command line and
 * who asked) and its outcome as plain data. A command's result is JSON-able by design (DESIGN §2), so it
 * survives structured cloning; the command itself (functions) is looked up again by name on the main thread.
 */
import { UsageError, type Registry } from '../../registry.js';
import type { Execution } from '../../execute.js';
import type { Observation } from '../../metrics.js';

export interface Job {
  id: number;
  line: string;
  /** Validated args of a routed question: run as they are (see WorkRequest.parsed). */
  parsed?: { command: string; args: unknown };
  /** Upkeep instead of a question: fit and store the queue model for (queue, day) on the read-write connection. */
  calibrate?: { queue: string; day: string };
  /** The request's clock (ms since epoch): the worker answers "as of" the same instant the receiver saw. */
  nowMs: number;
  userId?: string;
  channelId?: string;
  requestId?: string;
}

export type WireExecution =
  | { ok: true; command: string; args: unknown; result: unknown; public: boolean }
  | { ok: false; kind: 'usage'; message: string; error: { message: string; example: string; suggestion?: string } }
  | { ok: false; kind: 'internal'; ref: string; message: string; cause: string };

export interface JobDone {
  id: number;
  exec: WireExecution;
  /** Time spent in the worker (parse + run), for the queue's wait estimate. */
  ms: number;
  /** Engine / LLM timings made on the worker during the job (src/metrics.ts), replayed by the main thread. */
  obs?: Observation[];
}

/** A worker's heap (V8, MB), as it reports between jobs. */
export interface WorkerMemory {
  heapUsedMb: number;
  heapTotalMb: number;
  /** Memory outside the JS heap that V8 knows of (Buffers, typed arrays). */
  externalMb: number;
}

/** The main thread asks a worker for its memory (answered between jobs, never during one). */
export interface MemoryProbe {
  memoryProbe: number;
}

/** The pool tells an idle worker to give memory back (trim.ts); the worker answers with what it did. */
export interface TrimRequest {
  trim: true;
}

export interface TrimDone {
  trimmed: import('./trim.js').TrimReport;
}

export interface MemoryReport {
  memoryProbe: number;
  memory: WorkerMemory;
}

export function toWire(e: Execution): WireExecution {
  if (e.ok) return { ok: true, command: e.command.name, args: e.args, result: e.result, public: e.public };
  if (e.kind === 'usage') return { ok: false, kind: 'usage', message: e.message, error: { message: e.error.message, example: e.error.example, suggestion: e.error.suggestion } };
  return { ok: false, kind: 'internal', ref: e.ref, message: e.message, cause: e.cause instanceof Error ? `${e.cause.name}: ${e.cause.message}` : String(e.cause) };
}

export function fromWire(w: WireExecution, registry: Registry): Execution {
  if (w.ok) {
    const command = registry.get(w.command);
    if (!command) return { ok: false, kind: 'internal', ref: 'no-command', message: `Sorry — the answer came from a command this process does not know (${w.command}).`, cause: new Error(w.command) };
    return { ok: true, command, args: w.args, result: w.result, public: w.public };
  }
  if (w.kind === 'usage') return { ok: false, kind: 'usage', message: w.message, error: new UsageError(w.error.message, w.error.example, w.error.suggestion) };
  return { ok: false, kind: 'internal', ref: w.ref, message: w.message, cause: new Error(w.cause) };
}
