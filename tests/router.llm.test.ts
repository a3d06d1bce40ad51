/**
 * The natural-language router end to end through the real @langchain/openai client and a fake
 * OpenAI-compatible server on 127.0.0.1: tool-call routing over the registry, validation and retry,
 * fallbacks to the rules, thread follow-ups, `ask` from the command line, feedback, SSE streaming.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ChatOpenAI } from '@langchain/openai';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import type { CommandContext } from '../src/registry.js';
import { z } from 'zod';
import { answerQuestion, routeQuestion, recordFeedback, feedbackSummary, commandTools, loadThreadContext, CircuitBreaker, createAnswerer } from '../src/llm/index.js';
import { routerTools, toolCallFor } from '../src/llm/router.js';
import { parseCommandLine } from '../src/registry.js';
import { buildParseContext } from '../src/parseContext.js';
import { startFakeOpenAI, type ChatRequest, type ChatReply, type FakeOpenAI } from './helpers/fakeOpenAI.js';

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

function ctxWith(env: Record<string, string> = {}): CommandContext {
  return { db, now: NOW, config: loadConfig({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test', LLM_TIMEOUT_MS: '5000', RADAR_TZ: 'UTC', ...env }), surface: 'llm' };
}

const isExplain = (req: ChatRequest) => req.tools?.some((t) => t.function.name === 'explanation') ?? false;

/** Routing requests get `route(i)` (i = routing call number); explanation requests a grounded answer. */
function script(route: (i: number, req: ChatRequest) => ChatReply) {
  let i = 0;
  return (req: ChatRequest): ChatReply =>
    isExplain(req) ? { toolCalls: [{ name: 'explanation', args: { summary: '{q.billing.name}: SL {q.billing.sl} against a target of {q.billing.target}.', points: [], citations: [] } }] } : route(i++, req);
}

