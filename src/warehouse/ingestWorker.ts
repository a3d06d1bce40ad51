/** Worker thread of ingest: validates one file and streams its valid rows to the writer (ingest.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { validateFile, specByTable, type ValidateEnv } from './validate.js';

const { path, table, env, flow } = workerData as { path: string; table: string; env: ValidateEnv; flow: Int32Array };
const MAX_AHEAD = 16;

try {
  const outcome = await validateFile(path, specByTable(table), env, {
    rows(chunk) {
      parentPort!.postMessage({ t: 'rows', chunk }, [chunk.numbers.buffer as ArrayBuffer]);
      const sent = Atomics.add(flow, 0, 1) + 1;
      // Back-pressure: wait while the writer is more than MAX_AHEAD chunks behind.
      for (;;) {
        const consumed = Atomics.load(flow, 1);
        if (sent - consumed <= MAX_AHEAD) break;
        Atomics.wait(flow, 1, consumed, 100);
      }
    },
    bytes(n) {
      parentPort!.postMessage({ t: 'bytes', n });
    },
  });
  parentPort!.postMessage({ t: 'done', outcome });
} catch (e) {
  parentPort!.postMessage({ t: 'error', message: e instanceof Error ? e.message : String(e) });
}
