/** Start-up configuration: every variable checked at once, one message naming each bad one with a good value. */
import { describe, it, expect, afterEach } from 'vitest';
import { Writable } from 'node:stream';
import { loadConfig, ConfigError } from '../src/config.js';
import { main } from '../src/cli/main.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('accepts the defaults and the documented examples', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ ALERTS_CRON: '*/15 * * * *', ALERTS_TZ: 'Europe/London', RADAR_TZ: 'America/New_York', PORT: '3000', RADAR_ADMINS: 'U012AB3CD, U045EF6GH', SLACK_API_URL: 'https://slack.com/api/' })).toEqual([]);
    expect(problems({ ALERTS_CRON: '*/5 8-18 * * 1-5' })).toEqual([]);
  });

  it('refuses a cron expression in words, naming the variable and showing a good value', () => {
    const p = problems({ ALERTS_CRON: 'every 5 minutes' });
    expect(p).toHaveLength(1);
    expect(p[0]).toContain('ALERTS_CRON="every 5 minutes"');
    expect(p[0]).toContain('"*/15 * * * *"');
  });

  it('refuses cron fields out of range', () => {
    expect(problems({ ALERTS_CRON: '61 * * * *' })).toHaveLength(1);
    expect(problems({ ALERTS_CRON: '0 25 * * *' })).toHaveLength(1);
  });

  it('lists every bad variable in one go, in words rather than schema jargon, never echoing a secret', () => {
    const p = problems({ ALERTS_CRON: 'hourly', PORT: '70000', LOG_LEVEL: 'loud', RADAR_TZ: 'Mars/Base', OPENAI_BASE_URL: 'localhost:8080', RADAR_ADMINS: 'alice', RADAR_WORKERS: '0', SLACK_BOT_TOKEN: 'xoxb-secret-value' });
    const keys = p.map((x) => x.split(/[=\s]/)[0]).sort();
    expect(keys).toEqual(['ALERTS_CRON', 'LOG_LEVEL', 'OPENAI_BASE_URL', 'PORT', 'RADAR_ADMINS', 'RADAR_TZ', 'RADAR_WORKERS']);
    const all = p.join('\n');
    expect(all).not.toMatch(/Too big|expected|Invalid/);
    expect(all).not.toContain('xoxb-secret-value');
    expect(p.every((x) => /e\.g\./.test(x))).toBe(true);
  });
});

describe('radar serve with a bad ALERTS_CRON', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('stops before starting anything, with one message saying what to fix (no stack trace)', async () => {
    process.env.ALERTS_CRON = 'every 5 minutes';
    process.env.SLACK_BOT_TOKEN = 'xoxb-test';
    process.env.SLACK_SIGNING_SECRET = 'secret-for-test-only';
    process.env.RADAR_DB = ':memory:';
    let err = '';
    let out = '';
    const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
    const code = await main(['serve'], { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
    expect(code).toBe(2);
    expect(err).toContain('ALERTS_CRON="every 5 minutes"');
    expect(err).not.toMatch(/\n\s+at /);
    expect(out).toBe('');
  });
});

describe('empty values', () => {
  it('an empty line in .env means "use the default"', () => {
    const c = loadConfig({ RADAR_WORKERS: '', PORT: ' ', ALERTS_CRON: '', RADAR_ADMINS: '' });
    expect(c.PORT).toBe(3000);
    expect(c.ALERTS_CRON).toBe('*/15 * * * *');
    expect(c.RADAR_WORKERS).toBeGreaterThanOrEqual(1);
  });
});
