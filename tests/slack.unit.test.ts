/** Slack surface pieces without the network: signing, startup checks, text decoding, the what-if form, dedupe. */
import { describe, it, expect, vi, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { isValidSlackRequest } from '@slack/bolt';
import { pino } from 'pino';
import { openWarehouse } from '../src/warehouse/db.js';
import { sqliteSql } from '../src/warehouse/sql.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { slackSettings, formatProblems } from '../src/slack/startup.js';
import { serve, createSlackApp, SlackStartupError } from '../src/slack/index.js';
import { decodeSlackText, stripMention, slashLine, asCommandLine, SHORT_FORMS } from '../src/slack/text.js';
import { normaliseHours, readWhatifForm } from '../src/slack/whatif.js';
import { claimEvent, DEDUPE_TTL_MS } from '../src/slack/dedupe.js';
import { slackSignature, startFakeSlack } from './helpers/fakeSlack.js';

describe('Slack request signing — Slack’s published test vector', () => {
  // docs.slack.dev "Verifying requests from Slack": the example slash-command request.
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const ts = 1531420618;
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const headers = (sig: string) => ({ 'x-slack-signature': sig, 'x-slack-request-timestamp': ts });

  it('our test signer reproduces the published signature', () => {
    expect(slackSignature(secret, ts, body)).toBe(expected);
  });

  it('Bolt accepts the vector inside the 5-minute window and rejects it outside', () => {
    expect(isValidSlackRequest({ signingSecret: secret, body, headers: headers(expected), nowMilliseconds: (ts + 30) * 1000 })).toBe(true);
    expect(isValidSlackRequest({ signingSecret: secret, body, headers: headers(expected), nowMilliseconds: (ts + 6 * 60) * 1000 })).toBe(false);
  });

  it('Bolt rejects a tampered body or another secret', () => {
    expect(isValidSlackRequest({ signingSecret: secret, body: body.replace('foobar', 'foobaz'), headers: headers(expected), nowMilliseconds: ts * 1000 })).toBe(false);
    expect(isValidSlackRequest({ signingSecret: secret.replace('8f', '9f'), body, headers: headers(expected), nowMilliseconds: ts * 1000 })).toBe(false);
  });
});

describe('startup configuration', () => {
  const cfg = (env: Record<string, string>) => loadConfig({ LOG_LEVEL: 'silent', ...env });

  it('lists everything missing for HTTP mode in one go', () => {
    const r = slackSettings(cfg({}));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/SLACK_BOT_TOKEN is not set.*xoxb-/);
    expect(r.problems[1]).toMatch(/SLACK_SIGNING_SECRET is not set/);
  });

  it('rejects a user token as the bot token and a bot token as the app token, without echoing them', () => {
    const r = slackSettings(cfg({ SLACK_BOT_TOKEN: 'xoxp-1234567890-secretpart', SLACK_APP_TOKEN: 'xoxb-999-othersecret' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const msg = formatProblems(r.problems);
    expect(msg).toMatch(/SLACK_BOT_TOKEN must be a bot token starting with xoxb-/);
    expect(msg).toMatch(/SLACK_APP_TOKEN must be an app-level token starting with xapp-/);
    expect(msg).not.toContain('secretpart');
    expect(msg).not.toContain('othersecret');
  });

  it('Socket Mode needs no signing secret; HTTP mode does', () => {
    const s = slackSettings(cfg({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-2-def' }));
    expect(s).toMatchObject({ ok: true, settings: { mode: 'socket' } });
    const h = slackSettings(cfg({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'abc123def456' }));
    expect(h).toMatchObject({ ok: true, settings: { mode: 'http', port: 3000 } });
  });

  it('SLACK_API_URL gets the trailing slash Bolt needs; a non-URL is a problem', () => {
    const ok = slackSettings(cfg({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's3cret-s3cret', SLACK_API_URL: 'http://127.0.0.1:9/api' }));
    expect(ok).toMatchObject({ ok: true, settings: { apiUrl: 'http://127.0.0.1:9/api/' } });
    // Caught already at start-up, with the variable named (config.ts checks every URL).
    expect(() => cfg({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's3cret-s3cret', SLACK_API_URL: 'slack.com/api' })).toThrow(/SLACK_API_URL="slack.com\/api"/);
  });

  afterEach(() => vi.restoreAllMocks());

  it('serve() prints one clear message and exits non-zero when config is missing', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    });
    const code = await serve({ dbPath: ':memory:', config: cfg({ SLACK_BOT_TOKEN: 'oops' }), registry: buildRegistry() });
    expect(code).toBe(2);
    expect(writes.join('')).toMatch(/cannot start the Slack app:\n {2}- SLACK_BOT_TOKEN must be a bot token[\s\S]*SLACK_SIGNING_SECRET is not set/);
  });

  it('a token Slack rejects stops startup with what to do', async () => {
    const fake = await startFakeSlack({ token: 'xoxb-the-right-one' });
    const db = openWarehouse(':memory:');
    try {
      const config = cfg({ SLACK_BOT_TOKEN: 'xoxb-a-wrong-one', SLACK_SIGNING_SECRET: 'abc123def456', SLACK_API_URL: fake.apiUrl });
      const deps = { db, config, registry: buildRegistry(), now: () => new Date(0), logger: pino({ level: 'silent' }) };
      const err = await createSlackApp(deps).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlackStartupError);
      expect((err as Error).message).toMatch(/Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)/);
      expect(fake.callsTo('auth.test')).toHaveLength(1);
    } finally {
      db.close();
      await fake.close();
    }
  });
});

describe('text from Slack', () => {
  it('decodes entities and markup to what the user typed', () => {
    expect(decodeSlackText('sla billing &lt;2026-11-01&gt; &amp;co')).toBe('sla billing <2026-11-01> &co');
    // A channel keeps its id (alert rules store it), with its name when Slack sent one.
    expect(decodeSlackText('ask <@U123|ana> in <#C9|ops> see <https://x.test/a|the doc> or <https://y.test>')).toBe('ask @ana in <#C9|ops> see the doc or https://y.test');
    expect(decodeSlackText('alerts add sl < 75 channel=<#C0OPS|> &amp; <#G12|priv-ops>')).toBe('alerts add sl < 75 channel=<#C0OPS> & <#G12|priv-ops>');
    expect(decodeSlackText('<!here> now')).toBe('@here now');
    // Decoding is single-pass: an escaped entity stays one level escaped.
    expect(decodeSlackText('&amp;lt;')).toBe('&lt;');
  });

  it('strips only the bot’s mention', () => {
    expect(stripMention('<@UBOT> sla <@U2> billing', 'UBOT').trim().replace(/\s+/g, ' ')).toBe('sla <@U2> billing');
    expect(stripMention('<@UBOT|radar> help', 'UBOT').trim()).toBe('help');
  });

  it('maps /radar and the short forms to one command line', () => {
    const reg = buildRegistry();
    expect(slashLine('/radar', 'sla billing', reg)).toEqual({ kind: 'line', line: 'sla billing' });
    expect(slashLine('/sla', ' billing yesterday ', reg)).toEqual({ kind: 'line', line: 'sla billing yesterday' });
    expect(slashLine('/radar', '', reg)).toEqual({ kind: 'line', line: '' });
    expect(slashLine('/risk', 'billing', reg).kind).toBe(reg.get('risk') ? 'line' : 'coming');
    expect(slashLine('/radar', 'drift billing', reg).kind).toBe(reg.get('drift') ? 'line' : 'coming');
  });

  it('tells command lines from questions', () => {
    const reg = buildRegistry();
    expect(asCommandLine('sla billing', reg)).toBe('sla billing');
    expect(asCommandLine('/radar sla billing', reg)).toBe('sla billing');
    expect(asCommandLine('radar help', reg)).toBe('help');
    expect(asCommandLine('how is billing doing?', reg)).toBeNull();
    expect(asCommandLine('', reg)).toBeNull();
  });
});

describe('the what-if form', () => {
  it('normalises hour ranges and rejects impossible ones', () => {
    expect(normaliseHours('9-12')).toBe('09:00-12:00');
    expect(normaliseHours('09:30 – 11:00')).toBe('09:30-11:00');
    expect(normaliseHours('0-24')).toBe('00:00-24:00');
    for (const bad of ['12-9', '9-9', '9:75-10', '25-26', 'morning', '9-']) expect(normaliseHours(bad)).toBeNull();
  });

  const v = (queue: string | null, date: string | null, hours: string | null, levers: string | null) => ({
    queue: { value: { selected_option: queue ? { value: queue } : null } },
    date: { value: { selected_date: date } },
    hours: { value: { value: hours } },
    levers: { value: { value: levers } },
  });

  it('builds the whatif command line from a valid form', () => {
    expect(readWhatifForm(v('billing', '2026-11-21', '9-12', ' +3  agents aht -10% '), ['billing'])).toMatchObject({ ok: true, line: 'whatif billing 2026-11-21 09:00-12:00 +3 agents aht -10%' });
    expect(readWhatifForm(v('Sales EMEA', '2026-11-21', null, '+1 agents'), ['Sales EMEA'])).toMatchObject({ ok: true, line: 'whatif "queue=Sales EMEA" 2026-11-21 +1 agents' });
  });

  it('reports every bad field at once, by block id', () => {
    const r = readWhatifForm(v('nope', null, 'lunch', ''), ['billing']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['date', 'hours', 'levers', 'queue']);
    expect(r.errors.queue).toContain('Known: billing');
    for (const msg of Object.values(r.errors)) expect(msg.length).toBeLessThanOrEqual(150);
  });
});

describe('event de-duplication', () => {
  it('answers an event id once within the TTL, again after it', async () => {
    const db = openWarehouse(':memory:');
    const t0 = Date.UTC(2026, 10, 21, 15);
    expect(await claimEvent(sqliteSql(db), 'Ev1', t0)).toBe(true);
    expect(await claimEvent(sqliteSql(db), 'Ev1', t0 + 1000)).toBe(false);
    expect(await claimEvent(sqliteSql(db), 'Ev1', t0 + 10 * 60 * 1000)).toBe(false);
    expect(await claimEvent(sqliteSql(db), 'Ev2', t0 + 1000)).toBe(true);
    expect(await claimEvent(sqliteSql(db), 'Ev1', t0 + DEDUPE_TTL_MS + 1)).toBe(true);
    // Pruning keeps the table to the TTL window: Ev1 (re-seen) and Ev2 (seen 1 s after t0) are both inside it…
    const count = () => (db.prepare('SELECT COUNT(*) AS n FROM event_dedupe').get() as { n: number }).n;
    expect(count()).toBe(2);
    // …and one TTL later only the newest claim remains.
    expect(await claimEvent(sqliteSql(db), 'Ev3', t0 + 2 * DEDUPE_TTL_MS + 2)).toBe(true);
    expect(count()).toBe(1);
    db.close();
  });
});

describe('manifest.yml', () => {
  const text = readFileSync('manifest.yml', 'utf8');
  /** The list items under `key:` (indentation-based; comments dropped). */
  const listUnder = (key: string): string[] => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.trim() === `${key}:`);
    expect(at).toBeGreaterThanOrEqual(0);
    const out: string[] = [];
    for (const l of lines.slice(at + 1)) {
      if (/^\s*#/.test(l)) continue;
      const m = l.match(/^\s*- ([^#\s]+)/);
      if (!m) break;
      out.push(m[1]);
    }
    return out;
  };

  it('declares every slash command the app listens to', () => {
    const commands = [...text.matchAll(/^\s*- command: (\S+)/gm)].map((m) => m[1]);
    expect(commands.sort()).toEqual(['/radar', ...Object.keys(SHORT_FORMS)].sort());
    expect([...text.matchAll(/usage_hint: /g)]).toHaveLength(commands.length);
  });

  it('subscribes to exactly the events the listeners handle, with interactivity and Socket Mode on', () => {
    expect(listUnder('bot_events').sort()).toEqual(['app_home_opened', 'app_mention', 'assistant_thread_context_changed', 'assistant_thread_started', 'message.im']);
    expect(text).toMatch(/assistant_view:\n\s+assistant_description: /);
    expect(text).toMatch(/interactivity:\n\s+is_enabled: true/);
    expect(text).toMatch(/socket_mode_enabled: true/);
    expect(text).toMatch(/home_tab_enabled: true/);
  });

  it('asks for the least-privilege scopes, each justified', () => {
    expect(listUnder('bot').sort()).toEqual(['app_mentions:read', 'assistant:write', 'channels:history', 'channels:join', 'channels:read', 'chat:write', 'commands', 'files:write', 'groups:history', 'groups:read', 'im:history']);
    const docs = readFileSync('docs/slack.md', 'utf8');
    for (const scope of listUnder('bot')) expect(docs).toContain(`\`${scope}\``);
  });

  it('long_description meets Slack’s 174-character minimum', () => {
    const m = text.match(/long_description: >-\n((?:\s{4}.*\n)+)/);
    expect(m).not.toBeNull();
    expect(m![1].replace(/\s+/g, ' ').trim().length).toBeGreaterThanOrEqual(174);
  });
});
