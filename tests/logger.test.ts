import { it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logger.js';

it('censors secrets wherever they appear in a logged object', () => {
  let out = '';
  const sink = new Writable({ write(c, _e, cb) { out += c.toString(); cb(); } });
  const log = createLogger('info', sink);
  log.info({ config: { SLACK_BOT_TOKEN: 'xoxb-secret-1', OPENAI_API_KEY: 'sk-secret-2', PORT: 3000 }, err: { request: { headers: { Authorization: 'Bearer xoxb-secret-3' } } }, token: 'xapp-secret-4' }, 'hello');
  expect(out).toContain('hello');
  expect(out).toContain('3000');
  for (const s of ['xoxb-secret-1', 'sk-secret-2', 'xoxb-secret-3', 'xapp-secret-4']) expect(out).not.toContain(s);
});
