/**
 * Where the project's data files (sql/, prompts/) live, whether this module runs from source
 * (src/paths.ts) or from the build (dist/src/paths.js): the nearest folder above it with a package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sql'))) return dir;
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), '..');
    dir = up;
  }
}

/** The checkout (or installed package) root: holds package.json, sql/ and prompts/. */
export const PROJECT_ROOT = findRoot();
