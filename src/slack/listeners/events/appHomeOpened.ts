/** The Home tab, rebuilt each time it is opened: today's SLA per queue and buttons. */
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { guarded } from '../../answer.js';
import { buildHome } from '../../homeData.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await guarded(deps, 'app_home_opened', async () => {
      await client.views.publish({ user_id: event.user, view: await buildHome(deps, event.user) });
    });
  });
}
