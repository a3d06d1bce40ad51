/**
 * Configuration from the environment (and `.env`, loaded by the entry points), validated with zod.
 * Secrets (tokens, API keys) are read here and nowhere else; `describeConfig` never prints them.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { parseBusinessHoursConfig } from './businessHours.js';

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s))
  .optional();

export const configSchema = z.object({
  RADAR_DB: z.string().default('data/warehouse.db'),
  RADAR_TZ: z.string().default('UTC'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  LLM_MODEL: z.string().default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(20000),
  EMBEDDINGS_MODEL: optionalString,
  ALERTS_CRON: z.string().default('*/15 * * * *'),
  ALERTS_TZ: z.string().default('UTC'),
  /** Command worker threads of `radar serve` (default: the machine's cores, 1–4). */
  RADAR_WORKERS: z.coerce.number().int().min(1).max(32).default(Math.max(1, Math.min(4, availableParallelism()))),
  /** Questions that may wait for a worker before new ones are told "busy, ask again". */
  RADAR_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Of which one person may have this many waiting (fairness). */
  RADAR_QUEUE_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
  /** When ticket SLA clocks run (`due`, the tickets_due alert): `08:00-18:00 mon-fri; billing=08:00-20:00 mon-sat`. */
  RADAR_BUSINESS_HOURS: optionalString,
  /** Bearer tokens of POST /predict, comma-separated (one per client); none = the route is off. */
  RADAR_PREDICT_TOKEN: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
    .refine((ts) => ts.every((t) => t.length >= 16 && /^[\x21-\x7e]+$/.test(t))),
  /** POST /predict requests a minute per token. */
  RADAR_PREDICT_RATE: z.coerce.number().int().min(1).max(100_000).default(60),
  RADAR_ADMINS: z
    .string()
    .default('')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
});

export type Config = z.infer<typeof configSchema>;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`SLA Radar cannot start: fix ${problems.length === 1 ? 'this setting' : `these ${problems.length} settings`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** What each variable must be, with a good value: the start-up message says this, not the schema's wording. */
const EXPECTED: Record<string, string> = {
  RADAR_DB: 'must be a file path, e.g. RADAR_DB=data/warehouse.db',
  RADAR_TZ: 'must be an IANA time zone, e.g. RADAR_TZ=Europe/London',
  ALERTS_TZ: 'must be an IANA time zone, e.g. ALERTS_TZ=America/New_York',
  LOG_LEVEL: 'must be one of fatal, error, warn, info, debug, trace, silent, e.g. LOG_LEVEL=info',
  PORT: 'must be a port number 0–65535, e.g. PORT=3000',
  LLM_TIMEOUT_MS: 'must be a whole number of milliseconds above 0, e.g. LLM_TIMEOUT_MS=20000',
  ALERTS_CRON: 'must be a cron expression of 5 fields (minute hour day-of-month month weekday), e.g. ALERTS_CRON="*/15 * * * *" (every 15 minutes) or "*/5 8-18 * * 1-5"',
  RADAR_WORKERS: 'must be a whole number 1–32 (command worker threads), e.g. RADAR_WORKERS=2',
  RADAR_QUEUE_MAX: 'must be a whole number ≥ 1 (questions that may wait), e.g. RADAR_QUEUE_MAX=200',
  RADAR_QUEUE_PER_USER: 'must be a whole number ≥ 1 (waiting questions per person), e.g. RADAR_QUEUE_PER_USER=20',
  RADAR_BUSINESS_HOURS: 'must be local hours and days, optionally per queue, e.g. RADAR_BUSINESS_HOURS="08:00-18:00 mon-fri; billing=08:00-20:00 mon-sat"',
  RADAR_PREDICT_TOKEN: 'must be one or more tokens of at least 16 printable characters without spaces, comma-separated, e.g. RADAR_PREDICT_TOKEN=$(openssl rand -hex 24)',
  RADAR_PREDICT_RATE: 'must be a whole number 1–100000 (POST /predict requests a minute per token), e.g. RADAR_PREDICT_RATE=60',
  RADAR_ADMINS: 'must be Slack user ids separated by commas, e.g. RADAR_ADMINS=U012AB3CD,U045EF6GH',
  SLACK_API_URL: 'must be an http(s) URL ending with /api/, e.g. SLACK_API_URL=https://slack.com/api/',
  OPENAI_BASE_URL: 'must be an http(s) URL of an OpenAI-compatible API, e.g. OPENAI_BASE_URL=https://api.openai.com/v1',
};

/** Secrets are never echoed back, only named. */
const SECRET_KEYS = new Set(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'OPENAI_API_KEY', 'RADAR_PREDICT_TOKEN']);

function shown(key: string, value: string | undefined): string {
  if (value === undefined) return key;
  if (SECRET_KEYS.has(key)) return `${key} (value hidden)`;
  return `${key}="${value.length > 80 ? value.slice(0, 77) + '…' : value}"`;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * node-cron's own validator (the scheduler's), loaded only when ALERTS_CRON is set: the default is valid, and a
 * CLI start should not pay for the cron library.
 */
function validCron(expr: string): boolean {
  const cron = createRequire(import.meta.url)('node-cron') as { validate: (e: string) => boolean };
  return cron.validate(expr);
}

/**
 * Parses the environment; throws ConfigError listing every problem at once, each with what the variable must
 * be and a good value.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty line in .env (`RADAR_WORKERS=`) means "not set": the default applies.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = configSchema.safeParse(given);
  const problems: string[] = [];
  const bad = new Set<string>();
  const add = (key: string, why?: string) => {
    if (bad.has(key)) return;
    bad.add(key);
    problems.push(`${shown(key, env[key])} ${why ?? EXPECTED[key] ?? 'is not valid'}`);
  };
  if (!parsed.success) for (const i of parsed.error.issues) add(String(i.path[0] ?? 'environment'));
  const raw = (k: string) => env[k]?.trim() || undefined;
  for (const key of ['RADAR_TZ', 'ALERTS_TZ'] as const) {
    const v = raw(key);
    if (v !== undefined && !isValidTimeZone(v)) add(key);
  }
  const cronExpr = raw('ALERTS_CRON');
  if (cronExpr !== undefined && !validCron(cronExpr)) add('ALERTS_CRON');
  for (const key of ['SLACK_API_URL', 'OPENAI_BASE_URL']) {
    const v = raw(key);
    if (v !== undefined && !isHttpUrl(v)) add(key);
  }
  const hours = raw('RADAR_BUSINESS_HOURS');
  if (hours !== undefined) {
    try {
      parseBusinessHoursConfig(hours);
    } catch {
      add('RADAR_BUSINESS_HOURS');
    }
  }
  const admins = raw('RADAR_ADMINS');
  if (admins !== undefined && admins.split(/[\s,]+/).filter(Boolean).some((id) => !/^[UW][A-Z0-9]{2,}$/.test(id))) add('RADAR_ADMINS');
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** Whether an LLM endpoint is configured (else the deterministic narrator answers). */
export function llmConfigured(c: Config): boolean {
  return Boolean(c.OPENAI_API_KEY || c.OPENAI_BASE_URL);
}
