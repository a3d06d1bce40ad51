/**
 * The snapshot on a fired alert: once the alert's message is posted, its queue's day up to the firing time is
 * drawn (src/charts/snapshot.ts; for tickets_due: the tickets by time left) and uploaded into the alert's thread through the alert poster's transport.
 * Never fatal: no data, no chart stack or a failed upload leaves the alert as it is.
 */
import type { Db } from '../../warehouse/db.js';
import type { PosterOptions } from '../../alerts/poster.js';
import type { Intent } from '../../alerts/store.js';
import type { AlertView } from '../../alerts/view.js';
import { getRule } from '../../alerts/store.js';

type Log = NonNullable<PosterOptions['log']>;

export function snapshotUploader(db: Db, defaultTz: string, log?: Log): NonNullable<PosterOptions['afterPost']> {
  return async (i: Intent, posted, transport) => {
    if (i.payload.render !== 'alert' || !transport.upload) return;
    const v = i.payload.view as AlertView;
    if (v.status !== 'firing') return;
    const { snapshotPng, dueSnapshotPng } = await import('../../charts/snapshot.js');
    const png =
      v.metric === 'tickets_due'
        ? await dueSnapshotPng(db, { queue: v.scope, withinMinutes: getRule(db, v.ruleId)?.spec.withinMinutes ?? 60, asOf: v.asOf })
        : await snapshotPng(db, { queue: v.scope, metric: v.metric, threshold: v.threshold, firedAt: v.firedAt, until: v.asOf, title: `${v.metricLabel} ${v.comparator} ${v.thresholdText}` }, { defaultTz: v.tz || defaultTz });
    if (!png) {
      log?.info({ key: i.key, scope: v.scope }, 'alerts: no snapshot for this alert (no interval data for its scope that day)');
      return;
    }
    await transport.upload({ channel: posted.channel, thread_ts: posted.ts, file: png, filename: `alert-${v.ruleId}-${v.scope}.png`.replace(/[^\w.-]/g, '_'), title: `Snapshot: ${v.scopeLabel} at firing` });
  };
}
