/**
 * Block Kit as plain JSON (no Slack SDK): small builders, escaping, and a budget that keeps every message
 * within Slack's limits. Commands use these to render; the Slack surface posts what they return.
 * Limits (STACK.md): 50 blocks per message (100 in modals/Home), section text ≤ 3000 chars, ≤ 10 fields of
 * ≤ 2000 chars, header ≤ 150 chars, button text ≤ 75, value ≤ 2000, ~12k chars per message (budget 10k).
 */
export type Block = Record<string, unknown> & { type: string };

export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  messageChars: 10_000,
} as const;

/** Escapes data-derived text for mrkdwn: only &, < and > (so data can never inject <!channel> or links). */
export function esc(text: unknown): string {
  return String(text ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Truncates to `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)) + '…';
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

/** A mrkdwn section; `text` must already be escaped where it holds data. */
export function section(text: string, accessory?: Block): Block {
  const b: Block = { type: 'section', text: { type: 'mrkdwn', text: clip(text, LIMITS.sectionText) } };
  if (accessory) b.accessory = accessory;
  return b;
}

export function fields(items: string[]): Block {
  return {
    type: 'section',
    fields: items.slice(0, LIMITS.fields).map((t) => ({ type: 'mrkdwn', text: clip(t, LIMITS.fieldText) })),
  };
}

export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn', text: clip(t, LIMITS.sectionText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value?: string;
  style?: 'primary' | 'danger';
  url?: string;
}

export function button(b: ButtonSpec): Block {
  const out: Block = { type: 'button', text: { type: 'plain_text', text: clip(b.text, LIMITS.buttonText), emoji: true }, action_id: b.actionId };
  if (b.value !== undefined) out.value = clip(b.value, LIMITS.buttonValue);
  if (b.style) out.style = b.style;
  if (b.url) out.url = b.url;
  return out;
}

export function actions(buttons: ButtonSpec[], blockId?: string): Block {
  const b: Block = { type: 'actions', elements: buttons.slice(0, 25).map(button) };
  if (blockId) b.block_id = blockId;
  return b;
}

/** A preformatted (monospace) section; splits long text over several sections at line breaks. */
export function codeSections(text: string): Block[] {
  const max = LIMITS.sectionText - 8;
  const out: Block[] = [];
  let chunk: string[] = [];
  let len = 0;
  for (const line of text.split('\n')) {
    const l = clip(line, max);
    if (len + l.length + 1 > max && chunk.length) {
      out.push(section('```' + chunk.join('\n') + '```'));
      chunk = [];
      len = 0;
    }
    chunk.push(l);
    len += l.length + 1;
  }
  if (chunk.length) out.push(section('```' + chunk.join('\n') + '```'));
  return out;
}

/** Characters a block contributes to the message total (its JSON text content, roughly what Slack counts). */
export function blockChars(b: Block): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') n += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k === 'text' || k === 'elements' || k === 'fields' || typeof x === 'object') walk(x);
  };
  walk(b);
  return n;
}

export interface Budgeted {
  /** Blocks for the main message (within limits). */
  blocks: Block[];
  /** Further messages (each within limits) to post as thread replies; empty when everything fits. */
  overflow: Block[][];
}

/**
 * Fits blocks into Slack's per-message limits. What doesn't fit goes to follow-up messages (thread replies),
 * and the main message ends with a note saying the full list is in the thread.
 */
export function budget(blocks: Block[], maxBlocks: number = LIMITS.blocksPerMessage, maxChars: number = LIMITS.messageChars): Budgeted {
  const pages: Block[][] = [];
  let page: Block[] = [];
  let chars = 0;
  const reserve = 1; // room for the "continued in thread" note
  for (const b of blocks) {
    const c = blockChars(b);
    if (page.length && (page.length + 1 > maxBlocks - reserve || chars + c > maxChars - 200)) {
      pages.push(page);
      page = [];
      chars = 0;
    }
    page.push(b);
    chars += c;
  }
  if (page.length) pages.push(page);
  if (pages.length <= 1) return { blocks: pages[0] ?? [], overflow: [] };
  const [first, ...rest] = pages;
  return { blocks: [...first, context(`_…continued in the thread (${rest.length} more ${rest.length === 1 ? 'message' : 'messages'})._`)], overflow: rest };
}

/** A plain-text fallback for notifications, derived from the blocks. */
export function fallbackText(blocks: Block[], max = 3000): string {
  const parts: string[] = [];
  for (const b of blocks) {
    const t = (b.text as { text?: string } | undefined)?.text;
    if (typeof t === 'string') parts.push(t);
  }
  return clip(parts.join('\n').replace(/```/g, ''), max);
}
