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

/**
 * `radar serve` runs with its V8 heaps bounded (the receiver thread's here; the command workers get theirs
 * from the same flags): by default V8 lets a heap grow to a few hundred MB of garbage before its first full
 * collection, so under load the server's RSS climbed ~70 % and stayed there while the live data was ~50 MB
 * (see src/slack/work/pool.ts and README "Serving Slack"). The flags must be given when node starts, so serve
 * re-executes itself once with them, unless the operator already chose heap flags.
 */
const SERVE_HEAP_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=8'];
const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--max-(old|semi)-space-size/.test(a));
if (process.argv[2] === 'serve' && !chosen) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, ...SERVE_HEAP_FLAGS, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await runCli();
}

async function runCli() {
let mod;
if (buildIsCurrent()) {
  mod = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
mod.runMain(process.argv.slice(2));
}
