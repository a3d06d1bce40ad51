/** What each `radar` subcommand does; main.ts only wires the argument parser to these. */
import { existsSync, rmSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openWarehouse } from '../warehouse/db.js';
import type { Config } from '../config.js';
import { mayWrite, parseCommandLine, usageText, type Registry, type CommandContext } from '../registry.js';
import { execute, renderText, runParsed, type Execution } from '../execute.js';
import { buildParseContext } from '../parseContext.js';
import { plainText } from './plain.js';
import { tokenize } from '../grammar/tokens.js';

export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** The clock of a CLI run: RADAR_NOW (ISO) pins it for reproducible demos and tests; else the real time. */
export function cliNow(): Date {
  const pinned = process.env.RADAR_NOW;
  if (pinned) {
    const d = new Date(pinned);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date();
}

export async function runCliCommand(dbPath: string, cfg: Config, registry: Registry, words: string[], io: Io): Promise<number> {
  const t = tokenize(words);
  const json = t.options.json === 'true';
  const chart = t.options.chart;
  const rest = words.filter((w, i) => w !== '--json' && !(w === '--chart' || words[i - 1] === '--chart') && !w.startsWith('--chart='));
  // Read commands run on a read-only connection (no write lock, no migration work); a command that may
  // write (mayWrite) gets a read-write one once its arguments are known.
  let db = openWarehouse(dbPath, { readonly: true });
  try {
    const now = cliNow();
    const parsed = parseCommandLine(registry, rest.join(' '), buildParseContext(db, cfg, now));
    if (parsed.ok && mayWrite(parsed.command, parsed.args)) {
      db.close();
      db = openWarehouse(dbPath);
    }
    // Partial output (ask's numbers before its prose) goes out at once; the final text then skips it.
    let shown = '';
    const partial = json ? undefined : (text: string) => {
      io.out.write(plainText(text));
      shown += plainText(text);
    };
    const ctx: CommandContext = { db, now, config: cfg, surface: 'cli', partial };
    const e: Execution = parsed.ok ? await runParsed(parsed.command, parsed.args, parsed.public, ctx, 'radar') : { ok: false, kind: 'usage', error: parsed.error, message: usageText(parsed.error, 'radar') };
    if (!e.ok) {
      io.err.write(plainText(e.message) + '\n');
      return e.kind === 'usage' ? 2 : 1;
    }
    if (chart) {
      const { renderCommandChart } = await import('../charts/index.js');
      const written = await renderCommandChart(e.command.name, e.result, chart);
      if (!written) io.err.write(`(no chart for ${e.command.name})\n`);
      else io.err.write(`chart written to ${written}\n`);
    }
    const text = json ? JSON.stringify(e.result, null, 2) : plainText(renderText(e));
    io.out.write((shown && text.startsWith(shown) ? text.slice(shown.length) : text) + '\n');
    return 0;
  } finally {
    db.close();
  }
}

export async function runIngest(dbPath: string, cfg: Config, paths: string[], o: { reset?: boolean; dryRun?: boolean; json?: boolean }, io: Io): Promise<number> {
  if (/^postgres(ql)?:\/\//i.test(dbPath)) return (await import('./ingestPg.js')).runIngestPg(dbPath, cfg, paths, o, io);
  const db = openWarehouse(dbPath);
  try {
    const { ingestFiles, formatIngestReport } = await import('../warehouse/ingest.js');
    const { progressReporter } = await import('./progress.js');
    const progress = progressReporter(io.err);
    let report;
    try {
      report = await ingestFiles(db, paths, { reset: o.reset, dryRun: o.dryRun, defaultTz: cfg.RADAR_TZ, onProgress: progress.update });
    } catch (e) {
      progress.stop();
      io.err.write(`${(e as Error).message}\nExample: radar ingest data/sample/\n`);
      return 2;
    }
    progress.stop();
    io.out.write((o.json ? JSON.stringify(report, null, 2) : formatIngestReport(report)) + '\n');
    if (report.ok && !o.dryRun) for (const line of (await import('../../commands/queueModel.js')).refreshQueueCalibrations(db)) if (!o.json) io.out.write(`Queue model ${line}\n`);
    return report.ok ? 0 : 3;
  } finally {
    db.close();
  }
}

export async function runSample(o: Record<string, string>, io: Io): Promise<number> {
  const int = (k: string, min: number, max: number): number => {
    const v = Number(o[k]);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be a whole number from ${min} to ${max} (got "${o[k]}"), e.g. --${k} ${min === 0 ? 42 : Math.max(min, 4)}`);
    return v;
  };
  let opts;
  try {
    const end = o.end ?? new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(end) || Number.isNaN(Date.parse(end))) throw new Error(`--end must be a date YYYY-MM-DD (got "${o.end}"), e.g. --end 2026-11-20`);
    opts = { days: int('days', 1, 3660), queues: int('queues', 1, 500), tickets: int('tickets', 0, 10_000_000), seed: int('seed', 0, 2 ** 31), end };
  } catch (e) {
    io.err.write(`${(e as Error).message}\n`);
    return 2;
  }
  const { writeSample } = await import('../sample/generate.js');
  const t0 = Date.now();
  const summary = await writeSample(resolve(o.out), opts);
  const lines = [`Wrote ${o.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s:`];
  for (const f of summary.files) lines.push(`  ${f.file.padEnd(18)} ${f.file.endsWith('.csv') ? `${String(f.rows).padStart(9)} rows` : ''}`.trimEnd());
  lines.push('Stories in labels.json:');
  for (const e of summary.labels.episodes) lines.push(`  ${e.onset} ${e.queue}: ${e.description}`);
  lines.push(`Load it with: radar ingest ${o.out}`);
  io.out.write(lines.join('\n') + '\n');
  return 0;
}

export const SAMPLE_DIR = 'data/sample';

export async function runDemo(dbPath: string, cfg: Config, registry: Registry, o: { fresh?: boolean }, io: Io): Promise<number> {
  if (o.fresh && existsSync(dbPath)) for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const db = openWarehouse(dbPath);
  try {
    const empty = (db.prepare('SELECT COUNT(*) AS n FROM interval_inputs').get() as { n: number }).n === 0;
    if (empty) {
      if (!existsSync(SAMPLE_DIR) || !readdirSync(SAMPLE_DIR).some((f) => f.endsWith('.csv'))) {
        io.err.write(`No sample data in ${SAMPLE_DIR}. Create one with: radar sample --out ${SAMPLE_DIR}\n`);
        return 2;
      }
      io.err.write(`Building ${dbPath} from ${SAMPLE_DIR} …\n`);
      const { ingestFiles, formatIngestReport } = await import('../warehouse/ingest.js');
      const { progressReporter } = await import('./progress.js');
      const report = await ingestFiles(db, [SAMPLE_DIR], { defaultTz: cfg.RADAR_TZ, onProgress: progressReporter(io.err).update });
      io.err.write(formatIngestReport(report) + '\n');
      if (!report.ok) return 3;
      for (const line of (await import('../../commands/queueModel.js')).refreshQueueCalibrations(db)) io.err.write(`Queue model ${line}\n`);
    }
    // The tour runs at the sample's own clock (15:00 UTC on its last day) unless RADAR_NOW pins one: on a
    // later real day "yesterday" would hold no data.
    const last = db.prepare('SELECT MAX(local_date) FROM interval_inputs WHERE has_outcome = 1').pluck().get() as string | null;
    const sampleClock = last ? new Date(`${last}T15:00:00Z`) : null;
    const now = process.env.RADAR_NOW || !sampleClock || sampleClock.getTime() > Date.now() ? cliNow() : sampleClock;
    if (!process.env.RADAR_NOW && now === sampleClock) io.out.write(`# Clock: ${last} 15:00 UTC, the sample's last day. Run the same lines yourself with RADAR_NOW=${last}T15:00:00Z.\n`);
    const ctx: CommandContext = { db, now, config: cfg, surface: 'cli' };
    const { demoTour } = await import('./tour.js');
    for (const step of demoTour(registry)) {
      io.out.write(`\n$ radar ${step.line}\n${step.why ? `# ${step.why}\n` : ''}`);
      const e = await execute(registry, step.line, ctx, 'radar');
      io.out.write(plainText(renderText(e)) + '\n');
    }
    const pin = !process.env.RADAR_NOW && now === sampleClock ? ` (on the sample's clock: RADAR_NOW=${last}T15:00:00Z npx radar …)` : '';
    io.out.write(`\nNext: \`npx radar help\`${pin}, or connect Slack (README: "Install in your workspace").\n`);
    return 0;
  } finally {
    db.close();
  }
}

export async function runServe(dbPath: string, cfg: Config, registry: Registry, io: Io): Promise<number> {
  let mod: { serve?: (o: { dbPath: string; config: Config; registry: Registry }) => Promise<number> };
  try {
    mod = await import(join('..', 'slack', 'index.js'));
  } catch {
    io.err.write('The Slack app is not available in this build.\n');
    return 1;
  }
  if (!mod.serve) {
    io.err.write('The Slack app is not available in this build.\n');
    return 1;
  }
  return mod.serve({ dbPath, config: cfg, registry });
}
