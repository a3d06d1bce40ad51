/**
 * Giving memory back when a thread goes idle (README, Serving Slack → memory). Under load a thread's V8 heap
 * grows to its working size — the young generation at its maximum (16 MB of semi-spaces in a worker, whatever
 * the live data), the old generation at a multiple of the live data — and SQLite's page cache fills. When the
 * load drops, V8 keeps all of it until its memory reducer happens to run (it checks every 8 s and often not
 * before the next burst) and SQLite keeps its cache. So a thread that has worked and then been idle for a few
 * seconds runs one full collection and asks each of its SQLite connections to release its cache (`PRAGMA
 * shrink_memory`). Why wait: V8 shrinks the young generation in a collection only when the allocation rate it
 * measured over the last ~5 s is low (measured here: a collection 1 s after a burst keeps 16 MB of young
 * generation, one 5.5 s after returns it to 1 MB); the old generation's garbage goes either way.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = () => void;

let collect: Collect | null | undefined;

/**
 * V8's collector as a function: `--expose-gc` is turned on just long enough to take `gc` from a fresh context
 * (it is not left on the global object of this or any later context), so no launcher flag is needed and tests or
 * embedders that start the server in process get the same behaviour. Null where the flag cannot be set.
 */
function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as Collect;
    setFlagsFromString('--no-expose-gc');
  } catch {
    collect = null;
  }
  return collect;
}

/** A SQLite connection as far as trimming goes (better-sqlite3's Database has it). */
export interface Shrinkable {
  pragma(source: string): unknown;
  readonly open?: boolean;
}

export interface TrimReport {
  /** Time the trim took on this thread (ms). */
  ms: number;
  /** V8 heap total before and after (MB). */
  heapBeforeMb: number;
  heapAfterMb: number;
}

const MB = 1024 * 1024;

/** Releases SQLite's page caches of `dbs` and runs a memory-reducing major GC on this thread. Synchronous. */
export function giveBackMemory(dbs: (Shrinkable | null | undefined)[] = []): TrimReport {
  const t0 = performance.now();
  const before = getHeapStatistics().total_heap_size;
  for (const db of dbs) {
    if (!db || db.open === false) continue;
    try {
      db.pragma('shrink_memory');
    } catch {
      /* a closed or Postgres-backed connection has no page cache to give back */
    }
  }
  collector()?.();
  return { ms: performance.now() - t0, heapBeforeMb: before / MB, heapAfterMb: getHeapStatistics().total_heap_size / MB };
}
