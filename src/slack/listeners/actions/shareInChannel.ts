/** "Share in channel": re-runs the answer's command line and posts it for everyone (chart in its thread). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { answerFor, deliverResponse, deliverToDm, guarded, runLine } from '../../answer.js';

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>('share_in_channel', async ({ ack, body, action, respond, client }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id;
    await guarded(
      deps,
      'share_in_channel',
      async () => {
        const e = await runLine(deps, action.value ?? 'help', { userId, channelId }, body.response_url ? (text) => respond({ response_type: 'ephemeral', replace_original: false, text }) : undefined);
        const shared = e.ok ? { ...e, public: true } : e;
        if (channelId && body.response_url) await deliverResponse(deps, client, { url: body.response_url, userId, channelId }, shared, channelId);
        else await deliverToDm(deps, client, answerFor(deps, shared, 'thread'), userId);
      },
      (text) => respond({ response_type: 'ephemeral', replace_original: false, text: `:x: ${text}` }),
    );
  });
}
