/**
 * Daily digest per subscribed channel at a chosen local time: yesterday's SLA per queue vs target, drift events,
 * top-risk open tickets and the alerts that fired — one message (the Slack builder keeps it within Block Kit
 * limits). Due digests become intents like alerts do, keyed by channel and date, so each is posted once.
 */
import type { Db } from '../warehouse/db.js';
import { dailyRows, listQueues } from '../warehouse/queries.js';
import { addDays, localMidnightUtc, localParts } from '../time.js';
import type { Engines } from './engines.js';
import { WarehouseView } from './data.js';
import { newCache, openDriftEvents, type EvaluatorCache } from './providers.js';
import { eventsBetween, getRule, listDigests, markDigestSent, recordIntent, type DigestSub } from './store.js';
import { METRIC_INFO, formatValue } from './metrics.js';
import type { DigestView } from './view.js';

export interface DigestOptions {
  engines: Engines;
  defaultTz: string;
  cache?: EvaluatorCache;
}

/** The digest of local date `date` (in `tz`) for `channel`. */
export function buildDigest(db: Db, channel: string, date: string, tz: string, now: Date, o: DigestOptions): DigestView {
  const queues = listQueues(db);
  const daily = dailyRows(db, date, date);
  const view = new WarehouseView(db, o.defaultTz);
  const cache = o.cache ?? newCache();
  const dayStart = localMidnightUtc(date, tz);
  const dayEnd = localMidnightUtc(addDays(date, 1), tz);

  const drift: DigestView['drift'] = [];
  if (o.engines.detectDrift) {
    for (const q of queues) {
      const src = view.rowsOf(q.queue);
      if (!src) continue;
      for (const e of openDriftEvents(src, Math.min(now.getTime(), dayEnd), o.engines, cache)) {
        drift.push({ queue: q.queue, text: `${e.driver} ${e.direction === 'up' ? '↑' : '↓'} ${(e.magnitude * 100).toFixed(0)} % since ${e.onsetEstimate.slice(0, 10)}` });
      }
    }
  }

  let risk: DigestView['risk'] = [];
  let riskNote: string | null = null;
  if (o.engines.scoreOpenTickets) {
    try {
      risk = o.engines
        .scoreOpenTickets(db, now)
        .sort((a, b) => b.score - a.score)
        .slice(0, 5)
        .map((s) => ({ ticketId: s.ticketId, queue: s.queue, score: s.score, subject: s.subject ?? null }));
    } catch (err) {
      riskNote = `Risk scores unavailable (${(err as Error).message.slice(0, 80)}).`;
    }
  } else riskNote = 'Risk scores appear here once a risk model is trained (`radar risk train`).';

  const fired = eventsBetween(db, dayStart, dayEnd, ['fired', 'reopened']);
  const resolvedLater = eventsBetween(db, dayStart, now.getTime() + 1, ['resolved']);
  const alerts: DigestView['alerts'] = fired.slice(0, 20).map((e) => {
    const rule = getRule(db, e.ruleId);
    const res = resolvedLater.find((r) => r.ruleId === e.ruleId && r.scope === e.scope && r.at >= e.at);
    const metric = rule?.spec.metric;
    return {
      ruleId: e.ruleId,
      scope: e.scope,
      label: rule ? `${rule.spec.name ?? METRIC_INFO[rule.spec.metric].label} #${rule.id}` : `rule #${e.ruleId} (removed)`,
      firedAt: e.at,
      resolvedAt: res?.at ?? null,
      peakText: metric ? formatValue(metric, e.value) : String(e.value ?? '–'),
    };
  });

  return {
    channel,
    date,
    tz,
    queues: queues.map((q) => {
      const d = daily.find((r) => r.queue === q.queue);
      return {
        queue: q.queue,
        displayName: q.displayName,
        sl: d?.sl ?? null,
        targetPct: q.slTargetPct,
        offered: d?.offered ?? 0,
        abandonRate: d?.abandonRate ?? null,
        intervalsBelowTarget: d?.intervalsBelowTarget ?? 0,
      };
    }),
    drift,
    risk,
    riskNote,
    alerts,
    alertsFired: fired.length,
  };
}

export const digestKey = (channel: string, date: string) => `d|${channel}|${date}`;

/** Is the subscription due at `now` (its local time has passed today and today's digest is not sent)? */
export function digestDue(sub: DigestSub, now: number): string | null {
  const lp = localParts(now, sub.timeZone);
  const [h, m] = sub.localTime.split(':').map(Number);
  if (lp.minute < h * 60 + m) return null;
  return sub.lastSentDate === lp.date ? null : lp.date;
}

/** Records an intent for every due digest (and marks it sent for today in the same transaction). */
export function queueDueDigests(db: Db, now: Date, o: DigestOptions): { channel: string; date: string }[] {
  const out: { channel: string; date: string }[] = [];
  for (const sub of listDigests(db)) {
    const today = digestDue(sub, now.getTime());
    if (!today) continue;
    const view = buildDigest(db, sub.channel, addDays(today, -1), sub.timeZone, now, o);
    db.transaction(() => {
      recordIntent(db, { key: digestKey(sub.channel, today), kind: 'post', channel: sub.channel, payload: { render: 'digest', view } }, now.getTime());
      markDigestSent(db, sub.channel, today);
    })();
    out.push({ channel: sub.channel, date: today });
  }
  return out;
}
