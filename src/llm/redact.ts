/**
 * Redaction of customer text before it leaves the process (LLM prompts, embedding requests): emails,
 * phone numbers and card numbers. The implementation lives with retrieval (which redacts what it embeds);
 * this is the LLM layer's entry point.
 */
import { redact, luhnValid, type RedactionCounts } from '../engines/retrieval/index.js';

export { redact, luhnValid, type RedactionCounts };

/** Redacts every string inside a JSON-able value (ticket objects, engine results quoting ticket text). */
export function redactDeep<T>(value: T, counts?: RedactionCounts): T {
  if (typeof value === 'string') return redact(value, counts) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, counts)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, counts);
    return out as T;
  }
  return value;
}
