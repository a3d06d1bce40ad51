/**
 * File uploads to Slack without holding the file in memory: files.getUploadURLExternal (name and length in
 * bytes) → the file streamed from disk in the body of a POST to the upload URL it returns (raw bytes, with
 * Content-Length) → files.completeUploadExternal shares it into the channel / thread. web-api's
 * filesUploadV2 does the same three steps but reads the whole file into a Buffer first.
 * A 5xx or a network error from the upload URL throws as the Web API client's errors do, so `deliver`
 * retries the whole upload (a fresh read stream and upload URL each attempt).
 */
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { webApi } from '@slack/bolt';

export interface StreamedUpload {
  /** The file on disk. */
  path: string;
  filename: string;
  title: string;
  channel: string;
  threadTs?: string;
}

/** An HTTP failure of the upload URL, shaped like the Web API client's HTTP error (retry.ts reads code and statusCode). */
class UploadHttpError extends Error {
  readonly code = 'slack_webapi_http_error';
  constructor(readonly statusCode: number) {
    super(`file upload URL answered HTTP ${statusCode}`);
  }
}

/** POSTs the file at `path` (`length` bytes) to `url`, streamed. Resolves on HTTP 200. */
function postFile(url: string, path: string, length: number): Promise<void> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new UploadHttpError(res.statusCode ?? 0))));
      res.on('error', reject);
    });
    req.on('error', reject);
    const file = createReadStream(path);
    file.on('error', (err) => req.destroy(err));
    file.pipe(req);
  });
}

/** Uploads a file into a channel (and thread) in three steps, streaming it from disk. Returns the file id. */
export async function uploadFileStreamed(client: webApi.WebClient, u: StreamedUpload): Promise<string> {
  const length = statSync(u.path).size;
  const got = await client.files.getUploadURLExternal({ filename: u.filename, length });
  if (!got.upload_url || !got.file_id) throw new Error('files.getUploadURLExternal answered without upload_url / file_id');
  await postFile(got.upload_url, u.path, length);
  await client.files.completeUploadExternal({
    files: [{ id: got.file_id, title: u.title }],
    channel_id: u.channel,
    ...(u.threadTs ? { thread_ts: u.threadTs } : {}),
  } as webApi.FilesCompleteUploadExternalArguments);
  return got.file_id;
}
