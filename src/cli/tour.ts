/** The `radar demo` tour: a few command lines that show what the product finds in the sample data. */
import type { Registry } from '../registry.js';

export interface TourStep {
  line: string;
  why?: string;
}

const STEPS: TourStep[] = [
  { line: 'sla', why: 'How is SLA doing on the latest day, worst queue first?' },
  { line: 'sla billing last 7 days', why: 'A week of one queue, day by day.' },
  { line: 'why billing', why: 'Why did billing SLA move? Shapley attribution over arrivals, talk, ACW and agents.' },
  { line: 'drift tech_support', why: 'Drift events on the drivers of SLA.' },
  { line: 'whatif tech_support yesterday +4 agents 10-14 aht -10%', why: 'What would have recovered it? A calibrated counterfactual on yesterday.' },
  { line: 'staffing tech_support tomorrow', why: 'Required vs planned agents per interval.' },
  { line: 'risk train', why: 'Train the escalation-risk model on the tickets (time-ordered split, metrics, model card).' },
  { line: 'risk', why: 'Which open tickets will escalate?' },
  { line: 'tickets invoice portal', why: 'What customers wrote.' },
];

/** Steps whose command exists in this build. */
export function demoTour(registry: Registry): TourStep[] {
  return STEPS.filter((s) => registry.get(s.line.split(' ')[0]));
}
