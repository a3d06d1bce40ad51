/**
 * `/radar export …` end to end: the real Bolt app over HTTP on 127.0.0.1, its Web API client pointed at a fake
 * Slack on loopback. The file reaches the thread through files.getUploadURLExternal → the file streamed to the
 * upload URL → files.completeUploadExternal; its bytes are checked against the fixture CSV read here.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { createSlackApp, type SlackApp, type SlackDeps } from '../src/slack/index.js';
import { startFakeSlack, sendToApp, slashBody, FORM, type FakeSlack } from './helpers/fakeSlack.js';

const SECRET = 'export-signing-secret-0123456789abcdef';
const NOW = new Date('2026-11-21T15:00:00Z');

let dir: string;
let db: Db;
let fake: FakeSlack;
let slack: SlackApp;
let deps: SlackDeps;
let appUrl: string;

/** The fixture's billing tickets, by id, read straight from the CSV. */
function billingTicketIds(): string[] {
  const [head, ...rows] = readFileSync('tests/fixtures/small/tickets.csv', 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((l) => l.split(',')).filter((r) => r[cols.indexOf('queue')] === 'billing').map((r) => r[cols.indexOf('ticket_id')]).sort();
}

/** The file inside an upload body (the client may send it multipart: the part between the headers and the boundary). */
function fileText(raw: Buffer, starts: string): string {
  const t = raw.toString('utf8');
  const i = t.indexOf(starts);
  const j = t.indexOf('\r\n--', i);
  return t.slice(i, j < 0 ? undefined : j);
}

const exportDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('radar-export-')).length;

async function slash(text: string, id = 'r1', who: { user?: string; channel?: string } = {}) {
  const res = await sendToApp(appUrl, slashBody({ command: '/radar', text, responseUrl: fake.responseUrl(id), ...who }), FORM, { secret: SECRET });
  await slack.idle();
  return res;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-slack-export-'));
  db = openWarehouse(join(dir, 'warehouse.db'));
  const report = await ingestFiles(db, ['tests/fixtures/small']);
  expect(report.ok).toBe(true);
  fake = await startFakeSlack();
  const config = loadConfig({ SLACK_BOT_TOKEN: fake.token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'silent', RADAR_ADMINS: 'UADMIN1' });
  deps = { db, config, registry: buildRegistry(), now: () => NOW, logger: pino({ level: 'silent' }), sleep: async () => {} };
  slack = await createSlackApp(deps, { clientOptions: { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } } });
  const { port } = await slack.start({ port: 0, host: '127.0.0.1' });
  appUrl = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

describe('/radar export', () => {
  it('`public`: posts in the channel, uploads the CSV into the thread, deletes the temporary file', async () => {
    const ids = billingTicketIds();
    expect(ids.length).toBeGreaterThan(0);
    const before = exportDirs();
    await slash('export tickets billing csv public');
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0].args.channel).toBe('C1');
    expect(JSON.stringify(posts[0].args.blocks)).toContain(`${ids.length} rows`);
    const complete = fake.callsTo('files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(complete[0].args.channel_id).toBe('C1');
    expect(typeof complete[0].args.thread_ts).toBe('string');
    expect(fake.callsTo('files.getUploadURLExternal')[0].args.filename).toBe('radar-tickets-billing.csv');
    expect(fake.uploads).toHaveLength(1);
    // Streamed as the raw file (no multipart wrapper), exactly as long as files.getUploadURLExternal was told.
    expect(fake.uploads[0].bytes.subarray(0, 10).toString()).toBe('ticket_id,');
    expect(fake.uploads[0].declaredLength).toBe(fake.uploads[0].size);
    expect(JSON.stringify(fake.callsTo('files.completeUploadExternal')[0].args.files)).toContain(fake.uploads[0].fileId);
    const lines = fileText(fake.uploads[0].bytes, 'ticket_id,').trim().split('\n');
    expect(lines[0].startsWith('ticket_id,created_at,first_response_at,resolved_at,status,')).toBe(true);
    const got = lines.slice(1).map((l) => l.split(',')[0]).sort();
    expect(got).toEqual(ids);
    expect(exportDirs()).toBe(before);
  });

  it('a plain slash command sends the file to the asker’s DM (ephemeral messages cannot carry files)', async () => {
    await slash('export intervals billing 2026-11-20 json');
    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0].args.channel).toBe('U1');
    // Posting to a user id lands in the DM with the bot (the fake answers its id, D…): the file follows there.
    expect(String(fake.callsTo('files.completeUploadExternal')[0].args.channel_id)).toMatch(/^D/);
    const first = JSON.parse(fileText(fake.uploads[0].bytes, '{"interval_start"').split('\n')[0]) as Record<string, unknown>;
    expect(first.queue).toBe('billing');
    expect(String(first.interval_start)).toMatch(/^2026-11-2\dT\d\d:\d\d:00Z$/);
    expect(fake.responses).toHaveLength(1);
    expect(String(fake.responses[0].body.text)).toMatch(/DM/);
  });

  it('tickets: agent_id only for RADAR_ADMINS in a DM; anyone else gets the file without it and a line saying why', async () => {
    const header = (i: number) => fileText(fake.uploads[i].bytes, 'ticket_id,').split('\n')[0].split(',');
    await slash('export tickets billing csv public');
    expect(header(0)).not.toContain('agent_id');
    expect(header(0)).toContain('customer_id');
    const said = JSON.stringify(fake.callsTo('chat.postMessage')[0].args.blocks);
    expect(said).toMatch(/Without agent_id: agent-level data goes only to RADAR_ADMINS, in a direct message with the bot/);
    fake.reset();
    // An admin, but in a channel: the file would be seen by the channel.
    await slash('export tickets billing csv public', 'r2', { user: 'UADMIN1' });
    expect(header(0)).not.toContain('agent_id');
    fake.reset();
    // An admin in the DM with the bot: the agent column is in the file, no such line.
    await slash('export tickets billing csv', 'r3', { user: 'UADMIN1', channel: 'D0ADMIN' });
    expect(header(0)).toContain('agent_id');
    expect(JSON.stringify(fake.callsTo('chat.postMessage').map((c) => c.args.blocks))).not.toMatch(/Without agent_id/);
  });

  it('an upload failing with 5xx is retried until it is delivered', async () => {
    fake.script('files.getUploadURLExternal', ...Array.from({ length: 4 }, () => ({ status: 500, body: { ok: false, error: 'internal_error' } })));
    await slash('export tickets billing public');
    expect(fake.callsTo('files.getUploadURLExternal').length).toBeGreaterThanOrEqual(5);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(fake.uploads).toHaveLength(1);
  });

  it('the upload URL failing with 5xx: the upload starts over (new URL, the file streamed again) and is shared once', async () => {
    fake.scriptUploads(503, 502);
    await slash('export tickets billing public');
    expect(fake.callsTo('files.getUploadURLExternal')).toHaveLength(3);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0].bytes.subarray(0, 10).toString()).toBe('ticket_id,');
    const complete = fake.callsTo('files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(JSON.stringify(complete[0].args.files)).toContain(fake.uploads[0].fileId);
  });

  it('--out is refused in Slack with an example, and nothing is uploaded', async () => {
    await slash('export tickets --out /tmp/x.csv');
    expect(fake.uploads).toHaveLength(0);
    expect(fake.responses).toHaveLength(1);
    expect(JSON.stringify(fake.responses[0].body)).toMatch(/only in the terminal/);
  });
});
