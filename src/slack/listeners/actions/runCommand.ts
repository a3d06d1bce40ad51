/**
 * `run_command` buttons: the button's value is a command line. From a message: an ephemeral answer (or in
 * the channel when the line says `public`); from the Home tab (no response_url): the user's DM.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { answerFor, deliverResponse, deliverToDm, guarded, runLine } from '../../answer.js';

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>('run_command', async ({ ack, body, action, respond, client }) => {
    await ack();
    const userId = body.user.id;
    const channelId = body.channel?.id;
    const fromMessage = Boolean(body.response_url) && body.container?.type !== 'view';
    await guarded(
      deps,
      'run_command',
      async () => {
        const e = await runLine(deps, action.value ?? 'help', { userId, channelId }, (text) =>
          fromMessage ? respond({ response_type: 'ephemeral', replace_original: false, text }) : client.chat.postMessage({ channel: userId, text }),
        );
        if (fromMessage) await deliverResponse(deps, client, { url: body.response_url!, userId, channelId }, e, channelId);
        else await deliverToDm(deps, client, answerFor(deps, e, 'thread'), userId);
      },
      (text) => (fromMessage ? respond({ response_type: 'ephemeral', replace_original: false, text: `:x: ${text}` }) : client.chat.postMessage({ channel: userId, text: `:x: ${text}` })),
    );
  });
}
