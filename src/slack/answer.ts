/**
 * From a command line to what Slack shows: run it through the registry, render Block Kit within Slack's
 * limits (budget → overflow pages), and deliver it where the request came from. Charts follow the answer
 * (numbers first): uploaded into the answer's thread, and a failed upload never fails the answer.
 *
 * Where answers go:
 *  - slash command / message button: ephemeral via `respond()` (overflow = further ephemerals);
 *  - `public` or "Share in channel": `chat.postMessage` in the channel (joined first), overflow and chart in
 *    its thread; if the bot cannot post there, `respond({ response_type: 'in_channel' })` without a chart;
 *  - mention / DM: a reply in the thread, chart in the same thread;
 *  - App Home button, what-if modal without a channel: the user's DM with the bot, chart in the thread.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { webApi } from '@slack/bolt';
import { execute, runParsed, renderBlocks, type Execution } from '../execute.js';
import type { CommandContext } from '../registry.js';
import { budget, context, esc, fallbackText, section, validateBlocks, type Block } from '../blocks/kit.js';
import type { SlackDeps } from './deps.js';
import { deliver } from './retry.js';
import { uploadFileStreamed } from './upload.js';
import { RESPONSE_URL_LIFE_MS, sendSteps, type Sent, type Step } from './outbox.js';
import type { ExportResult } from '../../commands/export.js';

type WebClient = webApi.WebClient;

export interface Who {
  userId?: string;
  channelId?: string;
}

export function commandContext(deps: SlackDeps, who: Who): CommandContext {
  return { db: deps.db, now: deps.now(), config: deps.config, surface: 'slack', userId: who.userId, channelId: who.channelId, log: deps.logger };
}

export const newRef = (): string => randomUUID().slice(0, 8);

export function apology(ref: string): string {
  return `Sorry — something went wrong on our side answering that (ref ${ref}). The team can find the details in the logs.`;
}

/** A routed question's command and validated args (see WorkRequest.parsed). */
export interface ParsedRun {
  command: string;
  args: unknown;
}

/** Counts and times an answered command line (/metrics), by command and outcome. */
function observed(deps: SlackDeps, line: string, t0: number, e: Execution, parsed?: ParsedRun): Execution {
  const word = parsed?.command ?? line.trim().split(/\s+/)[0] ?? '';
  const name = e.ok ? e.command.name : (deps.registry.get(word)?.name ?? 'unknown');
  const outcome = e.ok ? 'ok' : e.kind === 'usage' ? 'usage' : e.ref === BUSY_REF ? 'busy' : 'internal';
  deps.metrics?.command(name, outcome, (performance.now() - t0) / 1000);
  return e;
}

/**
 * Runs a command line (or a routed command's validated args) on this thread, uncounted (the dispatcher's
 * in-process executor); never throws (our own failures become an internal execution with the request id as ref).
 */
export async function executeHere(deps: SlackDeps, line: string, who: Who, now: Date, parsed?: ParsedRun, requestId: string = newRef()): Promise<Execution> {
  const log = deps.logger.child({ requestId });
  try {
    const ctx = { ...commandContext(deps, who), now, requestId, log };
    if (parsed) {
      const command = deps.registry.get(parsed.command);
      if (!command) throw new Error(`unknown command ${parsed.command}`);
      return await runParsed(command, parsed.args, false, ctx);
    }
    return await execute(deps.registry, line, ctx);
  } catch (cause) {
    log.error({ err: cause, ref: requestId, line }, 'command failed');
    return { ok: false, kind: 'internal', ref: requestId, cause, message: apology(requestId) };
  }
}

/** Runs a command line on this thread, counted in /metrics; never throws. */
export async function runInline(deps: SlackDeps, line: string, who: Who, now: Date = deps.now(), parsed?: ParsedRun, requestId: string = newRef()): Promise<Execution> {
  const t0 = performance.now();
  return observed(deps, line, t0, await executeHere(deps, line, who, now, parsed, requestId), parsed);
}

