/**
 * The Home tab, rebuilt each time it is opened (alerts firing, SLA, overdue and risky tickets, KPIs, buttons);
 * and the first time someone opens the Messages tab of an empty DM, a welcome with suggested prompts.
 */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { guarded } from '../../answer.js';
import { buildHome } from '../../homeData.js';
import { actions, section } from '../../../blocks/kit.js';
import { SUGGESTED_PROMPTS, WELCOME } from '../../prompts.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab === 'messages') {
      await guarded(deps, 'app_home_opened messages', async () => {
        if (!event.channel) return;
        // Only an empty DM gets the welcome: reopening the tab must not post it again.
        const h = await client.conversations.history({ channel: event.channel, limit: 1 });
        if (!h.ok || (h.messages ?? []).length) return;
        const blocks = [section(WELCOME), actions(SUGGESTED_PROMPTS.map((p) => ({ text: p.title, actionId: 'run_command', value: p.line })), 'radar_prompts')];
        await client.chat.postMessage({ channel: event.channel, text: WELCOME, blocks: blocks as never });
      });
      return;
    }
    if (event.tab !== 'home') return;
    await guarded(deps, 'app_home_opened', async () => {
      await client.views.publish({ user_id: event.user, view: await buildHome(deps, event.user) });
    });
  });
}
