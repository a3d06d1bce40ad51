/**
 * A small fake of Slack on loopback for end-to-end tests: the Web API methods SLA Radar calls (recorded,
 * with default answers that can be scripted per call), the file upload URL, and response_url endpoints.
 * Also signs requests the way Slack does, and builds slash-command, event and interactivity bodies.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  /** performance.now() when the request arrived (benchmarks). */
  at: number;
}

export interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface FakeSlack {
  url: string;
  /** Base URL for SLACK_API_URL / clientOptions.slackApiUrl (ends with /api/). */
  apiUrl: string;
  token: string;
  calls: ApiCall[];
  /** JSON bodies POSTed to response_url endpoints, in order. */
  responses: { id: string; body: Record<string, unknown>; at: number }[];
  /**
   * Raw bodies POSTed to file upload URLs, with their size and the length files.getUploadURLExternal was
   * told (bytes is empty when the fake was started with keepUploadBytes: false, for benches).
   */
  uploads: { fileId: string; bytes: Buffer; size: number; declaredLength: number | undefined }[];
  /** Emits 'call' (ApiCall) and 'response' ({ id, body, at }) as they arrive — for benches timing another process. */
  events: EventEmitter;
  responseUrl(id: string): string;
  callsTo(method: string): ApiCall[];
  /** The next calls to `method` get these answers, in order (then the defaults again). */
  script(method: string, ...answers: Scripted[]): void;
  /** The next POSTs to file upload URLs get these HTTP statuses, in order (then 200 again); not recorded. */
  scriptUploads(...statuses: number[]): void;
  /** The next POSTs to response_url endpoints get these answers, in order (then 200 again); not recorded. */
  scriptResponses(...answers: Scripted[]): void;
  /** Forgets recorded calls, responses and uploads. */
  reset(): void;
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

/** Web API form fields: JSON-looking values (blocks, view, files) decoded. */
function parseArgs(contentType: string, raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (contentType.includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}

export async function startFakeSlack(opts: { token?: string; botUserId?: string; botId?: string; keepUploadBytes?: boolean } = {}): Promise<FakeSlack> {
  const token = opts.token ?? 'xoxb-test-token';
  const calls: ApiCall[] = [];
  const responses: FakeSlack['responses'] = [];
  const uploads: FakeSlack['uploads'] = [];
  const scripts = new Map<string, Scripted[]>();
  const responseScripts: Scripted[] = [];
  const uploadScripts: number[] = [];
  const declared = new Map<string, number>();
  const events = new EventEmitter();
  let seq = 0;
  let base = '';

  const defaults = (method: string, a: Record<string, unknown>): unknown => {
    seq++;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'radar', team_id: 'T1', user_id: opts.botUserId ?? 'UBOT', bot_id: opts.botId ?? 'BBOT' };
      case 'chat.postMessage': {
        const ch = String(a.channel);
        const channel = ch.startsWith('U') ? `D${ch.slice(1)}` : ch;
        return { ok: true, channel, ts: `1763737${String(200 + seq).padStart(3, '0')}.000100`, message: { text: a.text } };
      }
      case 'chat.update':
        return { ok: true, channel: a.channel, ts: a.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1763737${String(200 + seq).padStart(3, '0')}.000200` };
      case 'views.publish':
      case 'views.open':
        return { ok: true, view: { id: `V${seq}`, ...(a.view as object) } };
      case 'conversations.join':
        return { ok: true, channel: { id: a.channel } };
      case 'assistant.threads.setStatus':
      case 'assistant.threads.setSuggestedPrompts':
      case 'assistant.threads.setTitle':
        return { ok: true };
      case 'files.getUploadURLExternal': {
        // Slack's required arguments: filename and length (the file's size in bytes).
        const length = Number(a.length);
        if (typeof a.filename !== 'string' || !a.filename || !Number.isInteger(length) || length < 0) return { ok: false, error: 'invalid_arguments' };
        declared.set(`F${seq}`, length);
        return { ok: true, upload_url: `${base}/upload/F${seq}`, file_id: `F${seq}` };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: (a.files as { id: string; title?: string }[]).map((f) => ({ id: f.id, title: f.title })) };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/upload/') && opts.keepUploadBytes === false) {
      // Count the bytes as they arrive (a bench uploading hundreds of MB measures the sender, not this fake).
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      await new Promise((r) => req.on('end', r));
      const fileId = path.slice(8);
      uploads.push({ fileId, bytes: Buffer.alloc(0), size, declaredLength: declared.get(fileId) });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`OK - ${size}`);
    }
    const raw = await readBody(req);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (path.startsWith('/api/')) {
      const method = path.slice(5);
      const args = parseArgs(String(req.headers['content-type'] ?? ''), raw);
      const auth = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || (args.token as string | undefined);
      const call = { method, args, token: auth, at: performance.now() };
      calls.push(call);
      events.emit('call', call);
      const queued = scripts.get(method);
      if (queued?.length) {
        const s = queued.shift()!;
        return send(s.status ?? 200, s.body, s.headers);
      }
      if (auth !== token) return send(200, { ok: false, error: 'invalid_auth' });
      return send(200, defaults(method, args));
    }
    if (path.startsWith('/upload/')) {
      const status = uploadScripts.shift();
      if (status !== undefined && status !== 200) return send(status, 'upload failed', { 'content-type': 'text/plain' });
      const fileId = path.slice(8);
      uploads.push({ fileId, bytes: raw, size: raw.length, declaredLength: declared.get(fileId) });
      return send(200, 'OK - ' + raw.length, { 'content-type': 'text/plain' });
    }
    if (path.startsWith('/response/')) {
      const scripted = responseScripts.shift();
      if (scripted) return send(scripted.status ?? 200, scripted.body, scripted.headers);
      const r = { id: path.slice(10), body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, at: performance.now() };
      responses.push(r);
      events.emit('response', r);
      return send(200, 'ok', { 'content-type': 'text/plain' });
    }
    send(404, { ok: false, error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    apiUrl: `${base}/api/`,
    token,
    calls,
    responses,
    uploads,
    events,
    responseUrl: (id) => `${base}/response/${id}`,
    callsTo: (m) => calls.filter((c) => c.method === m),
    script: (method, ...answers) => scripts.set(method, [...(scripts.get(method) ?? []), ...answers]),
    scriptResponses: (...answers) => responseScripts.push(...answers),
    scriptUploads: (...statuses) => uploadScripts.push(...statuses),
    reset() {
      calls.length = 0;
      responses.length = 0;
      uploads.length = 0;
      scripts.clear();
      responseScripts.length = 0;
      uploadScripts.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Slack's request signature: `v0=` + hex HMAC-SHA256(secret, `v0:${ts}:${rawBody}`). */
export function slackSignature(secret: string, ts: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex')}`;
}

export interface SendOptions {
  secret: string;
  /** Unix seconds; default now (Bolt checks it against its own clock). */
  ts?: number;
  /** Replaces the computed signature (forgery tests). */
  signature?: string;
  headers?: Record<string, string>;
}

export interface SlackHttpResult {
  status: number;
  body: string;
}

/** POSTs a signed request to the app, as Slack would. */
export async function sendToApp(appUrl: string, rawBody: string, contentType: string, o: SendOptions): Promise<SlackHttpResult> {
  const ts = o.ts ?? Math.floor(Date.now() / 1000);
  const res = await fetch(appUrl, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': o.signature ?? slackSignature(o.secret, ts, rawBody),
      ...o.headers,
    },
    body: rawBody,
  });
  return { status: res.status, body: await res.text() };
}

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** The form body Slack POSTs for a slash command. */
export function slashBody(o: { command: string; text: string; responseUrl: string; user?: string; channel?: string; triggerId?: string }): string {
  return new URLSearchParams({
    token: 'verification-token',
    team_id: 'T1',
    team_domain: 'test',
    channel_id: o.channel ?? 'C1',
    channel_name: 'support-ops',
    user_id: o.user ?? 'U1',
    user_name: 'ana',
    command: o.command,
    text: o.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? '111.222.333',
  }).toString();
}

/** An Events API envelope around `event`. */
export function eventBody(eventId: string, event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: 1763737200,
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

/** An interactivity request (`payload=<json>`). */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A block_actions payload for one button press, from a message (with response_url) or the Home tab. */
export function buttonPayload(o: { actionId: string; value: string; responseUrl?: string; channel?: string; user?: string; home?: boolean }): Record<string, unknown> {
  const user = { id: o.user ?? 'U1', username: 'ana', name: 'ana', team_id: 'T1' };
  const action = { type: 'button', action_id: o.actionId, block_id: 'b1', value: o.value, text: { type: 'plain_text', text: 'x' }, action_ts: '1763737200.1' };
  const common = { type: 'block_actions', user, api_app_id: 'A1', token: 'verification-token', trigger_id: '444.555.666', team: { id: 'T1', domain: 'test' }, is_enterprise_install: false, actions: [action] };
  if (o.home) {
    return { ...common, container: { type: 'view', view_id: 'VHOME' }, view: { id: 'VHOME', type: 'home', team_id: 'T1', blocks: [], private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h', title: { type: 'plain_text', text: 'x' }, app_id: 'A1', bot_id: 'BBOT' } };
  }
  return {
    ...common,
    container: { type: 'message', message_ts: '1763737100.000100', channel_id: o.channel ?? 'C1', is_ephemeral: true },
    channel: { id: o.channel ?? 'C1', name: 'support-ops' },
    response_url: o.responseUrl,
  };
}

/** A view_submission payload for the what-if modal with the given field values. */
export function whatifSubmission(o: { queue?: string; date?: string; hours?: string; levers?: string; metadata?: string; user?: string }): Record<string, unknown> {
  const values = {
    queue: { value: { type: 'static_select', selected_option: o.queue ? { text: { type: 'plain_text', text: o.queue }, value: o.queue } : null } },
    date: { value: { type: 'datepicker', selected_date: o.date ?? null } },
    hours: { value: { type: 'plain_text_input', value: o.hours ?? null } },
    levers: { value: { type: 'plain_text_input', value: o.levers ?? null } },
  };
  return {
    type: 'view_submission',
    team: { id: 'T1', domain: 'test' },
    user: { id: o.user ?? 'U1', username: 'ana', name: 'ana', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'verification-token',
    trigger_id: '777.888.999',
    is_enterprise_install: false,
    view: {
      id: 'VMODAL',
      team_id: 'T1',
      type: 'modal',
      callback_id: 'whatif_submit',
      private_metadata: o.metadata ?? JSON.stringify({ channel: 'C1', user: o.user ?? 'U1' }),
      state: { values },
      hash: 'h',
      title: { type: 'plain_text', text: 'What-if' },
      blocks: [],
      app_id: 'A1',
      bot_id: 'BBOT',
    },
  };
}