describe('tool-call routing through the LLM', () => {
  test('the model picks a command and arguments; they are validated and run; the prose follows', async () => {
    fake.setChat(script(() => ({ toolCalls: [{ name: 'sla', args: { queue: 'billing', range: { from: '2026-11-19', to: '2026-11-20', label: 'last two days' } } }] })));
    const a = await answerQuestion({ question: 'how did billing do the last two days?', ctx: ctxWith(), registry });
    expect(a.route).toMatchObject({ via: 'llm', command: 'sla', toolCalls: 1 });
    expect(a.execution.ok).toBe(true);
    if (!a.execution.ok) return;
    expect(a.execution.args).toEqual({ queue: 'billing', range: { from: '2026-11-19', to: '2026-11-20', label: 'last two days' } });
    const result = a.execution.result as { queues: { queue: string; total: { offered: number } }[] };
    expect(result.queues.map((q) => q.queue)).toEqual(['billing']);
    expect(result.queues[0].total.offered).toBe(350); // 100 + 50 + 200 + 0 from the fixture
    const ex = await a.explain();
    expect(ex).toMatchObject({ source: 'llm', text: 'Billing: SL 70.0 % against a target of 80 % in 20 s.' });

    // What the model saw: the registry's commands as tools with their zod schemas, today's date and the queues.
    const routing = fake.chatRequests.find((r) => !isExplain(r))!;
    const names = routing.tools!.map((t) => t.function.name);
    expect(names).toEqual(expect.arrayContaining(['sla', 'tickets', 'help']));
    expect(names).not.toContain('ask');
    const slaTool = routing.tools!.find((t) => t.function.name === 'sla')!.function.parameters as { properties: Record<string, unknown> };
    expect(Object.keys(slaTool.properties)).toEqual(['queue', 'range']);
    const system = String(routing.messages[0].content);
    expect(system).toContain('Today is 2026-11-20');
    expect(system).toContain('billing, support');
  });

  test('invalid arguments are sent back with the validation error; the second call is used', async () => {
    fake.setChat(script((i) => (i === 0 ? { toolCalls: [{ name: 'sla', args: { queue: 42 } }] } : { toolCalls: [{ name: 'sla', args: { queue: 'support' } }] })));
    const r = await routeQuestion({ question: 'how is support', ctx: ctxWith(), registry });
    expect(r).toMatchObject({ via: 'llm', command: 'sla', toolCalls: 2, args: { queue: 'support', range: null } });
    const second = fake.chatRequests[1];
    const tool = second.messages.find((m) => m.role === 'tool');
    expect(String(tool?.content)).toMatch(/Invalid arguments for sla: queue/);
    expect(second.messages.some((m) => m.role === 'assistant' && m.tool_calls?.length)).toBe(true);
  });

  test('at most 3 calls: a model that keeps calling unknown tools falls back to the rules', async () => {
    fake.setChat(script(() => ({ toolCalls: [{ name: 'launch_rockets', args: {} }] })));
    const r = await routeQuestion({ question: 'how is billing yesterday', ctx: ctxWith(), registry });
    expect(fake.chatRequests).toHaveLength(3);
    expect(r).toMatchObject({ via: 'rules', command: 'sla', line: 'sla billing yesterday', toolCalls: 3 });
    expect(r.reason).toMatch(/no valid command call in 3 attempts/);
    expect(String(fake.chatRequests[1].messages.find((m) => m.role === 'tool')?.content)).toMatch(/There is no tool "launch_rockets"/);
  });

  test('a model that answers in prose instead of calling a tool: the rules route', async () => {
    fake.setChat(script(() => ({ content: 'SLA is fine, trust me.' })));
    const r = await routeQuestion({ question: 'find tickets about the portal', ctx: ctxWith(), registry });
    expect(r).toMatchObject({ via: 'rules', command: 'tickets', line: 'tickets portal' });
    expect(r.reason).toMatch(/without choosing/);
  });

  test('a routing call that hangs: the rules route within the time budget', async () => {
    fake.setChat(() => ({ hang: true }));
    const a = await answerQuestion({ question: 'sla for billing on 2026-11-20', ctx: ctxWith({ LLM_TIMEOUT_MS: '100' }), registry });
    expect(a.route.via).toBe('rules');
    expect(a.route.reason).toBe('LLM unavailable: no answer within the 100 ms budget');
    expect(a.execution.ok).toBe(true);
    const ex = await a.explain();
    // One budget per question: routing spent it, so the explanation does not wait another 100 ms.
    expect(fake.chatRequests).toHaveLength(1);
    expect(ex.source).toBe('narrator');
    expect(ex.reason).toMatch(/budget was spent routing it/);
    expect(ex.text).toMatch(/^Billing missed its SL target on 2026-11-20/);
  });

  test('tools are generated from every visible command schema', () => {
    const tools = commandTools(registry);
    for (const t of tools) expect(t.function.parameters.type).toBe('object');
    expect(tools.find((t) => t.function.name === 'tickets')?.function.parameters).toMatchObject({ properties: { mode: { enum: ['search', 'similar', 'index'] } } });
  });

  test('the tool list is the registry: every visible command (but ask) is routable, a union schema is one tool per variant', () => {
    // Derived from the registry, so a command added later is covered without touching this test.
    const { specs, targets } = routerTools(registry);
    const commands = registry.visible().filter((c) => c.name !== 'ask');
    expect(new Set([...targets.values()].map((t) => t.command))).toEqual(new Set(commands.map((c) => c.name)));
    const names = specs.map((t) => t.function.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    for (const c of commands) {
      const js = z.toJSONSchema(c.args, { io: 'input', unrepresentable: 'any' }) as { type?: string; oneOf?: unknown[]; anyOf?: unknown[] };
      const n = [...targets.values()].filter((t) => t.command === c.name).length;
      expect(n, c.name).toBe(js.type === 'object' ? 1 : (js.oneOf ?? js.anyOf ?? [null]).length);
    }
    // risk and alerts, whose schemas are discriminated unions, are among them.
    expect(names).toEqual(expect.arrayContaining(['risk_score', 'risk_ticket', 'alerts_list', 'alerts_add']));
    const riskScore = specs.find((t) => t.function.name === 'risk_score')!.function.parameters as { properties: Record<string, unknown> };
    expect(Object.keys(riskScore.properties)).not.toContain('action');
  });

  test('every command can be reached end to end by a tool call: its first parsable example round-trips', async () => {
    const ctx = ctxWith();
    const pctx = buildParseContext(db, ctx.config, ctx.now);
    for (const c of registry.visible().filter((x) => x.name !== 'ask')) {
      const parsed = c.examples.map((ex) => parseCommandLine(registry, ex, pctx)).find((p) => p.ok && p.command.name === c.name);
      expect(parsed, `${c.name}: no example parses against the test fixture`).toBeDefined();
      if (!parsed?.ok) continue;
      const call = toolCallFor(registry, c.name, parsed.args)!;
      expect(call, c.name).not.toBeNull();
      fake.setChat(() => ({ toolCalls: [call] }));
      const r = await routeQuestion({ question: `route me to ${c.name}`, ctx, registry });
      expect(r, c.name).toMatchObject({ via: 'llm', command: c.name, args: parsed.args });
    }
  });

  test('a question for escalation risk reaches risk through its tool', async () => {
    fake.setChat(script(() => ({ toolCalls: [{ name: 'risk_score', args: { queue: 'billing' } }] })));
    const r = await routeQuestion({ question: 'which tickets will escalate in billing?', ctx: ctxWith(), registry });
    expect(r).toMatchObject({ via: 'llm', command: 'risk', args: { action: 'score', queue: 'billing', label: 'escalated' } });
  });

  test('breaker: after repeated failures the LLM is skipped at once; after the cool-down one trial goes through', async () => {
    let t = 0;
    const clock = () => t;
    const breaker = new CircuitBreaker({ failures: 3, coolDownMs: 60_000, clock });
    const ctx = ctxWith();
    fake.setChat(() => ({ status: 500, error: 'down' }));
    const ask = async () => {
      const a = await answerQuestion({ question: 'sla for billing on 2026-11-20', ctx, registry, breaker, clock });
      return { a, ex: await a.explain() };
    };
    // Question 1: routing and explanation fail (2 failures); question 2: routing fails (3rd) and opens it.
    await ask();
    const second = await ask();
    expect(fake.chatRequests).toHaveLength(3);
    expect(breaker.state()).toBe('open');
    expect(second.ex.reason).toMatch(/skipped after repeated failures/);
    // While open: no request at all, rules and narrator answer.
    const third = await ask();
    expect(fake.chatRequests).toHaveLength(3);
    expect(third.a.route).toMatchObject({ via: 'rules', command: 'sla' });
    expect(third.a.route.reason).toBe('LLM skipped after repeated failures; next try in 60 s');
    expect(third.ex).toMatchObject({ source: 'narrator' });
    // After the cool-down the endpoint is back: one trial, it succeeds, the breaker closes.
    t += 60_000;
    fake.setChat(script(() => ({ toolCalls: [{ name: 'sla', args: { queue: 'billing', range: { from: '2026-11-20', to: '2026-11-20', label: '2026-11-20' } } }] })));
    const fourth = await ask();
    expect(fourth.a.route.via).toBe('llm');
    expect(fourth.ex.source).toBe('llm');
    expect(breaker.state()).toBe('closed');
  });
});

describe('without an LLM: rules, follow-ups per thread, unavailable commands', () => {
  const ctx = (): CommandContext => ({ db, now: NOW, config: loadConfig({ RADAR_TZ: 'UTC' }), surface: 'slack', channelId: 'C1' });

  test('a thread remembers the last route; follow-ups inherit the rest', async () => {
    const threadKey = { channel: 'C1', threadTs: '1700000000.000100' };
    const a = await answerQuestion({ question: 'how was billing on 2026-11-19?', threadKey, ctx: ctx(), registry });
    expect(a.route).toMatchObject({ via: 'rules', command: 'sla', line: 'sla billing 2026-11-19' });
    expect(loadThreadContext(db, threadKey)).toMatchObject({ command: 'sla', slots: { queue: 'billing' } });
    const b = await answerQuestion({ question: 'and support?', threadKey, ctx: ctx(), registry });
    expect(b.route).toMatchObject({ command: 'sla', line: 'sla support 2026-11-19', followUp: true });
    const c = await answerQuestion({ question: 'what about 2026-11-20?', threadKey, ctx: ctx(), registry });
    expect(c.route.line).toBe('sla support 2026-11-20');
    // Another thread starts fresh.
    const d = await answerQuestion({ question: 'and support?', threadKey: { channel: 'C1', threadTs: 'other' }, ctx: ctx(), registry });
    expect(d.route.followUp).toBe(false);
  });

  test('a question for a command that is not installed gets a clear usage answer, not an error', async () => {
    const reg = buildRegistry();
    if (reg.get('kpi')) return; // the kpi command exists now: nothing to test here
    const a = await answerQuestion({ question: 'what is our csat this week', ctx: ctx(), registry: reg });
    expect(a.execution).toMatchObject({ ok: false, kind: 'usage' });
    if (!a.execution.ok) expect(a.execution.message).toMatch(/`kpi` question/);
  });

  test('radar ask: --route-only prints the route; --json prints { command, args, text }', async () => {
    const e = await execute(registry, 'ask how was billing on 2026-11-20? --route-only', ctx());
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(e.result).toMatchObject({ command: 'sla', text: 'sla billing 2026-11-20', args: { queue: 'billing', range: { from: '2026-11-20', to: '2026-11-20' } } });
    expect(e.command.text(e.result)).toMatch(/^→ sla billing 2026-11-20/);
    const full = await execute(registry, 'ask how was billing on 2026-11-20?', ctx());
    expect(full.ok).toBe(true);
    if (!full.ok) return;
    const r = full.result as { command: string; args: unknown; text: string; explanation: { source: string } };
    expect(r.command).toBe('sla');
    expect(r.text).toMatch(/^SLA — 2026-11-20/);
    expect(r.explanation.source).toBe('narrator');
    expect(JSON.parse(JSON.stringify(r))).toMatchObject({ command: 'sla', args: { queue: 'billing' } });
  });

  test('ask without the language surface injected declines with a usage message', async () => {
    const bare = buildRegistry();
    const e = await execute(bare, 'ask how was billing?', ctx());
    expect(e).toMatchObject({ ok: false, kind: 'usage' });
    if (!e.ok) expect(e.message).toMatch(/need the language layer[\s\S]*Example: `\/radar sla billing yesterday`/);
  });
});

describe('feedback', () => {
  test('ratings are stored and summed; a bad rating is refused', () => {
    recordFeedback(db, { rating: 'up', command: 'sla', source: 'llm', question: 'q', args: { queue: 'billing' }, channelId: 'C1', threadTs: '1.2', userId: 'U1', now: NOW });
    recordFeedback(db, { rating: -1, command: 'sla', source: 'narrator', now: NOW });
    recordFeedback(db, { rating: 'down', command: 'sla', source: 'narrator', comment: 'wrong queue', now: NOW });
    const s = feedbackSummary(db);
    expect(s).toMatchObject({ up: 1, down: 2 });
    expect(s.byCommand).toEqual([
      { command: 'sla', source: 'llm', up: 1, down: 0 },
      { command: 'sla', source: 'narrator', up: 0, down: 2 },
    ]);
    expect(() => recordFeedback(db, { rating: 0 as unknown as 1 })).toThrow(/rating/);
  });
});

describe('the fake server speaks SSE to a streaming client', () => {
  test('text arrives in several chunks and tool calls assemble', async () => {
    fake.setChat(() => ({ content: 'Service level is 60 % today.' }));
    const m = new ChatOpenAI({ model: 'm', apiKey: 'k', maxRetries: 0, configuration: { baseURL: fake.baseURL } });
    let chunks = 0;
    let text = '';
    for await (const c of await m.stream('hi')) {
      chunks++;
      text += String(c.content);
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe('Service level is 60 % today.');
    expect(fake.chatRequests.at(-1)?.stream).toBe(true);
    fake.setChat(() => ({ toolCalls: [{ name: 'sla', args: { queue: 'billing', range: null } }] }));
    const bound = m.bindTools(commandTools(registry));
    let acc: Awaited<ReturnType<typeof bound.invoke>> | undefined;
    for await (const c of await bound.stream('how is billing')) acc = acc ? (acc.concat(c) as typeof acc) : c;
    expect(acc?.tool_calls?.[0]).toMatchObject({ name: 'sla', args: { queue: 'billing', range: null } });
  });
});
