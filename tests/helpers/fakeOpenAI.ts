/**
 * A small OpenAI-compatible server on 127.0.0.1 for tests, driven through the real `@langchain/openai`
 * client: POST /v1/chat/completions (plain content, tool calls — which is also how function-calling
 * structured output arrives — and SSE when `stream: true`), POST /v1/embeddings (float vectors).
 *
 * Each chat request is answered by a script: a function of the parsed request body returning a reply.
 * Replies can also fail (HTTP status) or hang until the client gives up (to test timeouts without sleeping).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: unknown } }[];
  tool_choice?: unknown;
  stream?: boolean;
  response_format?: unknown;
  [k: string]: unknown;
}

export type ChatReply =
  | { content: string }
  | { toolCalls: { name: string; args: unknown }[]; content?: string }
  | { status: number; error?: string }
  | { hang: true };

export type ChatScript = (req: ChatRequest, index: number) => ChatReply;

export interface FakeOpenAI {
  url: string;
  /** Base URL to give the client (`…/v1`). */
  baseURL: string;
  chatRequests: ChatRequest[];
  embeddingRequests: { model: string; input: string[]; encodingFormat: string | undefined }[];
  /** Replace the chat script. */
  setChat(script: ChatScript): void;
  /** Requests the server is holding open (hang replies) that the client has since aborted. */
  abortedHangs(): number;
  close(): Promise<void>;
}

/** Deterministic toy embedding: letter-trigram counts hashed into `dim` buckets, L2-normalised. */
export function toyEmbedding(text: string, dim = 32): number[] {
  const v = new Array<number>(dim).fill(0);
  const s = ` ${text.toLowerCase()} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = 2166136261;
    for (let j = i; j < i + 3; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619) >>> 0;
    v[h % dim] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function completion(model: string, reply: { content?: string; toolCalls?: { name: string; args: unknown }[] }, n: number) {
  const toolCalls = reply.toolCalls?.map((t, i) => ({
    id: `call_${n}_${i}`,
    type: 'function',
    function: { name: t.name, arguments: typeof t.args === 'string' ? t.args : JSON.stringify(t.args) },
  }));
  return {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.content ?? null, ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls?.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

function writeSse(res: ServerResponse, model: string, reply: { content?: string; toolCalls?: { name: string; args: unknown }[] }, n: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const base = { id: `chatcmpl-${n}`, object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const send = (delta: object, finish: string | null = null) =>
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  send({ role: 'assistant', content: '' });
  if (reply.content) {
    // Several chunks, so a consumer that only reads the first chunk would notice.
    for (const piece of reply.content.match(/.{1,8}/gs) ?? []) send({ content: piece });
  }
  reply.toolCalls?.forEach((t, i) => {
    const args = typeof t.args === 'string' ? t.args : JSON.stringify(t.args);
    send({ tool_calls: [{ index: i, id: `call_${n}_${i}`, type: 'function', function: { name: t.name, arguments: '' } }] });
    for (const piece of args.match(/.{1,16}/gs) ?? []) send({ tool_calls: [{ index: i, function: { arguments: piece } }] });
  });
  send({}, reply.toolCalls?.length ? 'tool_calls' : 'stop');
  res.write('data: [DONE]\n\n');
  res.end();
}

export async function startFakeOpenAI(script: ChatScript = () => ({ content: 'ok' }), opts: { embeddingDim?: number } = {}): Promise<FakeOpenAI> {
  let chat = script;
  const chatRequests: ChatRequest[] = [];
  const embeddingRequests: { model: string; input: string[]; encodingFormat: string | undefined }[] = [];
  let aborted = 0;
  const dim = opts.embeddingDim ?? 32;
  const server: Server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const body = raw ? JSON.parse(raw) : {};
      if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) {
        const n = chatRequests.length;
        chatRequests.push(body as ChatRequest);
        const reply = chat(body as ChatRequest, n);
        if ('hang' in reply) {
          // Never answer: the client must abort on its own timeout.
          res.on('close', () => {
            if (!res.writableEnded) aborted++;
          });
          return;
        }
        if ('status' in reply) {
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: reply.error ?? 'fake failure', type: 'server_error' } }));
          return;
        }
        if ((body as ChatRequest).stream) return writeSse(res, body.model, reply, n);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion(body.model, reply, n)));
        return;
      }
      if (req.method === 'POST' && req.url?.endsWith('/embeddings')) {
        const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
        embeddingRequests.push({ model: body.model, input, encodingFormat: body.encoding_format });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            model: body.model,
            data: input.map((t, i) => ({ object: 'embedding', index: i, embedding: toyEmbedding(String(t), dim) })),
            usage: { prompt_tokens: 1, total_tokens: 1 },
          }),
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(err) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    chatRequests,
    embeddingRequests,
    setChat(s) {
      chat = s;
    },
    abortedHangs: () => aborted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
