/** `kpi csat drivers [queue] [range]` — what moves CSAT. */
import { UsageError, type CommandContext } from '../src/registry.js';
import type { Block } from '../src/blocks/kit.js';
import { section } from '../src/blocks/kit.js';

export interface DriversResult {
  kind: 'drivers';
}

export function runDrivers(_ctx: CommandContext, _args: unknown): DriversResult {
  throw new UsageError('CSAT drivers are not available yet.', 'kpi csat last 30 days by channel');
}

export function driversText(_r: DriversResult): string {
  return '';
}

export function driversBlocks(r: DriversResult, _opts: { public?: boolean }): Block[] {
  return [section(driversText(r))];
}
