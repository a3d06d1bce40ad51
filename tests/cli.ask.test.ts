/**
 * `radar ask` in a terminal with an LLM configured (a fake OpenAI-compatible server on 127.0.0.1 and the
 * real client): the numbers are printed before the explanation is even requested, the prose follows with
 * the label of what was checked, and a rejected answer's diagnostic names the rule, not the content.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.js';
import { startFakeOpenAI, type ChatRequest, type ChatReply, type FakeOpenAI } from './helpers/fakeOpenAI.js';

let fake: FakeOpenAI;
let db: string;
const saved: Record<string, string | undefined> = {};
const ENV = { RADAR_NOW: '2026-11-21T15:00:00Z', OPENAI_API_KEY: 'test', LLM_TIMEOUT_MS: '5000', RADAR_TZ: 'UTC' };

/** Captures each write with how many chat requests the fake had received at that moment. */
function capture() {
  const writes: { text: string; requests: number }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      writes.push({ text: chunk.toString(), requests: fake.chatRequests.length });
      cb();
    },
  });
  return { stream, writes, get text() { return writes.map((w) => w.text).join(''); } };
}

async function radar(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(['--db', db, ...args], { out: out.stream, err: err.stream });
  return { code, out, err };
}

const isExplain = (req: ChatRequest) => req.tools?.some((t) => t.function.name === 'explanation') ?? false;
const routeThenExplain = (summary: string) => (req: ChatRequest): ChatReply =>
  isExplain(req)
    ? { toolCalls: [{ name: 'explanation', args: { summary, points: [], citations: [] } }] }
    : { toolCalls: [{ name: 'sla', args: { queue: 'billing', range: { from: '2026-11-20', to: '2026-11-20', label: '2026-11-20' } } }] };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  for (const [k, v] of Object.entries({ ...ENV, OPENAI_BASE_URL: fake.baseURL })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  db = join(mkdtempSync(join(tmpdir(), 'radar-ask-')), 'w.db');
  expect((await radar(['ingest', 'tests/fixtures/small'])).code).toBe(0);
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await fake.close();
});

describe('radar ask with an LLM', () => {
  test('numbers first, then the filled-in prose and what was checked', async () => {
    fake.chatRequests.length = 0;
    fake.setChat(routeThenExplain('{q.billing.name} SL was {q.billing.sl} against a target of {q.billing.target}.'));
    const r = await radar(['ask', 'how', 'did', 'billing', 'do', 'on', '2026-11-20?']);
    expect(r.code).toBe(0);
    const [first, ...rest] = r.out.writes;
    // The first write is the route and the command's numbers, before the explanation request was made.
    expect(first.text).toMatch(/^→ sla billing 2026-11-20\n\nSLA — 2026-11-20/);
    expect(first.requests).toBe(1);
    const prose = rest.map((w) => w.text).join('');
    expect(prose).toContain('Billing SL was 60.0 % against a target of 80 % in 20 s.');
    expect(prose).toMatch(/Every figure was filled in by SLA Radar/);
    expect(fake.chatRequests).toHaveLength(2);
    // Nothing printed twice.
    expect(r.out.text.split('SLA — 2026-11-20')).toHaveLength(2);
  });

  test('a rejected answer: the narrator answers; the diagnostic names the rule, not the content', async () => {
    fake.setChat(routeThenExplain('Billing SL fell 37pts after an outage.'));
    const r = await radar(['ask', 'how', 'did', 'billing', 'do', 'on', '2026-11-20?']);
    expect(r.code).toBe(0);
    expect(r.out.text).toMatch(/Billing missed its SL target on 2026-11-20/);
    expect(r.out.text).toMatch(/LLM answer rejected: a number written by the model instead of a fact reference/);
    expect(r.out.text + r.err.text).not.toMatch(/37pts|outage/);
  });

  test('--json prints the result object only', async () => {
    fake.setChat(routeThenExplain('{q.billing.name} SL was {q.billing.sl}.'));
    const r = await radar(['ask', 'how', 'did', 'billing', 'do', 'on', '2026-11-20?', '--json']);
    const j = JSON.parse(r.out.text);
    expect(j).toMatchObject({ command: 'sla', via: 'llm', explanation: { source: 'llm', text: 'Billing SL was 60.0 %.' } });
  });
});
