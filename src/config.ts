/**
 * Configuration from the environment (and `.env`, loaded by the entry points), validated with zod.
 * Secrets (tokens, API keys) are read here and nowhere else; `describeConfig` never prints them.
 */
import { z } from 'zod';

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
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws ConfigError listing every problem with an example of a good value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const problems: string[] = [];
  for (const key of ['RADAR_TZ', 'ALERTS_TZ'] as const) {
    if (!isValidTimeZone(parsed.data[key])) problems.push(`${key}="${parsed.data[key]}" is not an IANA time zone (example: ${key}=Europe/London)`);
  }
  if (problems.length) throw new ConfigError(problems);
  return parsed.data;
}

/** Whether an LLM endpoint is configured (else the deterministic narrator answers). */
export function llmConfigured(c: Config): boolean {
  return Boolean(c.OPENAI_API_KEY || c.OPENAI_BASE_URL);
}
