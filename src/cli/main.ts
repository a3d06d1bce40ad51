/**
 * `radar` — the terminal surface. Built-in subcommands (ingest, sample, demo, serve, status) plus every command of
 * the registry (`radar sla billing yesterday --json`), parsed by the same grammar as `/radar` in Slack.
 */
import { Command, CommanderError } from 'commander';
import { config as loadDotenv } from 'dotenv';
import { loadConfig, ConfigError, type Config } from '../config.js';
import { buildRegistry } from '../../commands/index.js';
import { runCliCommand, runIngest, runSample, runDemo, runServe } from './actions.js';

export async function main(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr }): Promise<number> {
  loadDotenv({ quiet: true });
  let cfg: Config;
  try {
    cfg = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err.write(`${e.message}\nFix these in the environment or .env (see .env.example).\n`);
      return 2;
    }
    throw e;
  }
  // `ask` gets the LLM surface's answerer, loaded by the first question (not by every `radar` start); one per
  // process, so its circuit breaker spans the questions a `radar serve` answers.
  let answerer: ReturnType<typeof import('../llm/index.js').createAnswerer> | undefined;
  const registry = buildRegistry({ answerer: async () => (answerer ??= (await import('../llm/index.js')).createAnswerer()) });
  let code = 0;
  const program = new Command('radar')
    .description('SLA Radar: SLA, drift, what-if staffing and escalation risk for support queues — from the terminal.')
    .option('--db <path>', 'warehouse file (default: $RADAR_DB or data/warehouse.db)')
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .exitOverride()
    .showSuggestionAfterError(true);
  const dbPath = () => (program.opts().db as string | undefined) ?? cfg.RADAR_DB;

  program
    .command('ingest')
    .description('Load CSV / JSON Lines files or folders into the warehouse (all-or-nothing; see docs/data-formats.md)')
    .argument('<paths...>', 'files or folders')
    .option('--reset', 'empty the data tables first (same transaction)')
    .option('--dry-run', 'validate everything, write nothing')
    .option('--json', 'print the report as JSON')
    .action(async (paths: string[], o: { reset?: boolean; dryRun?: boolean; json?: boolean }) => {
      code = await runIngest(dbPath(), cfg, paths, o, io);
    });

  program
    .command('sample')
    .description('Write a deterministic, realistic sample data set (CSVs + labels.json)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--days <n>', 'days of interval history', '90')
    .option('--queues <n>', 'number of queues', '4')
    .option('--tickets <n>', 'number of tickets', '20000')
    .option('--seed <n>', 'random seed', '42')
    .option('--end <YYYY-MM-DD>', 'last day (default: today)')
    .action(async (o: Record<string, string>) => {
      code = await runSample(o, io);
    });

  program
    .command('demo')
    .description('Build data/warehouse.db from data/sample/ when absent, then print a short tour')
    .option('--fresh', 'rebuild the warehouse from the sample even if it exists')
    .action(async (o: { fresh?: boolean }) => {
      code = await runDemo(dbPath(), cfg, registry, o, io);
    });

  program
    .command('serve')
    .description('Start the Slack app (Socket Mode with SLACK_APP_TOKEN, else HTTP on $PORT)')
    .action(async () => {
      code = await runServe(dbPath(), cfg, registry, io);
    });

  program
    .command('status')
    .description('Health of the running server (warehouse, last alert tick, Slack connection), else of the warehouse alone')
    .option('--url <url>', 'the server\'s base URL (default http://127.0.0.1:$PORT)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { url?: string; json?: boolean }) => {
      const { runStatus } = await import('./status.js');
      code = await runStatus(dbPath(), cfg, o, io);
    });

  for (const c of registry.visible()) {
    program
      .command(c.name)
      .description(c.summary)
      .usage(c.usage.replace(/^\S+\s*/, '') + ' [--json]')
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[words...]')
      .helpOption('-h, --help', 'show this help')
      .addHelpText('after', `\nExamples:\n${c.examples.map((e) => `  radar ${e}`).join('\n')}\n\nFlags: --json (print the result object), --chart <file.png> (where the command draws one)`)
      .action(async (_words: string[], _o: unknown, cmd: Command) => {
        code = await runCliCommand(dbPath(), cfg, registry, [c.name, ...cmd.args], io);
      });
  }
  program.addHelpText('after', `\nRun \`radar <command> --help\` for a command's grammar and examples. Everything also works in Slack as /radar <command> ….`);

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

/** Runs main and turns unexpected errors into a short apology with a reference id (details with RADAR_DEBUG=1). */
export function runMain(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      const ref = Math.random().toString(36).slice(2, 8);
      process.stderr.write(`Something went wrong on our side (ref ${ref}): ${err instanceof Error ? err.message : String(err)}\n`);
      if (process.env.RADAR_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
      process.exitCode = 1;
    },
  );
}

if (process.argv[1] && /[\\/]src[\\/]cli[\\/]main\.[tj]s$/.test(process.argv[1])) runMain(process.argv.slice(2));
