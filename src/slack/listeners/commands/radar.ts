/** `/radar <command> …`: every registry command. */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { answerSlash } from '../../slash.js';

export function register(app: App, deps: SlackDeps): void {
  app.command('/radar', async ({ ack, command, respond, client }) => {
    await ack();
    await answerSlash(deps, client, respond, command);
  });
}
