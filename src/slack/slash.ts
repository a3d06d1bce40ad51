/** The slash-command flow shared by `/radar` and its short forms: decode → line → run → respond. */
import type { RespondFn, webApi } from '@slack/bolt';
import { section } from '../blocks/kit.js';
import { deliverResponse, guarded, respondWith, runLine, toAnswer } from './answer.js';
import { decodeSlackText, slashLine } from './text.js';
import type { SlackDeps } from './deps.js';

export interface SlashRequest {
  command: string;
  text: string;
  user_id: string;
  channel_id: string;
  response_url: string;
}

/** Call after ack(): answers through `respond` (ephemeral), or in the channel when the line ends with `public`. */
export async function answerSlash(deps: SlackDeps, client: webApi.WebClient, respond: RespondFn, req: SlashRequest): Promise<void> {
  await guarded(
    deps,
    `slash ${req.command}`,
    async () => {
      const reply = { url: req.response_url, userId: req.user_id, channelId: req.channel_id };
      const sl = slashLine(req.command, decodeSlackText(req.text ?? ''), deps.registry);
      if (sl.kind === 'coming') {
        await respondWith(deps, client, reply, toAnswer(deps, [section(sl.message)], 'ephemeral'));
        return;
      }
      const e = await runLine(deps, sl.line, { userId: req.user_id, channelId: req.channel_id }, (text) => respond({ response_type: 'ephemeral', replace_original: false, text }));
      await deliverResponse(deps, client, reply, e, req.channel_id, req.user_id);
    },
    (text) => respond({ response_type: 'ephemeral', replace_original: false, text: `:x: ${text}` }),
  );
}