/** The ref of the "busy" answer: the queue was full, nothing ran. */
export const BUSY_REF = 'busy';

export function busyFull(): string {
  return 'SLA Radar is answering as many questions as it can right now and could not take yours. Please ask again in a minute.';
}

export function busyComing(ahead: number, waitMs: number): string {
  const s = Math.max(1, Math.round(waitMs / 1000));
  return `:hourglass_flowing_sand: Busy right now (${ahead} ${ahead === 1 ? 'question' : 'questions'} ahead of yours) — your answer is coming, in about ${s} s.`;
}

/**
 * Runs a command line through the dispatcher (worker threads, fair queue, shared answers) when there is one,
 * else on this thread. Never throws. `onBusy` hears once when the question has to wait; a full queue answers
 * with the busy execution (ref "busy") at once.
 */
export async function runLine(deps: SlackDeps, line: string, who: Who, onBusy?: (text: string) => Promise<unknown>, parsed?: ParsedRun): Promise<Execution> {
  const requestId = newRef();
  if (!deps.work) return runInline(deps, line, who, deps.now(), parsed, requestId);
  const t0 = performance.now();
  const log = deps.logger.child({ requestId });
  try {
    const busy = onBusy
      ? (b: { ahead: number; waitMs: number }) => {
          onBusy(busyComing(b.ahead, b.waitMs)).catch((err: unknown) => log.info({ err: String(err) }, 'could not send the busy note'));
        }
      : undefined;
    const out = await deps.work.submit({ line, parsed, userId: who.userId, channelId: who.channelId, now: deps.now(), requestId }, busy);
    if (out.kind === 'busy') {
      log.warn({ reason: out.reason, user: who.userId }, 'busy: a question was turned away');
      return observed(deps, line, t0, { ok: false, kind: 'internal', ref: BUSY_REF, cause: null, message: busyFull() }, parsed);
    }
    return observed(deps, line, t0, out.execution, parsed);
  } catch (cause) {
    log.error({ err: cause, ref: requestId, line }, 'command failed');
    return observed(deps, line, t0, { ok: false, kind: 'internal', ref: requestId, cause, message: apology(requestId) });
  }
}

/**
 * Block Kit of an execution. Usage and internal errors are escaped here: their messages quote what the user
 * typed, and a quoted `<!channel>` must stay text.
 */
export function renderExecution(e: Execution): Block[] {
  if (!e.ok) return [section(`${e.kind === 'usage' ? ':warning:' : e.ref === BUSY_REF ? ':hourglass_flowing_sand:' : ':x:'} ${esc(e.message)}`)];
  return renderBlocks(e);
}

export interface Answer {
  blocks: Block[];
  /** Further messages when the answer is longer than one message. */
  overflow: Block[][];
  text: string;
  /** The execution behind it (gives the chart). */
  execution?: Execution;
}

export type Medium = 'thread' | 'ephemeral';

const notes: Record<Medium, (more: number) => string> = {
  thread: (n) => `_…continued in the thread (${n} more ${n === 1 ? 'message' : 'messages'})._`,
  ephemeral: (n) => `_…continued below (${n} more ${n === 1 ? 'message' : 'messages'})._`,
};

/** Budgets blocks into messages and derives the fallback text; logs (never throws) if a page breaks a limit. */
export function toAnswer(deps: SlackDeps, blocks: Block[], medium: Medium, execution?: Execution, fallback?: string): Answer {
  const { blocks: first, overflow } = budget(blocks, { note: notes[medium] });
  for (const page of [first, ...overflow]) {
    const problems = validateBlocks(page);
    if (problems.length) deps.logger.warn({ problems, command: execution?.ok ? execution.command.name : undefined }, 'message exceeds Block Kit limits');
  }
  return { blocks: first, overflow, text: fallback ? esc(fallback).slice(0, 3000) : fallbackText(first), execution };
}

