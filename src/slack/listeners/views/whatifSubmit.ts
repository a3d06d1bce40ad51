/**
 * What-if modal submitted: field errors go back to the modal (`response_action: errors`); a valid form runs
 * `whatif …` when the registry has it (answer ephemeral where the button was, else in the DM), otherwise
 * the modal explains that what-if is coming.
 */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { answerFor, deliverToDm, guarded, postEphemeralAnswer, runLine } from '../../answer.js';
import { BLOCK, infoModal, readWhatifForm, whatifMetaSchema, WHATIF_CALLBACK } from '../../whatif.js';
import { comingSoon } from '../../text.js';
import { listQueues } from '../../../warehouse/queries.js';
import { parseCommandLine, usageText } from '../../../registry.js';
import { buildParseContext } from '../../../parseContext.js';
import { clip } from '../../../blocks/kit.js';

export function register(app: App, deps: SlackDeps): void {
  app.view(WHATIF_CALLBACK, async ({ ack, view, body, client }) => {
    const form = readWhatifForm(view.state.values, listQueues(deps.db).map((q) => q.queue));
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    if (!deps.registry.get('whatif')) {
      await ack({ response_action: 'update', view: infoModal('What-if', `${comingSoon('whatif')}\n\nYou asked: \`${clip(form.line, 500).replace(/`/g, "'")}\``) });
      return;
    }
    const parsed = parseCommandLine(deps.registry, form.line, buildParseContext(deps.db, deps.config, deps.now()));
    if (!parsed.ok) {
      // The grammar's message names the part it could not use; hours problems belong under the hours field.
      const field = /\bhour/i.test(parsed.error.message) ? BLOCK.hours : BLOCK.levers;
      await ack({ response_action: 'errors', errors: { [field]: clip(usageText(parsed.error).replace(/\n/g, ' '), 150) } });
      return;
    }
    await ack();
    const meta = whatifMetaSchema.safeParse(safeJson(view.private_metadata));
    const userId = body.user.id;
    const channel = meta.success ? meta.data.channel : undefined;
    await guarded(
      deps,
      'whatif_submit',
      async () => {
        const e = await runLine(deps, form.line, { userId, channelId: channel });
        if (channel) {
          try {
            await postEphemeralAnswer(deps, client, channel, userId, answerFor(deps, e, 'ephemeral'));
            return;
          } catch (err) {
            deps.logger.info({ err: String(err), channel }, 'ephemeral what-if answer failed; sending it by DM');
          }
        }
        await deliverToDm(deps, client, answerFor(deps, e, 'thread'), userId);
      },
      (text) => client.chat.postMessage({ channel: userId, text: `:x: ${text}` }),
    );
  });
}

function safeJson(s: string | undefined): unknown {
  try {
    return s ? JSON.parse(s) : {};
  } catch {
    return {};
  }
}
