/**
 * Slack's agent surface (the Assistant side panel; paid workspaces with "Agents & AI Apps" on): a new thread
 * gets a greeting and suggested prompts; each message shows a status while the answer is worked out, then
 * the same answer a DM gets (numbers, chart, prose, 👍/👎). Where the workspace lacks the feature, the
 * assistant.threads.* calls fail and are only logged: the DM keeps working as before.
 *
 * Note: Bolt's Assistant takes every threaded message in a DM (it cannot tell an assistant thread from a DM
 * thread), so DM thread replies are answered here; top-level DMs still reach listeners/events/directMessage.
 */
import { Assistant, type App } from '@slack/bolt';
import { sharedSql, type SlackDeps } from '../../deps.js';
import { answerConversation, isIgnorable } from '../../conversation.js';
import { claimEvent } from '../../dedupe.js';
import { guarded } from '../../answer.js';
import { SUGGESTED_PROMPTS, WELCOME } from '../../prompts.js';

export const WORKING_STATUS = 'is checking the numbers…';

export function register(app: App, deps: SlackDeps): void {
  const assistant = new Assistant({
    threadStarted: async ({ say, setSuggestedPrompts }) => {
      await guarded(deps, 'assistant_thread_started', async () => {
        await say(WELCOME);
        try {
          await setSuggestedPrompts({ title: 'Try one of these:', prompts: SUGGESTED_PROMPTS.map((p) => ({ title: p.title, message: p.message })) });
        } catch (err) {
          deps.logger.info({ err: String(err) }, 'assistant: suggested prompts unavailable in this workspace');
        }
      });
    },
    userMessage: async ({ message, body, client, context, setStatus }) => {
      const m = message as { channel: string; ts: string; thread_ts?: string; text?: string; user?: string; subtype?: string; bot_id?: string };
      if (isIgnorable(m) || m.user === context.botUserId) return;
      if (!(await claimEvent(sharedSql(deps), (body as { event_id?: string }).event_id ?? `${m.channel}:${m.ts}`, deps.now().getTime()))) return;
      const threadTs = m.thread_ts ?? m.ts;
      try {
        await setStatus(WORKING_STATUS);
      } catch (err) {
        deps.logger.info({ err: String(err) }, 'assistant: status unavailable in this workspace');
      }
      await guarded(
        deps,
        'assistant message',
        () => answerConversation(deps, client, { rawText: m.text ?? '', botUserId: context.botUserId, channel: m.channel, threadTs, userId: m.user }),
        (text) => client.chat.postMessage({ channel: m.channel, thread_ts: threadTs, text: `:x: ${text}` }),
      );
    },
  });
  app.assistant(assistant);
}