/** Renders an execution into an answer; a renderer that throws becomes an apology with a ref id. */
export function answerFor(deps: SlackDeps, e: Execution, medium: Medium): Answer {
  try {
    return toAnswer(deps, renderExecution(e), medium, e);
  } catch (err) {
    const ref = newRef();
    deps.logger.error({ err, ref, command: e.ok ? e.command.name : undefined }, 'rendering failed');
    return toAnswer(deps, [section(`:x: ${apology(ref)}`)], medium);
  }
}

/** Slack allows 5 uses of a response_url: the answer plus at most 4 follow-ups. */
const MAX_RESPONSES = 5;

/**
 * Where a slash command or message button is answered: its response_url, and who asked — an answer that has to
 * wait in the outbox past the URL's 30-minute life goes to the asker's DM (or the channel, when public).
 */
export interface Reply {
  url: string;
  userId?: string;
  channelId?: string;
}

/** The steps that send an answer through a response_url (ephemeral or in_channel), overflow as follow-ups. */
export function respondSteps(deps: Pick<SlackDeps, 'now'>, reply: Reply, a: Answer, responseType: 'ephemeral' | 'in_channel' = 'ephemeral'): Step[] {
  const pages = a.overflow.slice(0, MAX_RESPONSES - 1);
  if (a.overflow.length > pages.length) {
    const last = pages.length - 1;
    pages[last] = [...pages[last].slice(0, 48), context('_…more than fits in ephemeral replies: narrow the question (one queue, fewer days) or add `public` to get it all in a thread._')];
  }
  const expiresAt = deps.now().getTime() + RESPONSE_URL_LIFE_MS;
  const fallback = responseType === 'in_channel' ? (reply.channelId ?? reply.userId) : reply.userId;
  return [{ blocks: a.blocks, text: a.text }, ...pages.map((page) => ({ blocks: page, text: fallbackText(page) }))].map(
    (m): Step => ({ kind: 'respond', url: reply.url, expiresAt, fallback, body: { response_type: responseType, replace_original: false, ...m } }),
  );
}

/** Sends an answer through a response_url (ephemeral or in_channel), overflow as follow-up messages. */
export async function respondWith(deps: SlackDeps, client: WebClient, reply: Reply, a: Answer, responseType: 'ephemeral' | 'in_channel' = 'ephemeral'): Promise<Sent> {
  return sendSteps(deps, client, 'respond', respondSteps(deps, reply, a, responseType));
}

/** The name under which a delivery records its answer message (its channel and thread) for later steps. */
const ANSWER = { ref: 'answer' };

/** The steps that post an answer in a conversation (optionally in a thread); overflow goes into the answer's thread. */
export function postSteps(channel: string, a: Answer, threadTs?: string): Step[] {
  return [
    { kind: 'post', channel, thread: threadTs, blocks: a.blocks, text: a.text, name: ANSWER.ref },
    ...a.overflow.map((page): Step => ({ kind: 'post', channel: ANSWER, thread: ANSWER, blocks: page, text: fallbackText(page) })),
  ];
}

/** The step that uploads the execution's chart into the answer's thread (none for exports and failures). */
export function chartSteps(e: Execution | undefined): Step[] {
  return e?.ok && !exportOf(e) ? [{ kind: 'chart', channel: ANSWER, thread: ANSWER, command: e.command.name, result: e.result }] : [];
}

/** Posts an answer in a conversation (optionally in a thread), overflow in its thread; the chart too with `withChart`. */
export async function postAnswer(deps: SlackDeps, client: WebClient, channel: string, a: Answer, threadTs?: string, withChart = false): Promise<Sent> {
  const sent = await sendSteps(deps, client, 'chat.postMessage', [...postSteps(channel, a, threadTs), ...(withChart ? chartSteps(a.execution) : [])]);
  const where = sent.refs[ANSWER.ref];
  if (where && !sent.queued && exportOf(a.execution)) await attachExport(deps, client, a.execution!, where.channel, where.ts);
  else if (exportOf(a.execution)) dropExport(a.execution);
  return sent;
}

