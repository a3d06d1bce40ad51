/**
 * 👍 / 👎 under every natural-language answer (mentions, DMs, the Assistant, `/radar ask`); surface-neutral so the
 * `ask` command can render them too. The buttons carry what the rating is about — the question, the
 * route (command, line, LLM or rules) and the guard's verdict (who worded the answer, and why the narrator did
 * when an LLM is configured) — so a click stores it with src/llm's feedback store, no lookup needed.
 */
import { z } from 'zod';
import { actions, context, type Block } from './kit.js';

export const FEEDBACK_UP = 'feedback_up';
export const FEEDBACK_DOWN = 'feedback_down';
export const FEEDBACK_BLOCK = 'radar_feedback';

export const feedbackMetaSchema = z.object({
  q: z.string().max(2000),
  c: z.string().max(100).nullable(),
  l: z.string().max(400).nullable(),
  v: z.enum(['llm', 'rules']).nullable(),
  s: z.enum(['llm', 'narrator']).nullable(),
  r: z.string().max(300).nullable(),
});
export type FeedbackMeta = z.output<typeof feedbackMetaSchema>;

/** Button values hold ≤ 2000 chars: the question is shortened until the JSON fits. */
export function feedbackValue(m: FeedbackMeta): string {
  const base = { ...m, l: m.l?.slice(0, 400) ?? null, r: m.r?.slice(0, 300) ?? null };
  for (let room = 1200; room >= 0; room -= 200) {
    const json = JSON.stringify({ ...base, q: m.q.slice(0, room) });
    if (json.length <= 2000) return json;
  }
  return JSON.stringify({ ...base, q: '' });
}

export function parseFeedbackValue(raw: string | undefined): FeedbackMeta | null {
  try {
    const r = feedbackMetaSchema.safeParse(JSON.parse(raw ?? ''));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function feedbackBlocks(m: FeedbackMeta): Block[] {
  const value = feedbackValue(m);
  return [
    actions(
      [
        { text: '👍 Helpful', actionId: FEEDBACK_UP, value },
        { text: '👎 Not helpful', actionId: FEEDBACK_DOWN, value },
      ],
      FEEDBACK_BLOCK,
    ),
  ];
}

/** What replaces the buttons once rated (the message keeps its answer). */
export function ratedBlock(rating: 'up' | 'down', userId: string): Block {
  return context(rating === 'up' ? `👍 <@${userId}> found this helpful — thanks!` : `👎 <@${userId}> found this not helpful — thanks, it is recorded with the question and how it was answered.`);
}
