/**
 * Mentions and DMs: a command line is run as `/radar …`; a question in plain words goes to the pluggable
 * answerer (src/llm) when there is one, else the reply is help with examples. Always a thread reply.
 */
import type { webApi } from '@slack/bolt';
import { context, esc, section, type Block } from '../blocks/kit.js';
import { answerFor, attachChart, chartSteps, commandContext, deliverInThread, postAnswer, postSteps, runLine, toAnswer, renderExecution } from './answer.js';
import { enqueue, type Step } from './outbox.js';
import { asCommandLine, comingSoon, decodeSlackText, stripMention, slashLine } from './text.js';
import { sharedSql, type QuestionAnswer, type SlackDeps } from './deps.js';
import { parseCommandLine } from '../registry.js';
import { buildParseContext } from '../parseContext.js';

export interface Incoming {
  /** Raw text as Slack sent it (mentions, entities). */
  rawText: string;
  botUserId?: string;
  channel: string;
  /** Thread to reply in (the message's thread, or the message itself). */
  threadTs: string;
  userId?: string;
}

/** Subtypes (edits, deletions, joins, bot posts…) and messages from bots are not questions. */
export function isIgnorable(ev: { subtype?: string; bot_id?: string; user?: string }): boolean {
  return Boolean(ev.subtype) || Boolean(ev.bot_id) || !ev.user;
}

export async function answerConversation(deps: SlackDeps, client: webApi.WebClient, m: Incoming): Promise<void> {
  const text = decodeSlackText(stripMention(m.rawText, m.botUserId)).trim();
  const who = { userId: m.userId, channelId: m.channel };
  const line = asCommandLine(text, deps.registry);
  // With an answerer, only a line the grammar accepts runs directly ("why did billing drop?" starts with a
  // command word but is a question); without one, a command line runs and a mistake gets its usage help.
  const direct = line !== null && (!deps.answerQuestion || parseCommandLine(deps.registry, line, buildParseContext(deps.db, deps.config, deps.now())).ok);
  if (line !== null && direct) {
    const sl = slashLine('/radar', line, deps.registry);
    if (sl.kind === 'coming') {
      await deliverInThread(deps, client, toAnswer(deps, [section(comingSoon(sl.command))], 'thread'), m.channel, m.threadTs);
      return;
    }
    const e = await runLine(deps, sl.line, who, (text) => client.chat.postMessage({ channel: m.channel, thread_ts: m.threadTs, text }));
    await deliverInThread(deps, client, answerFor(deps, e, 'thread'), m.channel, m.threadTs);
    return;
  }
  if (text && deps.answerQuestion) {
    // Routing stays here (an LLM call is I/O; the rules are cheap); the routed command runs where slash
    // commands do: the dispatcher's fair queue and worker threads, with the same busy answer when it is full.
    const busyNote = (note: string) => client.chat.postMessage({ channel: m.channel, thread_ts: m.threadTs, text: note });
    const run = (command: { name: string }, args: unknown) => runLine(deps, text, who, busyNote, { command: command.name, args });
    const qa = await deps.answerQuestion(text, commandContext(deps, who), { channel: m.channel, threadTs: m.threadTs }, run);
    const blocks: Block[] = qa.blocks ?? (qa.execution ? renderExecution(qa.execution) : [section(esc(qa.text ?? ''))]);
    const a = toAnswer(deps, blocks, 'thread', qa.execution, qa.blocks || qa.execution ? undefined : qa.text);
    const sent = await postAnswer(deps, client, m.channel, a, m.threadTs);
    const channel = sent.refs.answer?.channel ?? m.channel;
    // Numbers first; the prose and the chart follow, each on its own — neither can take the answer down.
    // When the numbers wait in the outbox, the prose and chart follow them there, in order.
    if (sent.queued) await followInOutbox(deps, qa, m.channel, m.threadTs);
    else await Promise.all([explainInThread(deps, client, qa, channel, m.threadTs), attachChart(deps, client, qa.execution, channel, m.threadTs)]);
    return;
  }
  const help = await runLine(deps, 'help', who);
  const intro = text
    ? `I answer commands for now — plain-language questions are coming. Try one of these (no slash needed here), e.g. \`sla billing yesterday\`:`
    : 'Hi! Ask me with a command (no slash needed here), e.g. `sla billing yesterday`:';
  const blocks = [section(intro), ...renderExecution(help)];
  if (text) blocks.push(context(`You wrote: “${esc(text.slice(0, 200))}”`));
  await deliverInThread(deps, client, toAnswer(deps, blocks, 'thread', undefined), m.channel, m.threadTs);
}

/** The explanation and chart of an answer that waits in the outbox: stored behind it (sent in id order). */
async function followInOutbox(deps: SlackDeps, qa: QuestionAnswer, channel: string, threadTs: string): Promise<void> {
  const steps: Step[] = [];
  try {
    const blocks = qa.explain ? await qa.explain() : [];
    if (blocks.length) steps.push(...postSteps(channel, toAnswer(deps, blocks, 'thread'), threadTs));
  } catch (err) {
    deps.logger.warn({ err }, 'explanation failed (the numbers stand)');
  }
  steps.push(...chartSteps(qa.execution).map((s) => ({ ...s, channel, thread: threadTs })));
  if (steps.length) await enqueue(sharedSql(deps), 'explanation', steps, {}, deps.now().getTime(), 'behind an answer in the outbox', deps.logger);
}

async function explainInThread(deps: SlackDeps, client: webApi.WebClient, qa: QuestionAnswer, channel: string, threadTs: string): Promise<void> {
  if (!qa.explain) return;
  try {
    const blocks = await qa.explain();
    if (blocks.length) await postAnswer(deps, client, channel, toAnswer(deps, blocks, 'thread'), threadTs);
  } catch (err) {
    deps.logger.warn({ err }, 'explanation failed (the numbers stand)');
  }
}
