/**
 * The what-if modal (opened by the `open_whatif` button): queue, date, hours and levers. The submission is
 * read and checked here (pure); errors go back to the modal field by field (`response_action: errors`).
 */
import { z } from 'zod';
import { clip, context, type Block } from '../blocks/kit.js';
import { isIsoDate } from '../grammar/dates.js';

export const WHATIF_CALLBACK = 'whatif_submit';
export const BLOCK = { queue: 'queue', date: 'date', hours: 'hours', levers: 'levers' } as const;
const ACTION = 'value';

/** What the submit handler needs to answer: where the button was pressed. ≤ 3000 chars as private_metadata. */
export const whatifMetaSchema = z.object({ channel: z.string().optional(), user: z.string().optional() });
export type WhatifMeta = z.infer<typeof whatifMetaSchema>;

export interface ModalView {
  type: 'modal';
  callback_id?: string;
  title: { type: 'plain_text'; text: string };
  submit?: { type: 'plain_text'; text: string };
  close: { type: 'plain_text'; text: string };
  private_metadata?: string;
  blocks: Block[];
}

const plain = (text: string, max = 75) => ({ type: 'plain_text' as const, text: clip(text, max) });

export function whatifModal(o: { queues: { queue: string; displayName: string }[]; queue?: string; date: string; meta: WhatifMeta }): ModalView {
  const known = o.queues.find((q) => q.queue === o.queue);
  const queueElement: Record<string, unknown> =
    o.queues.length && o.queues.length <= 100
      ? {
          type: 'static_select',
          action_id: ACTION,
          placeholder: plain('Choose a queue'),
          options: o.queues.map((q) => ({ text: plain(q.displayName || q.queue), value: clip(q.queue, 150) })),
          ...(known ? { initial_option: { text: plain(known.displayName || known.queue), value: clip(known.queue, 150) } } : {}),
        }
      : { type: 'plain_text_input', action_id: ACTION, placeholder: plain('billing'), ...(o.queue ? { initial_value: o.queue } : {}) };
  return {
    type: 'modal',
    callback_id: WHATIF_CALLBACK,
    title: plain('What-if', 24),
    submit: plain('Run', 24),
    close: plain('Cancel', 24),
    private_metadata: clip(JSON.stringify(o.meta), 3000),
    blocks: [
      { type: 'input', block_id: BLOCK.queue, label: plain('Queue'), element: queueElement },
      { type: 'input', block_id: BLOCK.date, label: plain('Day'), element: { type: 'datepicker', action_id: ACTION, initial_date: o.date } },
      {
        type: 'input',
        block_id: BLOCK.hours,
        optional: true,
        label: plain('Hours (local to the queue)'),
        hint: plain('e.g. 9-12 or 09:30-11:00; empty = the whole day', 150),
        element: { type: 'plain_text_input', action_id: ACTION, placeholder: plain('9-12') },
      },
      {
        type: 'input',
        block_id: BLOCK.levers,
        label: plain('Changes'),
        hint: plain('e.g. +3 agents, aht -10%, acw -15s, volume +20%', 150),
        element: { type: 'plain_text_input', action_id: ACTION, placeholder: plain('+3 agents aht -10%') },
      },
      context('The answer compares SL, occupancy and risk with the day as it was (or is forecast).'),
    ],
  };
}

/** A modal that only says something (e.g. what-if is not available yet). */
export function infoModal(title: string, mrkdwn: string): ModalView {
  return { type: 'modal', title: plain(title, 24), close: plain('Close', 24), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn, 3000) } }] };
}

type StateValues = Record<string, Record<string, { type?: string; value?: string | null; selected_date?: string | null; selected_option?: { value?: string } | null }>>;

export type WhatifForm = { ok: true; queue: string; date: string; hours: string | null; levers: string; line: string } | { ok: false; errors: Record<string, string> };

/** "9-12", "9–12", "09:30-11:00" → "09:00-12:00"; null when not a valid range within a day. */
export function normaliseHours(s: string): string | null {
  const m = s.trim().match(/^(\d{1,2})(?::(\d{2}))?\s*(?:-|–|—|to|\.\.)\s*(\d{1,2})(?::(\d{2}))?$/i);
  if (!m) return null;
  const a = Number(m[1]) * 60 + Number(m[2] ?? 0);
  const b = Number(m[3]) * 60 + Number(m[4] ?? 0);
  if (Number(m[2] ?? 0) >= 60 || Number(m[4] ?? 0) >= 60 || a >= b || b > 24 * 60) return null;
  const f = (x: number) => `${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
  return `${f(a)}-${f(b)}`;
}

/**
 * Reads the modal's state into a `whatif` command line, or field errors. Checks what the form can know
 * (known queue, a date, an hour range, some change); the command's own grammar checks the levers after.
 */
export function readWhatifForm(values: StateValues, knownQueues: string[]): WhatifForm {
  const get = (block: string) => values[block]?.[ACTION];
  const errors: Record<string, string> = {};
  const queueRaw = (get(BLOCK.queue)?.selected_option?.value ?? get(BLOCK.queue)?.value ?? '').trim();
  const queue = knownQueues.find((q) => q.toLowerCase() === queueRaw.toLowerCase());
  if (!queueRaw) errors[BLOCK.queue] = 'Choose a queue.';
  else if (!queue) errors[BLOCK.queue] = clip(`Unknown queue "${queueRaw}". Known: ${knownQueues.join(', ') || 'none loaded yet'}.`, 150);
  const date = get(BLOCK.date)?.selected_date ?? '';
  if (!date || !isIsoDate(date)) errors[BLOCK.date] = 'Pick a day.';
  const hoursRaw = (get(BLOCK.hours)?.value ?? '').trim();
  const hours = hoursRaw ? normaliseHours(hoursRaw) : null;
  if (hoursRaw && !hours) errors[BLOCK.hours] = 'Hours as a range within the day, e.g. 9-12 or 09:30-11:00.';
  const levers = (get(BLOCK.levers)?.value ?? '').trim().replace(/\s+/g, ' ');
  if (!levers) errors[BLOCK.levers] = 'Add at least one change, e.g. +3 agents or aht -10%.';
  else if (!/\d/.test(levers)) errors[BLOCK.levers] = 'Each change needs a number, e.g. +3 agents, aht -10%, volume +20%.';
  if (Object.keys(errors).length) return { ok: false, errors };
  // The grammar reads a quoted `queue=…` as one option, so ids with spaces survive.
  const word = /\s/.test(queue!) ? `"queue=${queue}"` : queue!;
  const line = ['whatif', word, date, hours, levers].filter(Boolean).join(' ');
  return { ok: true, queue: queue!, date, hours, levers, line };
}
