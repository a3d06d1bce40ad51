/**
 * Tokenising the text after a command name. Quotes group words; `--key value`, `--key=value` and
 * `key=value` become key/value options; everything else stays positional. The same text comes from
 * `/radar …`, a CLI argv joined with spaces, or the rule-based router.
 */
import { distance } from 'fastest-levenshtein';

export interface Tokens {
  positional: string[];
  options: Record<string, string>;
  /** Keys of `options` written as `--flag` (not `key=value`): a flag no grammar reads is an error. */
  flags?: string[];
}

/** Flags that take no value on the CLI. */
const BOOLEAN_FLAGS = new Set(['json', 'public', 'help', 'fresh', 'reset', 'dry-run', 'route-only', 'all', 'quick']);

export function splitWords(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|“([^”]*)”|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

export function tokenize(input: string | string[]): Tokens {
  const words = Array.isArray(input) ? input : splitWords(input);
  const positional: string[] = [];
  const options: Record<string, string> = {};
  const flags: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const long = w.match(/^--([a-z][\w-]*)(?:=(.*))?$/i);
    if (long) {
      const key = long[1].toLowerCase();
      flags.push(key);
      if (long[2] !== undefined) options[key] = long[2];
      else if (BOOLEAN_FLAGS.has(key) || i + 1 >= words.length || words[i + 1].startsWith('--')) options[key] = 'true';
      else options[key] = words[++i];
      continue;
    }
    const kv = w.match(/^([a-z][\w-]*)=(.*)$/i);
    if (kv) {
      options[kv[1].toLowerCase()] = kv[2];
      continue;
    }
    positional.push(w);
  }
  return { positional, options, flags };
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-.]+/g, '');

/**
 * Resolves a user's queue word to a known queue: exact (any case), then ignoring spaces/underscores/dashes,
 * then a unique prefix, then the closest within edit distance 2 (typos). Null when nothing is close.
 */
export function matchQueue(word: string, queues: readonly string[]): string | null {
  const w = norm(word);
  if (!w) return null;
  const exact = queues.find((q) => q.toLowerCase() === word.toLowerCase()) ?? queues.find((q) => norm(q) === w);
  if (exact) return exact;
  const prefix = queues.filter((q) => norm(q).startsWith(w) && w.length >= 3);
  if (prefix.length === 1) return prefix[0];
  if (w.length < 4) return null;
  let best: string | null = null;
  let bestD = Infinity;
  for (const q of queues) {
    const d = distance(w, norm(q));
    if (d < bestD) {
      bestD = d;
      best = q;
    }
  }
  return bestD <= (w.length >= 7 ? 2 : 1) ? best : null;
}

/** The closest of `candidates` to `word` ("did you mean …"), or null if nothing is near. */
export function closest(word: string, candidates: readonly string[], maxDistance = 3): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= maxDistance ? best : null;
}
