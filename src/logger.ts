/**
 * The process logger (pino). Secrets never reach the log: known secret fields and HTTP authorization
 * headers are censored wherever they appear in a logged object (e.g. an error carrying its request).
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export const REDACT_PATHS = [
  'token', '*.token', 'botToken', '*.botToken', 'appToken', '*.appToken', 'signingSecret', '*.signingSecret',
  'apiKey', '*.apiKey', 'SLACK_BOT_TOKEN', '*.SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', '*.SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET', '*.SLACK_SIGNING_SECRET', 'OPENAI_API_KEY', '*.OPENAI_API_KEY',
  'headers.authorization', 'headers.Authorization', '*.headers.authorization', '*.headers.Authorization',
  '*.*.headers.authorization', '*.*.headers.Authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
