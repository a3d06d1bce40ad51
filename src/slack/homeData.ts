/** Gathers the Home tab's data (the sla command for today, the buttons) and builds the view. */
import type { SlaResult } from '../../commands/sla.js';
import { homeView, type HomeView } from './home.js';
import { runLine } from './answer.js';
import type { SlackDeps } from './deps.js';

/** Common questions first; then the first example of every other command the registry has. */
export function homeButtons(deps: SlackDeps): { text: string; line: string }[] {
  const out: { text: string; line: string }[] = [];
  if (deps.registry.get('sla')) out.push({ text: 'SLA today', line: 'sla' }, { text: 'SLA yesterday', line: 'sla yesterday' }, { text: 'SLA last week', line: 'sla last week' });
  for (const c of deps.registry.visible()) {
    if (c.name === 'sla' || c.name === 'help') continue;
    out.push({ text: c.name.charAt(0).toUpperCase() + c.name.slice(1), line: c.examples[0] ?? c.name });
  }
  if (deps.registry.get('help')) out.push({ text: 'Help', line: 'help' });
  return out;
}

export async function buildHome(deps: SlackDeps, userId: string): Promise<HomeView> {
  const now = deps.now();
  const e = deps.registry.get('sla') ? await runLine(deps, 'sla', { userId }) : null;
  const sla = e?.ok ? (e.result as SlaResult) : null;
  const problem = !e ? 'The SLA command is not available.' : e.ok ? undefined : e.message;
  return homeView({ sla, problem, now, buttons: homeButtons(deps) });
}
