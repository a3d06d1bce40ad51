// Starts the Postgres facade's helper thread (syncWorker) from compiled JavaScript (dist) when it sits beside
// this file, else from the TypeScript source through tsx (a worker's execArgv cannot load its own entry as TS).
import { existsSync } from 'node:fs';

const js = new URL('./syncWorker.js', import.meta.url);
if (existsSync(js)) {
  await import(js.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./syncWorker.ts', import.meta.url).href);
}
