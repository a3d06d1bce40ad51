/**
 * Prompt templates from prompts/*.md: one file per task, with a `## system` and a `## user` section and
 * {placeholders}. Files are read once per process and cached; a missing placeholder value is an error
 * (a prompt silently missing its facts would invite invention).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export const PROMPT_DIR = join(PROJECT_ROOT, 'prompts');

export type PromptName = 'explain_why' | 'explain_drift' | 'explain_whatif' | 'explain_risk' | 'explain_sla' | 'summarise_tickets' | 'answer_question' | 'route';

export interface PromptTemplate {
  name: string;
  system: string;
  user: string;
}

const cache = new Map<string, PromptTemplate>();

/** Parses a prompt file: text under `## system` and `## user` headings (anything before them is a comment). */
export function parsePrompt(name: string, text: string): PromptTemplate {
  const sections: Record<string, string[]> = {};
  let current: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const h = line.match(/^##\s+(system|user)\s*$/i);
    if (h) {
      current = h[1].toLowerCase();
      sections[current] = [];
    } else if (current) sections[current].push(line);
  }
  if (!sections.system || !sections.user) throw new Error(`prompt ${name}: needs a "## system" and a "## user" section`);
  return { name, system: sections.system.join('\n').trim(), user: sections.user.join('\n').trim() };
}

export function loadPrompt(name: PromptName | string, dir = PROMPT_DIR): PromptTemplate {
  const key = `${dir}/${name}`;
  let p = cache.get(key);
  if (!p) {
    p = parsePrompt(name, readFileSync(join(dir, `${name}.md`), 'utf8'));
    cache.set(key, p);
  }
  return p;
}

/** Replaces {name} placeholders; throws on a placeholder without a value. Values are inserted verbatim once (no re-expansion). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (m, k: string) => {
    if (!(k in values)) throw new Error(`prompt placeholder {${k}} has no value`);
    return values[k];
  });
}

/** Both messages of a prompt with the values filled in. */
export function render(name: PromptName | string, values: Record<string, string>, dir = PROMPT_DIR): { system: string; user: string } {
  const p = loadPrompt(name, dir);
  return { system: fill(p.system, values), user: fill(p.user, values) };
}
