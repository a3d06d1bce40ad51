/**
 * The poster's Slack transport over a dedicated WebClient for alert fan-out. It is separate from the app's
 * interactive client on purpose: on a 429 a WebClient pauses its whole queue, and alerts must never stall the
 * answers people are waiting for. Retries are the poster's job (injected clock, per-channel pacing), so this
 * client rejects rate-limited calls and does not retry on its own.
 */
import { webApi } from '@slack/bolt';
import type { SlackMessage, SlackTransport } from '../../alerts/poster.js';

type WebClient = webApi.WebClient;

export function fanoutClient(token: string, apiUrl?: string, logger?: webApi.WebClientOptions['logger']): WebClient {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    ...(logger ? { logger } : {}),
  });
}

interface RawMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export function webClientTransport(client: WebClient): SlackTransport {
  const channelIds = new Map<string, string>();
  return {
    async postMessage(a) {
      const r = await client.chat.postMessage({
        channel: a.channel,
        text: a.text,
        ...(a.blocks ? { blocks: a.blocks as never } : {}),
        ...(a.thread_ts ? { thread_ts: a.thread_ts, reply_broadcast: a.reply_broadcast ?? false } : {}),
        metadata: a.metadata,
        unfurl_links: false,
        unfurl_media: false,
      } as never);
      return { ts: String(r.ts), channel: String(r.channel ?? a.channel) };
    },
    async update(a) {
      const r = await client.chat.update({ channel: a.channel, ts: a.ts, text: a.text, ...(a.blocks ? { blocks: a.blocks as never } : {}) } as never);
      return { ts: String(r.ts ?? a.ts), channel: String(r.channel ?? a.channel) };
    },
    async history(a) {
      const r = await client.conversations.history({ channel: a.channel, oldest: a.oldest, limit: 200, include_all_metadata: true });
      return ((r.messages ?? []) as RawMessage[]).map((m): SlackMessage => ({ ts: String(m.ts), metadata: m.metadata ?? null }));
    },
    async replies(a) {
      const r = await client.conversations.replies({ channel: a.channel, ts: a.ts, oldest: a.oldest, limit: 200, include_all_metadata: true } as never);
      return ((r.messages ?? []) as RawMessage[]).map((m): SlackMessage => ({ ts: String(m.ts), metadata: m.metadata ?? null }));
    },
    async join(channel) {
      await client.conversations.join({ channel });
    },
    async upload(a) {
      await client.filesUploadV2({ channel_id: a.channel, thread_ts: a.thread_ts, file: a.file, filename: a.filename, title: a.title });
    },
    async resolveChannel(name) {
      if (channelIds.has(name)) return channelIds.get(name)!;
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const r = await client.conversations.list({ limit: 1000, exclude_archived: true, types: 'public_channel,private_channel', ...(cursor ? { cursor } : {}) });
        for (const c of r.channels ?? []) if (c.name && c.id) channelIds.set(c.name, c.id);
        cursor = r.response_metadata?.next_cursor || undefined;
        if (channelIds.has(name) || !cursor) break;
      }
      return channelIds.get(name) ?? null;
    },
  };
}
