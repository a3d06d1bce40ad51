/**
 * 👍 / 👎 under an answer: stores the rating with the question, route and guard verdict (src/llm's feedback
 * store), then swaps the buttons for a thank-you line so the answer is rated once per click.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { guarded } from '../../answer.js';
import { recordFeedback } from '../../../llm/index.js';
import { FEEDBACK_BLOCK, FEEDBACK_DOWN, FEEDBACK_UP, parseFeedbackValue, ratedBlock } from '../../../blocks/feedback.js';

export function register(app: App, deps: SlackDeps): void {
  for (const id of [FEEDBACK_UP, FEEDBACK_DOWN]) {
    app.action<BlockAction<ButtonAction>>(id, async ({ ack, body, action, client, respond }) => {
      await ack();
      await guarded(deps, 'feedback', async () => {
        const meta = parseFeedbackValue(action.value);
        if (!meta) {
          deps.logger.warn({ action: id }, 'feedback: unreadable button value');
          return;
        }
        const rating = id === FEEDBACK_UP ? 'up' : 'down';
        const message = body.message as { ts?: string; thread_ts?: string; blocks?: { block_id?: string }[] } | undefined;
        const container = body.container as { channel_id?: string; message_ts?: string } | undefined;
        const channel = container?.channel_id ?? body.channel?.id ?? null;
        const ts = container?.message_ts ?? message?.ts ?? null;
        recordFeedback(deps.db, {
          rating,
          channelId: channel,
          threadTs: message?.thread_ts ?? ts,
          userId: body.user.id,
          question: meta.q,
          command: meta.c,
          args: { line: meta.l, via: meta.v, guard: meta.s === null ? null : { source: meta.s, reason: meta.r ?? (meta.s === 'llm' ? 'passed' : null) } },
          source: meta.s,
          now: deps.now(),
        });
        if (!message?.blocks) return;
        const blocks = message.blocks.map((b) => (b.block_id === FEEDBACK_BLOCK ? ratedBlock(rating, body.user.id) : b));
        try {
          // Ephemeral answers (`/radar ask`) cannot be chat.update'd: replace them through their response_url.
          if ((container as { is_ephemeral?: boolean } | undefined)?.is_ephemeral && body.response_url) await respond({ replace_original: true, blocks: blocks as never, text: 'Thanks for the feedback' });
          else if (channel && ts) await client.chat.update({ channel, ts, blocks: blocks as never, text: 'Thanks for the feedback' });
        } catch (err) {
          deps.logger.info({ err: String(err) }, 'feedback: stored, but could not update the message');
        }
      });
    });
  }
}
