/**
 * A stateful fake of the Slack Web API on 127.0.0.1 for the alert tests: channels keep their messages (with
 * metadata and threads), so chat.update, conversations.history and conversations.replies behave like Slack's
 * and a restart can reconcile against them. Calls are recorded; failures (429 + Retry-After, 5xx, platform
 * errors) can be scripted per method. Also signs requests to a Bolt app the way Slack does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface StoredMessage {
  ts: string;
  text: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  thread_ts?: string;
  reply_broadcast?: boolean;
  edited?: number;
}

export interface Call {
  method: string;
  args: Record<string, unknown>;
}

export interface Failure {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  /** Store the message anyway before failing (Slack wrote it, the answer was lost). */
  storeFirst?: boolean;
  /** Never answer (with storeFirst: Slack wrote it and the caller dies waiting for the ok). */
  hang?: boolean;
}

export interface FakeSlackAlerts {
  apiUrl: string;
  token: string;
  calls: Call[];
  callsTo(method: string): Call[];
  /** Messages of a channel id, oldest first (thread replies included). */
  messages(channel: string): StoredMessage[];
  ephemerals: Call['args'][];
  /** Bytes POSTed to upload URLs, and the uploads completed into a channel (thread). */
  uploads: { fileId: string; bytes: Buffer }[];
  completed: { fileId: string; title?: string; channel: string; thread_ts?: string }[];
  /** The next `times` calls to `method` fail like this. */
  fail(method: string, f: Failure, times?: number): void;
  deleteMessage(channel: string, ts: string): void;
  /** Resolves once `method` has been called `n` times in all. */
  called(method: string, n?: number): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // Structured fields (blocks, metadata) arrive JSON-encoded; text may merely start with "[".
    let val: unknown = v;
    if (/^[[{]/.test(v)) {
      try {
        val = JSON.parse(v);
      } catch {
        val = v;
      }
    }
    out[k] = val;
  }
  return out;
}

export async function startFakeSlackAlerts(o: { channels?: Record<string, string>; token?: string; clock?: () => number } = {}): Promise<FakeSlackAlerts> {
  const token = o.token ?? 'xoxb-alerts';
  const channels = o.channels ?? { 'support-ops': 'C0OPS', 'wfm': 'C0WFM' };
  const store = new Map<string, StoredMessage[]>(Object.values(channels).map((id) => [id, []]));
  const calls: Call[] = [];
  const ephemerals: Call['args'][] = [];
  const uploads: { fileId: string; bytes: Buffer }[] = [];
  const completed: { fileId: string; title?: string; channel: string; thread_ts?: string }[] = [];
  let base = '';
  const failures = new Map<string, Failure[]>();
  const waiters: { method: string; n: number; resolve: () => void }[] = [];
  let seq = 0;
  const clock = o.clock ?? Date.now;
  // Slack ts = the time of posting (seconds) + a unique suffix; the clock is the test's.
  const nextTs = () => `${Math.floor(clock() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const idOf = (c: string) => (c.startsWith('#') ? channels[c.slice(1)] : c);

  const handle = (method: string, a: Record<string, unknown>): unknown => {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' };
      case 'chat.postMessage': {
        const ch = idOf(String(a.channel));
        const list = ch ? store.get(ch) : undefined;
        if (!list) return { ok: false, error: 'channel_not_found' };
        if (a.thread_ts && !list.some((m) => m.ts === a.thread_ts)) return { ok: false, error: 'thread_not_found' };
        const m: StoredMessage = {
          ts: nextTs(), text: String(a.text ?? ''), blocks: a.blocks as unknown[] | undefined,
          metadata: a.metadata as StoredMessage['metadata'], thread_ts: a.thread_ts as string | undefined,
          reply_broadcast: a.reply_broadcast === true || a.reply_broadcast === 'true',
        };
        list.push(m);
        return { ok: true, channel: ch, ts: m.ts, message: { text: m.text, ts: m.ts } };
      }
      case 'chat.update': {
        const ch = idOf(String(a.channel));
        const m = store.get(ch ?? '')?.find((x) => x.ts === a.ts);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = String(a.text ?? m.text);
        if (a.blocks) m.blocks = a.blocks as unknown[];
        m.edited = (m.edited ?? 0) + 1;
        return { ok: true, channel: ch, ts: m.ts };
      }
      case 'conversations.history': {
        const list = store.get(idOf(String(a.channel)) ?? '');
        if (!list) return { ok: false, error: 'channel_not_found' };
        const oldest = Number(a.oldest ?? 0);
        const withMeta = a.include_all_metadata === true || a.include_all_metadata === 'true';
        const msgs = list
          .filter((m) => (!m.thread_ts || m.reply_broadcast) && Number(m.ts) >= oldest)
          .reverse()
          .map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        return { ok: true, messages: msgs, has_more: false };
      }
      case 'conversations.replies': {
        const list = store.get(idOf(String(a.channel)) ?? '');
        if (!list) return { ok: false, error: 'channel_not_found' };
        const withMeta = a.include_all_metadata === true || a.include_all_metadata === 'true';
        const msgs = list.filter((m) => m.ts === a.ts || m.thread_ts === a.ts).map((m) => ({ type: 'message', ts: m.ts, thread_ts: m.thread_ts ?? m.ts, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        if (!msgs.length) return { ok: false, error: 'thread_not_found' };
        return { ok: true, messages: msgs, has_more: false };
      }
      case 'conversations.list':
        return { ok: true, channels: Object.entries(channels).map(([name, id]) => ({ id, name })), response_metadata: { next_cursor: '' } };
      case 'conversations.join':
        return { ok: true, channel: { id: a.channel } };
      case 'chat.postEphemeral':
        ephemerals.push(a);
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
        return { ok: true, view: { id: `V${++seq}` } };
      // File uploads (filesUploadV2): an upload URL on this server, then completion into a channel/thread.
      case 'files.getUploadURLExternal': {
        const id = `F${++seq}`;
        return { ok: true, upload_url: `${base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof a.files === 'string' ? JSON.parse(a.files) : a.files) as { id: string; title?: string }[];
        for (const f of files) completed.push({ fileId: f.id, title: f.title, channel: String(a.channel_id ?? ''), thread_ts: a.thread_ts as string | undefined });
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const bytes = await readBody(req);
    const raw = bytes.toString('utf8');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (path.startsWith('/upload/')) {
      uploads.push({ fileId: path.slice(8), bytes });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`OK - ${bytes.length}`);
    }
    if (!path.startsWith('/api/')) return send(404, { ok: false });
    const method = path.slice(5);
    const args = parseArgs(String(req.headers['content-type'] ?? ''), raw);
    calls.push({ method, args });
    for (const w of waiters.filter((x) => x.method === method && calls.filter((c) => c.method === method).length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    const auth = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || String(args.token ?? '');
    if (auth !== token) return send(200, { ok: false, error: 'invalid_auth' });
    const queued = failures.get(method);
    if (queued?.length) {
      const f = queued.shift()!;
      if (f.storeFirst) handle(method, args);
      if (f.hang) return;
      return send(f.status, f.body, f.headers);
    }
    send(200, handle(method, args));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    uploads,
    completed,
    apiUrl: `${base}/api/`,
    token,
    calls,
    callsTo: (m) => calls.filter((c) => c.method === m),
    messages: (ch) => store.get(ch) ?? [],
    ephemerals,
    fail(method, f, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(f);
      failures.set(method, list);
    },
    deleteMessage(ch, ts) {
      const list = store.get(ch);
      if (list) store.set(ch, list.filter((m) => m.ts !== ts));
    },
    called: (method, n = 1) =>
      calls.filter((c) => c.method === method).length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ method, n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs a request to a Bolt app signed like Slack: v0=HMAC-SHA256(secret, `v0:${ts}:${body}`). */
export async function signedPost(url: string, body: string, contentType: string, secret: string): Promise<{ status: number; body: string }> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body });
  return { status: res.status, body: await res.text() };
}
