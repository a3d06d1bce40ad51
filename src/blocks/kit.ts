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

/**
 * Truncates to `max` UTF-16 units, ending with an ellipsis when cut. Never leaves half a surrogate pair or a
 * half entity (`&am…`) behind, so clipped escaped text still renders as text.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && amp > cut - 6 && !text.slice(amp, cut).includes(';') && /^&(amp|lt|gt);/.test(text.slice(amp, amp + 5))) cut = amp;
  return text.slice(0, cut) + '…';
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

/**
 * Characters a block contributes to the message total: every string in it except the `type` tags. Slack
 * counts roughly the text content; counting ids and values too keeps us on the safe side of its ~12k cap.
 */
export function blockChars(b: Block): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') n += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'type') walk(x);
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

export interface BudgetOptions {
  /** Blocks per message (50 for messages; 100 for modals and Home). */
  maxBlocks?: number;
  /** Characters per message (Slack's undocumented cap is ~12k; we budget 10k). */
  maxChars?: number;
  /** The note ending the main message when there is more; `more` = number of further messages. */
  note?: (more: number) => string;
}

const threadNote = (more: number) => `_…continued in the thread (${more} more ${more === 1 ? 'message' : 'messages'})._`;

/**
 * Fits blocks into Slack's per-message limits, in order. What doesn't fit goes to further messages (thread
 * replies, or follow-up ephemerals), and the main message ends with a note saying where the rest is.
 * A header is never left as the last block of a page: it moves to the next page with what it introduces.
 * Greedy, O(blocks). Every page holds ≤ maxBlocks blocks and ≤ maxChars characters (a single block can
 * hold at most 3000 + a few hundred, so any block fits an empty page).
 */
export function budget(blocks: Block[], opts: BudgetOptions = {}): Budgeted {
  const maxBlocks = opts.maxBlocks ?? LIMITS.blocksPerMessage;
  const maxChars = opts.maxChars ?? LIMITS.messageChars;
  const note = opts.note ?? threadNote;
  // Room on every page for the note (one context block of at most ~200 characters).
  const pageBlocks = maxBlocks - 1;
  const pageChars = maxChars - 200;
  const pages: Block[][] = [];
  let page: Block[] = [];
  let chars = 0;
  for (const b of blocks) {
    const c = blockChars(b);
    if (page.length && (page.length + 1 > pageBlocks || chars + c > pageChars)) {
      const carry: Block[] = [];
      while (page.length > 1 && page[page.length - 1].type === 'header') carry.unshift(page.pop()!);
      pages.push(page);
      page = carry;
      chars = carry.reduce((s, x) => s + blockChars(x), 0);
    }
    page.push(b);
    chars += c;
  }
  if (page.length) pages.push(page);
  if (pages.length <= 1) return { blocks: pages[0] ?? [], overflow: [] };
  const [first, ...rest] = pages;
  return { blocks: [...first, context(note(rest.length))], overflow: rest };
}

/**
 * Cuts blocks to one surface that cannot overflow into further messages (a modal, the Home tab): keeps the
 * first blocks that fit and ends with `note` when anything was left out.
 */
export function fitView(blocks: Block[], note: string, maxBlocks: number = LIMITS.blocksPerView): Block[] {
  if (blocks.length <= maxBlocks) return blocks;
  const kept = blocks.slice(0, maxBlocks - 1);
  while (kept.length > 1 && kept[kept.length - 1].type === 'header') kept.pop();
  return [...kept, context(note)];
}

/**
 * Checks blocks against the limits we rely on and returns every problem found (empty = valid). Used by the
 * tests on every builder and, at run time, to log a warning before Slack would reject a message.
 */
export function validateBlocks(blocks: Block[], surface: 'message' | 'view' = 'message'): string[] {
  const problems: string[] = [];
  const max = surface === 'message' ? LIMITS.blocksPerMessage : LIMITS.blocksPerView;
  if (blocks.length > max) problems.push(`${blocks.length} blocks > ${max}`);
  const total = blocks.reduce((s, b) => s + blockChars(b), 0);
  if (surface === 'message' && total > LIMITS.messageChars) problems.push(`${total} characters > ${LIMITS.messageChars}`);
  const textOf = (t: unknown): string | null => (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? (t as { text: string }).text : null);
  blocks.forEach((b, i) => {
    const where = `block ${i} (${b.type})`;
    const text = textOf(b.text);
    if (b.type === 'header') {
      if (text === null || text.length === 0) problems.push(`${where}: empty header`);
      else if (text.length > LIMITS.headerText) problems.push(`${where}: header ${text.length} > ${LIMITS.headerText}`);
    }
    if (b.type === 'section') {
      const f = b.fields as unknown[] | undefined;
      if (text === null && !f?.length) problems.push(`${where}: section without text or fields`);
      if (text !== null && text.length > LIMITS.sectionText) problems.push(`${where}: text ${text.length} > ${LIMITS.sectionText}`);
      if (text !== null && text.length === 0) problems.push(`${where}: empty text`);
      if (f && f.length > LIMITS.fields) problems.push(`${where}: ${f.length} fields > ${LIMITS.fields}`);
      for (const x of f ?? []) {
        const t = textOf(x);
        if (t !== null && t.length > LIMITS.fieldText) problems.push(`${where}: field ${t.length} > ${LIMITS.fieldText}`);
      }
    }
    if (b.type === 'context') {
      const els = (b.elements as unknown[] | undefined) ?? [];
      if (!els.length || els.length > LIMITS.contextElements) problems.push(`${where}: ${els.length} elements`);
      for (const e of els) {
        const t = textOf(e);
        if (t !== null && t.length > LIMITS.sectionText) problems.push(`${where}: element ${t.length} > ${LIMITS.sectionText}`);
      }
    }
    if (b.type === 'actions') {
      const els = (b.elements as Block[] | undefined) ?? [];
      if (!els.length || els.length > 25) problems.push(`${where}: ${els.length} elements`);
      for (const e of els) {
        const t = textOf(e.text);
        if (e.type === 'button' && (t === null || t.length === 0 || t.length > LIMITS.buttonText)) problems.push(`${where}: button text length ${t?.length ?? 0}`);
        if (typeof e.value === 'string' && e.value.length > LIMITS.buttonValue) problems.push(`${where}: value ${e.value.length} > ${LIMITS.buttonValue}`);
        if (typeof e.action_id === 'string' && e.action_id.length > 255) problems.push(`${where}: action_id too long`);
      }
    }
    if (typeof b.block_id === 'string' && b.block_id.length > 255) problems.push(`${where}: block_id too long`);
  });
  return problems;
}

/**
 * A plain-text fallback for notifications and screen readers, derived from the blocks (header, sections,
 * fields, context). The blocks' text is already escaped, so the fallback is too.
 */
export function fallbackText(blocks: Block[], max = 3000): string {
  const parts: string[] = [];
  const take = (t: unknown) => {
    const s = t && typeof t === 'object' ? (t as { text?: unknown }).text : undefined;
    if (typeof s === 'string' && s.trim()) parts.push(s);
  };
  for (const b of blocks) {
    if (b.type === 'header' || b.type === 'section') take(b.text);
    if (b.type === 'section') for (const f of (b.fields as unknown[] | undefined) ?? []) take(f);
    if (b.type === 'context') for (const e of (b.elements as unknown[] | undefined) ?? []) take(e);
  }
  const text = clip(parts.join('\n').replace(/```/g, ''), max);
  return text || 'SLA Radar';
}
