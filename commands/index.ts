/**
 * The product's table of contents: every command, in the order `help` lists them. Adding a capability
 * means adding its module here; Slack, the CLI and the LLM router pick it up from this registry.
 */
import { Registry, type AnyCommand } from '../src/registry.js';
import { sla } from './sla.js';
import { drift } from './drift.js';
import { why } from './why.js';
import { whatif } from './whatif.js';
import { staffing } from './staffing.js';
import { risk } from './risk.js';
import { tickets } from './tickets.js';
import { alerts } from './alerts.js';
import { kpi } from './kpi.js';
import { exportCommand } from './export.js';
import { calibration } from './calibration.js';
import { due } from './due.js';
import { forecast } from './forecast.js';
import { makeAsk, type AskAnswerer } from './ask.js';
import { makeHelp } from './help.js';

export interface RegistryOptions {
  /** The language surface's answerer for `ask` (src/llm createAnswerer), loaded on first use; without it `ask` declines. */
  answerer?: () => Promise<AskAnswerer>;
}

export function buildRegistry(o: RegistryOptions = {}): Registry {
  const list: AnyCommand[] = [];
  const help = makeHelp(() => list);
  const ask = makeAsk(() => list, o.answerer);
  list.push(sla as AnyCommand, why as AnyCommand, drift as AnyCommand, whatif as AnyCommand, staffing as AnyCommand, calibration as AnyCommand, risk as AnyCommand, tickets as AnyCommand, due as AnyCommand, kpi as AnyCommand, forecast as AnyCommand, exportCommand as AnyCommand, alerts as AnyCommand, ask as AnyCommand, help as AnyCommand);
  return new Registry(list);
}
