// Starts a worker thread from TypeScript source (tsx) or compiled JavaScript (dist), whichever the entry is.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