/** Posts an answer only the user sees, in a channel (overflow as further ephemerals). */
export async function postEphemeralAnswer(deps: SlackDeps, client: WebClient, channel: string, user: string, a: Answer): Promise<Sent> {
  const steps = [a, ...a.overflow.map((page) => ({ blocks: page, text: fallbackText(page) }))].map((m): Step => ({ kind: 'ephemeral', channel, user, blocks: m.blocks, text: m.text }));
  return sendSteps(deps, client, 'chat.postEphemeral', steps);
}

/** Whether the answer's command has a chart (lazy: the chart stack loads on first use). */
export async function chartable(e: Execution | undefined): Promise<boolean> {
  if (!e?.ok) return false;
  const { chartSpec } = await import('../charts/index.js');
  // Only answers with something to draw (`risk model` has a chart, `risk T-1` not).
  try {
    return chartSpec(e.command.name, e.result) !== null;
  } catch {
    return false;
  }
}

/**
 * Uploads the execution's chart into a thread (or the export's file). Returns whether a chart was posted or
 * queued; every other failure is logged and swallowed, because the answer (with its sparkline) is already there.
 */
export async function attachChart(deps: SlackDeps, client: WebClient, e: Execution | undefined, channel: string, threadTs: string): Promise<boolean> {
  if (!e?.ok || !threadTs) return false;
  if (exportOf(e)) return attachExport(deps, client, e, channel, threadTs);
  try {
    await sendSteps(deps, client, 'chart', chartSteps(e), { [ANSWER.ref]: { channel, ts: threadTs } });
    return true;
  } catch (err) {
    deps.logger.warn({ err, command: e.command.name, channel }, 'chart upload failed (the answer stands)');
    return false;
  }
}

/** The file an `export` execution wrote, if it is one. */
export function exportOf(e: Execution | undefined): ExportResult | null {
  if (!e?.ok) return null;
  const r = e.result as Partial<ExportResult> | null;
  return r && r.kind === 'export' && typeof r.path === 'string' ? (r as ExportResult) : null;
}

/**
 * Uploads an export's file into a thread (files.getUploadURLExternal → the file streamed from disk to the
 * upload URL → files.completeUploadExternal, upload.ts; retried like every post, a fresh stream each attempt),
 * then deletes the temporary file. The file is never held in memory whole.
 * A failed upload is said in the thread with a ref id: the message above promised the file.
 */
export async function attachExport(deps: SlackDeps, client: WebClient, e: Execution, channel: string, threadTs: string): Promise<boolean> {
  const x = exportOf(e)!;
  try {
    await deliver(deps, 'file upload', () => uploadFileStreamed(deps.deliveryClient ?? client, { path: x.path, filename: x.filename, title: `/radar export ${x.dataset} (${x.rows} rows)`, channel, threadTs }));
    return true;
  } catch (err) {
    const ref = newRef();
    deps.logger.error({ err, ref, channel, dataset: x.dataset }, 'export upload failed');
    try {
      await client.chat.postMessage({ channel, thread_ts: threadTs, text: `:x: The export file could not be uploaded (ref ${ref}). Please ask again in a minute.` });
    } catch (err2) {
      deps.logger.error({ err: err2, ref }, 'could not say the export upload failed');
    }
    return false;
  } finally {
    dropExport(e);
  }
}

/** Deletes an export's temporary file. */
function dropExport(e: Execution | undefined): void {
  const x = exportOf(e);
  if (x?.temporary) rmSync(dirname(x.path), { recursive: true, force: true });
}

