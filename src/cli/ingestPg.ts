/**
 * `radar ingest` when RADAR_DB (or --db) is a postgres:// URL: the Postgres warehouse's COPY ingest
 * (src/warehouse/pg/ingest.ts) with the same report, progress bar and exit codes as the SQLite path.
 */
import type { Config } from '../config.js';

export async function runIngestPg(url: string, cfg: Config, paths: string[], o: { reset?: boolean; dryRun?: boolean; json?: boolean }, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  const { openPgWarehouse } = await import('../warehouse/pg/db.js');
  const { ingestFilesPg } = await import('../warehouse/pg/ingest.js');
  const { formatIngestReport } = await import('../warehouse/ingest.js');
  const { progressReporter } = await import('./progress.js');
  let pool;
  try {
    pool = await openPgWarehouse(url, { max: 2 });
  } catch (e) {
    // The URL holds the password: name the host only.
    const host = (() => { try { return new URL(url).host; } catch { return 'the RADAR_DB URL'; } })();
    io.err.write(`cannot open the Postgres warehouse at ${host}: ${(e as Error).message}\nExample: RADAR_DB=postgres://radar:secret@localhost:5432/radar radar ingest data/sample/\n`);
    return 2;
  }
  const progress = progressReporter(io.err);
  try {
    const report = await ingestFilesPg(pool, paths, { reset: o.reset, dryRun: o.dryRun, defaultTz: cfg.RADAR_TZ, onProgress: progress.update });
    progress.stop();
    io.out.write((o.json ? JSON.stringify(report, null, 2) : formatIngestReport(report)) + '\n');
    if (report.ok && !o.dryRun) {
      // The queue models are refitted after a load, as on SQLite: through the synchronous facade.
      const { openWarehouse } = await import('../warehouse/db.js');
      const db = openWarehouse(url);
      try {
        for (const line of (await import('../../commands/queueModel.js')).refreshQueueCalibrations(db)) if (!o.json) io.out.write(`Queue model ${line}\n`);
      } finally {
        db.close();
      }
    }
    return report.ok ? 0 : 3;
  } catch (e) {
    progress.stop();
    io.err.write(`${(e as Error).message}\nExample: radar ingest data/sample/\n`);
    return 2;
  } finally {
    await pool.end();
  }
}
