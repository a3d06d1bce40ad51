/** Builds what the grammars need from the warehouse: known queues and their time zones. */
import type { Db } from './warehouse/db.js';
import type { Config } from './config.js';
import type { ParseContext } from './registry.js';
import { listQueues, dominantTimeZone } from './warehouse/queries.js';

export function buildParseContext(db: Db, config: Config, now: Date): ParseContext {
  const queues = listQueues(db);
  const tz = dominantTimeZone(queues, config.RADAR_TZ);
  const byQueue = new Map(queues.map((q) => [q.queue, q.timeZone ?? config.RADAR_TZ]));
  return { queues: queues.map((q) => q.queue), now, tz, queueTz: (q) => byQueue.get(q) ?? tz };
}
