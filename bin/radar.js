#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx radar …` works straight after `npm ci` (no build step).
import { register } from 'tsx/esm/api';
register();
const { runMain } = await import('../src/cli/main.ts');
runMain(process.argv.slice(2));
