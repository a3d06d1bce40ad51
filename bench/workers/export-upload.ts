/**
 * Child process of the kpi bench: `export tickets` as Slack runs it (a temporary file written a batch at a
 * time) and its upload to a fake Slack, either streamed (src/slack/upload.ts) or through web-api's
 * filesUploadV2 (the peer: reads the file into memory). Prints one JSON line: the process's RSS before the
 * export and its peak (getrusage maxRSS) after, bytes and rows. A process of its own, so the peak is this
 * export's alone.
 * Usage: tsx bench/workers/export-upload.ts DB API_URL TOKEN streamed|filesUploadV2
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { webApi } from '@slack/bolt';
import { openWarehouse } from '../../src/warehouse/db.js';
import { loadConfig } from '../../src/config.js';
import { buildRegistry } from '../../commands/index.js';
import { execute } from '../../src/execute.js';
import { uploadFileStreamed } from '../../src/slack/upload.js';
import type { ExportResult } from '../../commands/export.js';

const [dbPath, apiUrl, token, mode] = process.argv.slice(2);
const db = openWarehouse(dbPath, { readonly: true });
const client = new webApi.WebClient(token, { slackApiUrl: apiUrl });
const before = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const e = await execute(buildRegistry(), 'export tickets', { db, now: new Date('2026-12-01T12:00:00Z'), config: loadConfig({}), surface: 'slack', userId: 'U1', channelId: 'C1' });
if (!e.ok) throw new Error(e.message);
const x = e.result as ExportResult;
const exportS = Number(process.hrtime.bigint() - t0) / 1e9;
const afterExportKb = process.resourceUsage().maxRSS;
if (mode === 'streamed') await uploadFileStreamed(client, { path: x.path, filename: x.filename, title: 'bench', channel: 'C1' });
else await client.filesUploadV2({ channel_id: 'C1', file: x.path, filename: x.filename, title: 'bench' });
const totalS = Number(process.hrtime.bigint() - t0) / 1e9;
rmSync(dirname(x.path), { recursive: true, force: true });
console.log(JSON.stringify({ rssBeforeMb: before / 2 ** 20, peakAfterExportMb: afterExportKb / 1024, peakMb: process.resourceUsage().maxRSS / 1024, bytes: x.bytes, rows: x.rows, exportS, totalS }));
db.close();
