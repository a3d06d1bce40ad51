/** `@SLA Radar sla billing` in a channel: a reply in the thread (once per event, retries dropped). */
import type { App } from '@slack/bolt';
import { sharedSql, type SlackDeps } from '../../deps.js';
import { answerConversation, isIgnorable } from '../../conversation.js';
import { claimEvent } from '../../dedupe.js';
import { guarded } from '../../answer.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_mention', async ({ event, body, client, context }) => {
    // In a DM the message.im listener answers; answering here too would reply twice.
    if (event.channel.startsWith('D') || isIgnorable(event) || (event as { edited?: unknown }).edited) return;
    if (!(await claimEvent(sharedSql(deps), body.event_id, deps.now().getTime()))) return;
    const threadTs = event.thread_ts ?? event.ts;
    await guarded(
      deps,
      'app_mention',
      () => answerConversation(deps, client, { rawText: event.text, botUserId: context.botUserId, channel: event.channel, threadTs, userId: event.user }),
      (text) => client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, text: `:x: ${text}` }),
    );
  });
}
