/** `/sla`, `/drift`, `/whatif`, `/risk`: the same registry as `/radar <name>` (or what is coming). */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { answerSlash } from '../../slash.js';
import { SHORT_FORMS } from '../../text.js';

export function register(app: App, deps: SlackDeps): void {
  for (const slash of Object.keys(SHORT_FORMS)) {
    app.command(slash, async ({ ack, command, respond, client }) => {
      await ack();
      await answerSlash(deps, client, respond, command);
    });
  }
}
