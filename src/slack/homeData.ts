/**
 * Gathers the Home tab's data — alerts firing, the sla command for today, overdue tickets (`due`), the riskiest
 * open tickets, yesterday's headline KPIs, the buttons — and builds the view. Each part fails alone: a missing
 * model or table leaves its section saying so, never the tab blank.
 */
import type { SlaResult } from '../../commands/sla.js';
import type { DueResult } from '../../commands/due.js';
import { headlineKpis } from '../../commands/kpi.js';
import { scoreOpenTickets } from '../../commands/riskScoring.js';
import { openAlertViews } from '../alerts/store.js';
import { commandContext } from './answer.js';
import { parseCommandLine } from '../registry.js';
import { buildParseContext } from '../parseContext.js';
import { homeView, type HomeInput, type HomeView } from './home.js';
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
  ['due', 'Due next'],
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

function part<T>(deps: SlackDeps, what: string, f: () => T): T | null {
  try {
    return f();
  } catch (err) {
    deps.logger.warn({ err, what }, 'home: a section is unavailable');
    return null;
  }
}

export async function buildHome(deps: SlackDeps, userId: string): Promise<HomeView> {
  const now = deps.now();
  const [e, d] = await Promise.all([
    deps.registry.get('sla') ? runLine(deps, 'sla', { userId }) : null,
    deps.registry.get('due') ? runLine(deps, 'due limit=10', { userId }) : null,
  ]);
  const sla = e?.ok ? (e.result as SlaResult) : null;
  const problem = !e ? 'The SLA command is not available.' : e.ok ? undefined : e.message;
  const ctx = commandContext(deps, { userId });
  let risky: HomeInput['risky'];
  try {
    const scored = scoreOpenTickets(deps.db, now).sort((a, b) => b.score - a.score);
    risky = { tickets: scored.slice(0, 5), note: scored.length ? null : 'no open tickets' };
  } catch (err) {
    risky = { tickets: [], note: /model/i.test(String((err as Error)?.message)) ? 'no model yet (`radar risk train`)' : 'not available right now' };
  }
  const kpis = part(deps, 'kpis', () => headlineKpis(ctx));
  return homeView({
    sla,
    problem,
    now,
    buttons: homeButtons(deps, sla?.queues[0]?.queue ?? null),
    alerts: part(deps, 'alerts', () => openAlertViews(deps.db, 20)) ?? [],
    due: d === null ? undefined : d.ok ? (d.result as DueResult) : null,
    risky,
    kpis: kpis && kpis.rows.length ? kpis : null,
  });
}
