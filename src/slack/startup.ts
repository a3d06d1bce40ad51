/**
 * What `radar serve` needs from the environment, checked before anything starts: one message listing
 * every problem with what to set. Secrets are never echoed (only their first characters).
 */
import type { Config } from '../config.js';

export interface SlackSettings {
  mode: 'socket' | 'http';
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  /** Web API base URL ending with "/" (Bolt appends method names), when overridden. */
  apiUrl?: string;
  port: number;
}

export type SlackSettingsResult = { ok: true; settings: SlackSettings } | { ok: false; problems: string[] };

const peek = (s: string) => `${s.slice(0, 5)}…`;

export function slackSettings(c: Config): SlackSettingsResult {
  const problems: string[] = [];
  const bot = c.SLACK_BOT_TOKEN;
  if (!bot) problems.push('SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your app’s "OAuth & Permissions" page.');
  else if (!/^xoxb-[\w-]+$/.test(bot)) problems.push(`SLACK_BOT_TOKEN must be a bot token starting with xoxb- (it starts with "${peek(bot)}"): use the Bot User OAuth Token, not a user (xoxp-) or app (xapp-) token.`);
  const app = c.SLACK_APP_TOKEN;
  const mode = app ? 'socket' : 'http';
  if (app && !/^xapp-[\w-]+$/.test(app)) problems.push(`SLACK_APP_TOKEN must be an app-level token starting with xapp- (it starts with "${peek(app)}"): create one under "Basic Information → App-Level Tokens" with the connections:write scope — or unset it to use HTTP mode.`);
  const secret = c.SLACK_SIGNING_SECRET;
  if (mode === 'http') {
    if (!secret) problems.push('SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from "Basic Information → App Credentials" (or set SLACK_APP_TOKEN to use Socket Mode).');
    else if (/^xox|^xapp-/.test(secret) || /\s/.test(secret)) problems.push('SLACK_SIGNING_SECRET looks like a token, not the Signing Secret: copy it from "Basic Information → App Credentials".');
  }
  let apiUrl: string | undefined;
  if (c.SLACK_API_URL) {
    try {
      const u = new URL(c.SLACK_API_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      apiUrl = u.href.endsWith('/') ? u.href : `${u.href}/`;
    } catch {
      problems.push(`SLACK_API_URL must be an http(s) URL ending with /api/, e.g. https://slack.com/api/ (got "${c.SLACK_API_URL}").`);
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, settings: { mode, botToken: bot!, appToken: app, signingSecret: secret, apiUrl, port: c.PORT } };
}

export function formatProblems(problems: string[]): string {
  return [
    'SLA Radar cannot start the Slack app:',
    ...problems.map((p) => `  - ${p}`),
    'Set these in the environment or .env (see .env.example and docs/slack.md), then run `npm start` again.',
  ].join('\n');
}
