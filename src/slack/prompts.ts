/**
 * Suggested prompts: what a support lead asks first. Shown in the Assistant view (setSuggestedPrompts) and,
 * as buttons, in the welcome of a new DM. `message` is sent as the user's question (the router reads it);
 * `line` is the command the DM button runs.
 */
export interface SuggestedPrompt {
  title: string;
  message: string;
  line: string;
}

export const SUGGESTED_PROMPTS: readonly SuggestedPrompt[] = [
  { title: 'How is SLA today?', message: 'How is SLA today on every queue?', line: 'sla' },
  { title: 'Which tickets breach next?', message: 'due within 2h', line: 'due within 2h' },
  { title: 'Why did SLA drop yesterday?', message: 'Why did SLA drop yesterday?', line: 'why yesterday' },
  { title: 'Any drift this week?', message: 'Is anything drifting in the last 7 days?', line: 'drift last 7 days' },
];

export const WELCOME =
  ':wave: Hi! I answer SLA questions from your queue and ticket data: ask in plain words or with a command (no slash needed here), e.g. `sla billing yesterday`.';
