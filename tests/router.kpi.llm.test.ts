/**
 * KPI, CSAT-driver and export questions through the LLM tool path: the real @langchain/openai client against a
 * fake OpenAI-compatible server on 127.0.0.1. The registry offers `kpi` (with its drivers mode) and `export` as
 * tools; the model's call is validated by the command's schema and run; a routed export never writes where the
 * model says (`out` is the terminal's own flag).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import type { CommandContext } from '../src/registry.js';
import { answerQuestion, createAnswerer } from '../src/llm/index.js';
import { startFakeOpenAI, type ChatRequest, type ChatReply, type FakeOpenAI } from './helpers/fakeOpenAI.js';
import type { ExportResult } from '../commands/export.js';

const NOW = new Date('2026-11-20T18:00:00Z');
let fake: FakeOpenAI;
let db: Db;
const registry = buildRegistry({ answerer: async () => createAnswerer() });

beforeAll(async () => {
  fake = await startFakeOpenAI();
  db = openWarehouse(':memory:');
  expect((await ingestFiles(db, ['tests/fixtures/small'])).ok).toBe(true);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.chatRequests.length = 0;
});

const ctx = (surface: CommandContext['surface'] = 'llm'): CommandContext => ({
  db, now: NOW, surface, config: loadConfig({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test', LLM_TIMEOUT_MS: '5000', RADAR_TZ: 'UTC' }),
});
const isExplain = (req: ChatRequest) => req.tools?.some((t) => t.function.name === 'explanation') ?? false;
const route = (call: { name: string; args: Record<string, unknown> }) => (req: ChatRequest): ChatReply =>
  isExplain(req) ? { toolCalls: [{ name: 'explanation', args: { summary: 'Here it is.', points: [], citations: [] } }] } : { toolCalls: [call] };

describe('KPI questions through the LLM tools', () => {
  test('"what drives low CSAT?" → the kpi tool in drivers mode, validated by the kpi schema', async () => {
    fake.setChat(route({ name: 'kpi', args: { mode: 'drivers', metric: 'csat', queue: null, range: { from: '2026-11-01', to: '2026-11-20', label: 'this month' } } }));
    const a = await answerQuestion({ question: 'what drives low CSAT?', ctx: ctx(), registry });
    expect(a.route).toMatchObject({ via: 'llm', command: 'kpi' });
    const routing = fake.chatRequests.find((r) => !isExplain(r))!;
    const kpiTool = routing.tools!.find((t) => t.function.name === 'kpi')!.function.parameters as { properties: Record<string, { enum?: string[] }> };
    expect(kpiTool.properties.mode.enum).toEqual(['summary', 'drivers']);
    expect(routing.tools!.map((t) => t.function.name)).toContain('export');
    // The small fixture has one surveyed ticket this month: the drivers run says so as a usage answer (not an error).
    expect(a.execution).toMatchObject({ ok: false, kind: 'usage', message: expect.stringMatching(/^Only 1 surveyed ticket .*at least 100/) });
  });

  test('"p90 first response for billing" → kpi with the metric; the run answers', async () => {
    fake.setChat(route({ name: 'kpi', args: { metric: 'first_response', queue: 'billing', range: { from: '2026-11-20', to: '2026-11-20', label: 'today' } } }));
    const a = await answerQuestion({ question: 'p90 first response for billing today', ctx: ctx(), registry });
    expect(a.execution.ok).toBe(true);
    if (!a.execution.ok) return;
    const r = a.execution.result as { kind: string; rows: { segment: string }[] };
    expect(r.kind).toBe('summary');
    expect(r.rows[0].segment).toBe('billing');
  });

  test('an export call with out: the file is a temporary one, never the path the model chose', async () => {
    const evil = join(tmpdir(), `radar-llm-evil-${process.pid}.csv`);
    fake.setChat(route({ name: 'export', args: { dataset: 'tickets', queue: 'billing', format: 'csv', out: evil } }));
    const a = await answerQuestion({ question: 'export billing tickets', ctx: ctx('cli'), registry });
    expect(a.route).toMatchObject({ via: 'llm', command: 'export' });
    expect(a.execution.ok).toBe(true);
    if (!a.execution.ok) return;
    const r = a.execution.result as ExportResult;
    expect(existsSync(evil)).toBe(false);
    expect(r.temporary).toBe(true);
    expect(r.rows).toBeGreaterThan(0);
    rmSync(dirname(r.path), { recursive: true, force: true });
  });
});
