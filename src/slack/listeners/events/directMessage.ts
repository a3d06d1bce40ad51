/** A DM to the bot (message.im): a reply in the thread; edits, deletions and bot messages are ignored. */
import type { App } from '@slack/bolt';
import { sharedSql, type SlackDeps } from '../../deps.js';
import { answerConversation, isIgnorable } from '../../conversation.js';
import { claimEvent } from '../../dedupe.js';
import { guarded } from '../../answer.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('message', async ({ event, body, client, context }) => {
    const m = event as { channel_type?: string; subtype?: string; bot_id?: string; user?: string; text?: string; channel: string; ts: string; thread_ts?: string };
    if (m.channel_type !== 'im' || isIgnorable(m) || m.user === context.botUserId) return;
    if (!(await claimEvent(sharedSql(deps), body.event_id, deps.now().getTime()))) return;
    const threadTs = m.thread_ts ?? m.ts;
    await guarded(
      deps,
      'message.im',
      () => answerConversation(deps, client, { rawText: m.text ?? '', botUserId: context.botUserId, channel: m.channel, threadTs, userId: m.user }),
      (text) => client.chat.postMessage({ channel: m.channel, thread_ts: threadTs, text: `:x: ${text}` }),
    );
  });
}
