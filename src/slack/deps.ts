/** What every listener gets: injected, never module-level (DESIGN §10). */
import type { Logger } from 'pino';
import type { WebClient } from '@slack/web-api';
import type { Db } from '../warehouse/db.js';
import { sqliteSql, type Sql } from '../warehouse/sql.js';
import type { Config } from '../config.js';
import type { Registry, CommandContext, AnyCommand } from '../registry.js';
import type { Execution } from '../execute.js';
import type { Block } from '../blocks/kit.js';
import type { Dispatcher } from './work/dispatch.js';
import type { ServerMemory } from './work/index.js';
import type { RadarMetrics } from '../metrics.js';

/** A natural-language answer (from src/llm): the numbers at once, the prose when it is ready. */
export interface QuestionAnswer {
  /** Plain-text answer; the fallback `text` of the message, and the body when neither blocks nor execution are given. */
  text?: string;
  /** Ready Block Kit (already escaped). When absent, `execution` is rendered, else `text` (escaped) in a section. */
  blocks?: Block[];
  /** The command run the answer rests on, when there is one: it gives the chart (e.g. sla → PNG in the thread). */
  execution?: Execution;
  /** The explanation (already escaped), posted as a further thread reply once it resolves. */
  explain?: () => Promise<Block[]>;
}

/** Where the question was asked: lets the answerer keep per-thread context for follow-ups ("and tech support?"). */
export interface ThreadRef {
  channel: string;
  threadTs: string;
}

/**
 * Runs the command a question was routed to, with its validated args: the Slack surface passes one that goes
 * through the same dispatcher as slash commands (worker threads, fair queue, busy answer).
 */
export type RunRouted = (command: AnyCommand, args: unknown) => Promise<Execution>;

/** Turns a question in plain words into an answer. Optional: without it, mentions/DMs take command lines only. */
export type AnswerQuestion = (question: string, ctx: CommandContext, thread?: ThreadRef, run?: RunRouted) => Promise<QuestionAnswer>;

/** How answer posts are retried (src/slack/retry.ts). */
export interface RetryPolicy {
  /** Attempts in all (default 8: about a minute of backoff). */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
}

export interface SlackDeps {
  db: Db;
  config: Config;
  registry: Registry;
  /** The clock (tests pin it). */
  now: () => Date;
  logger: Logger;
  answerQuestion?: AnswerQuestion;
  /** Where command lines run (worker threads behind a fair, bounded queue); absent: on this thread. */
  work?: Pick<Dispatcher, 'submit'> & Partial<Pick<Dispatcher, 'stats'>>;
  /** The process's memory and each command worker's heap (/healthz); createSlackApp supplies it. */
  memory?: () => Promise<ServerMemory>;
  /** How answer posts wait between retries (tests inject an instant sleep) and how often they retry. */
  sleep?: (ms: number) => Promise<void>;
  retry?: RetryPolicy;
  /**
   * The client answer posts (and charts, export uploads) are sent with: no retries of its own and 429s returned
   * with their Retry-After, so `deliver` (retry.ts) is the one layer that retries them. createSlackApp makes it
   * (the outbox sends with it too); absent, the listener's client is used.
   */
  deliveryClient?: WebClient;
  /** The app's metrics (/metrics, /healthz); createSlackApp makes one when absent. */
  metrics?: RadarMetrics;
  /**
   * What several `radar serve` processes share (event de-duplication, the outbox, alert intents): the Postgres
   * pool's async interface when RADAR_DB is a postgres:// URL; absent, `db` (see sharedSql).
   */
  shared?: Sql;
}

/** The store shared between server processes: deps.shared, or the SQLite warehouse itself. */
export function sharedSql(deps: Pick<SlackDeps, 'db' | 'shared'>): Sql {
  return (deps.shared ??= sqliteSql(deps.db));
}
