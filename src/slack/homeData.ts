/** Gathers the Home tab's data (the sla command for today, the buttons) and builds the view. */
import type { SlaResult } from '../../commands/sla.js';
import { parseCommandLine } from '../registry.js';
import { buildParseContext } from '../parseContext.js';
import { homeView, type HomeView } from './home.js';
import { runLine } from './answer.js';
import type { SlackDeps } from './deps.js';

/**
 * Read-only commands worth a button, in order, with their labels. Management commands (alerts) and `ask`
 * have no button: a click must never change anything.
 */
const HOME_COMMANDS: [string, string][] = [
  ['why', 'Why?'],
  ['drift', 'Drift'],
  ['whatif', 'What-if'],
  ['staffing', 'Staffing'],
  ['risk', 'Risk'],
  ['tickets', 'Tickets'],
];

/**
 * Common questions first; then, for each read-only command the registry has, its first example that reads
 * in this warehouse — with the examples' queue swapped for today's worst queue when the warehouse lacks it.
 */
export function homeButtons(deps: SlackDeps, worstQueue: string | null): { text: string; line: string }[] {
  const out: { text: string; line: string }[] = [];
  if (deps.registry.get('sla')) out.push({ text: 'SLA today', line: 'sla' }, { text: 'SLA yesterday', line: 'sla yesterday' }, { text: 'SLA last week', line: 'sla last week' });
  const pctx = buildParseContext(deps.db, deps.config, deps.now());
  const word = worstQueue && /\s/.test(worstQueue) ? `"queue=${worstQueue}"` : worstQueue;
  for (const [name, label] of HOME_COMMANDS) {
    const c = deps.registry.get(name);
    if (!c || c.hidden) continue;
    const candidates = c.examples.flatMap((e) => (word ? [e, e.replace(/\b(billing|tech_support)\b/, word)] : [e]));
    const line = candidates.find((l) => parseCommandLine(deps.registry, l, pctx).ok);
    if (line) out.push({ text: label, line });
  }
  if (deps.registry.get('help')) out.push({ text: 'Help', line: 'help' });
  return out.slice(0, 10);
}

export async function buildHome(deps: SlackDeps, userId: string): Promise<HomeView> {
  const now = deps.now();
  const e = deps.registry.get('sla') ? await runLine(deps, 'sla', { userId }) : null;
  const sla = e?.ok ? (e.result as SlaResult) : null;
  const problem = !e ? 'The SLA command is not available.' : e.ok ? undefined : e.message;
  return homeView({ sla, problem, now, buttons: homeButtons(deps, sla?.queues[0]?.queue ?? null) });
}