/** A Slack Web API error code ("not_in_channel"), if the error is one. */
export function slackError(err: unknown): string | undefined {
  const data = (err as { data?: { error?: string } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * Posts a public answer in a channel: join it (public channels), post, overflow and chart in the thread.
 * Returns false when the bot cannot post there (private channel it is not in, DM between users, …).
 */
export async function postInChannel(deps: SlackDeps, client: WebClient, channel: string, a: Answer): Promise<boolean> {
  if (channel.startsWith('C')) {
    try {
      await client.conversations.join({ channel });
    } catch (err) {
      deps.logger.info({ err: slackError(err) ?? String(err), channel }, 'could not join the channel');
    }
  }
  try {
    await postAnswer(deps, client, channel, a, undefined, true);
  } catch (err) {
    deps.logger.info({ err: slackError(err) ?? String(err), channel }, 'could not post in the channel');
    return false;
  }
  return true;
}

/** The hint under an ephemeral answer that has a chart (ephemeral messages cannot carry files). */
export const CHART_HINT = context('📈 Add `public` to the command (or press *Share in channel*) to post this with its chart in a thread.');

/**
 * Delivers an execution the way a slash command or message button asked: ephemeral by default, in the
 * channel when public. Used by /radar, the short forms and the message buttons.
 */
export async function deliverResponse(deps: SlackDeps, client: WebClient, reply: Reply, e: Execution, channelId: string | undefined, userId?: string): Promise<void> {
  const note = (text: string) => respondWith(deps, client, reply, { blocks: [section(text)], overflow: [], text });
  if (exportOf(e) && !(e.ok && e.public && channelId)) {
    // An ephemeral message cannot carry a file: the export goes to the asker's DM with the bot.
    if (userId) {
      await deliverToDm(deps, client, answerFor(deps, e, 'thread'), userId);
      await note(':inbox_tray: Your export is in your DM with me (add `public` to post it in this channel\'s thread instead).');
      return;
    }
    dropExport(e);
    await note('Add `public` to post the export file in a thread here.');
    return;
  }
  if (e.ok && e.public && channelId) {
    const a = answerFor(deps, e, 'thread');
    if (await postInChannel(deps, client, channelId, a)) return;
    await respondWith(deps, client, { ...reply, channelId }, a, 'in_channel');
    return;
  }
  const blocks = renderOrApology(deps, e);
  if (await chartable(e)) blocks.push(CHART_HINT);
  await respondWith(deps, client, { ...reply, userId: reply.userId ?? userId }, toAnswer(deps, blocks, 'ephemeral', e));
}

function renderOrApology(deps: SlackDeps, e: Execution): Block[] {
  try {
    return renderExecution(e);
  } catch (err) {
    const ref = newRef();
    deps.logger.error({ err, ref }, 'rendering failed');
    return [section(`:x: ${apology(ref)}`)];
  }
}

/** Posts an answer (and its chart) in a thread: mentions, DMs. */
export async function deliverInThread(deps: SlackDeps, client: WebClient, a: Answer, channel: string, threadTs: string): Promise<Sent> {
  return postAnswer(deps, client, channel, a, threadTs, true);
}

/** Posts an answer in the user's DM with the bot (App Home buttons), chart in its thread. */
export async function deliverToDm(deps: SlackDeps, client: WebClient, a: Answer, userId: string): Promise<Sent> {
  return postAnswer(deps, client, userId, a, undefined, true);
}

/**
 * Runs `fn`; if it throws, logs with a ref id and tells the user a short apology through `tell` (when
 * given). Listener bodies run inside this so no error reaches Slack as silence or a stack trace.
 */
export async function guarded(deps: SlackDeps, what: string, fn: () => Promise<void>, tell?: (text: string) => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const ref = newRef();
    deps.logger.error({ err, ref, what }, 'slack handler failed');
    if (tell) {
      try {
        await tell(apology(ref));
      } catch (err2) {
        deps.logger.error({ err: err2, ref, what }, 'could not send the apology either');
      }
    }
  }
}
