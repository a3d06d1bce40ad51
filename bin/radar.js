#!/usr/bin/env node
// `radar`: runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs as `prepare`) so a
// command starts in a fraction of a second. In a checkout whose TypeScript changed after the last build
// (or with no build, or RADAR_FROM_SOURCE=1) it runs the source through tsx instead, so what runs is
// always what is in src/ and commands/ — a stale build is never used.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');

/** Newest modification time (ms) of the .ts files under the given folders. */
function newestSource(dirs) {
  let newest = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir, { recursive: true })) {
      if (!f.endsWith('.ts') && !f.endsWith('.mjs')) continue;
      const m = statSync(join(dir, f)).mtimeMs;
      if (m > newest) newest = m;
    }
  }
  return newest;
}

function buildIsCurrent() {
  if (process.env.RADAR_FROM_SOURCE === '1' || !existsSync(built)) return false;
  return statSync(built).mtimeMs >= newestSource([join(root, 'src'), join(root, 'commands')]);
}

let mod;
if (buildIsCurrent()) {
  mod = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
mod.runMain(process.argv.slice(2));
