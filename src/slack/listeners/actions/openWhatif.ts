/** "What-if" button: opens the what-if modal for the button's queue (trigger ids expire in 3 s: open at once). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { guarded } from '../../answer.js';
import { whatifModal } from '../../whatif.js';
import { listQueues } from '../../../warehouse/queries.js';
import { localToday } from '../../../time.js';

export function register(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>('open_whatif', async ({ ack, body, action, client }) => {
    await ack();
    await guarded(deps, 'open_whatif', async () => {
      const queues = listQueues(deps.db);
      const q = queues.find((x) => x.queue === action.value);
      const date = localToday(deps.now(), q?.timeZone ?? deps.config.RADAR_TZ);
      const view = whatifModal({ queues, queue: action.value, date, meta: { channel: body.channel?.id, user: body.user.id } });
      await client.views.open({ trigger_id: body.trigger_id, view });
    });
  });
}
