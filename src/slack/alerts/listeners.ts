/**
 * Alert buttons and modals: Acknowledge, Snooze 1 h / 4 h / until tomorrow / custom (modal), Mute rule, Why?,
 * Run what-if; and the new-rule modal behind `/radar alerts add` without text. Handlers ack at once, change the
 * alert's state in SQLite, and re-render the message (who acknowledged or snoozed is shown) with the app's
 * interactive client — never the fan-out client, whose queue a 429 may be pausing.
 */
import type { App, BlockAction, ButtonAction, SlackCommandMiddlewareArgs, AllMiddlewareArgs, ViewSubmitAction, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { execute, renderBlocks } from '../../execute.js';
import { esc, section, context, type Block } from '../../blocks/kit.js';
import { buildParseContext } from '../../parseContext.js';
import { canChange, finishRule, parseDurationMinutes, parseRuleTokens, describeRule, type Rule } from '../../alerts/rules.js';
import { tokenize } from '../../grammar/tokens.js';
import { UsageError } from '../../registry.js';
import { getRule, getState, insertRule, logEvent, setAck, setMute, setSnooze } from '../../alerts/store.js';
import type { AlertView } from '../../alerts/view.js';
import { localMidnightUtc, localParts, addDays } from '../../time.js';
import { WarehouseView } from '../../alerts/data.js';
import { likelyDriver } from '../../alerts/explain.js';
import { staticEngines } from '../../alerts/engines.js';
import { ACTIONS, alertBlocks, alertText, type ButtonValue } from './messages.js';
import { RULE_MODAL, SNOOZE_MODAL, blockForError, ruleModal, ruleTextFromModal, snoozeModal, type RuleModalMetadata, type SnoozeMetadata } from './modals.js';

type WebClient = webApi.WebClient;
const FOREVER = 253_402_300_799_000;

function parseValue(raw: string | undefined): ButtonValue | null {
  try {
    const v = JSON.parse(raw ?? '') as ButtonValue;
    return typeof v.r === 'number' && typeof v.s === 'string' && typeof v.k === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** The alert's current view with the latest ack / snooze / mute folded in; null when the episode is over. */
export function currentView(deps: SlackDeps, v: ButtonValue): AlertView | null {
  const st = getState(deps.db, v.r, v.s);
  if (!st?.view) return null;
  const view = JSON.parse(st.view) as AlertView;
  if (view.key !== v.k) return null;
  const rule = getRule(deps.db, v.r);
  return { ...view, ackedBy: st.ackedBy, ackedAt: st.ackedAt, snoozedBy: st.snoozedBy, snoozedUntil: st.snoozedUntil, mutedUntil: rule?.mutedUntil ?? null };
}

/** Re-renders the alert message in place (the clicked message, else the one recorded for the alert). */
async function refresh(deps: SlackDeps, client: WebClient, v: ButtonValue, where: { channel?: string | null; ts?: string | null }): Promise<void> {
  const view = currentView(deps, v);
  if (!view) return;
  const st = getState(deps.db, v.r, v.s);
  const channel = where.channel ?? st?.messageChannel;
  const ts = where.ts ?? st?.messageTs;
  if (!channel || !ts) return;
  try {
    await client.chat.update({ channel, ts, text: alertText(view), blocks: alertBlocks(view, deps.now().getTime()) as never });
  } catch (err) {
    deps.logger.warn({ err, rule: v.r, scope: v.s }, 'alerts: could not refresh the alert message');
  }
}

function messageWhere(body: BlockAction): { channel: string | null; ts: string | null } {
  const c = body.container as { channel_id?: string; message_ts?: string } | undefined;
  return { channel: c?.channel_id ?? body.channel?.id ?? null, ts: c?.message_ts ?? (body.message as { ts?: string } | undefined)?.ts ?? null };
}

/** Next local morning (08:00, or the start of the rule's business hours) after `now`. */
export function tomorrowMorning(rule: Rule | null, now: number): number {
  const tz = rule?.spec.tz ?? 'UTC';
  const minute = rule?.spec.hours?.from ?? 8 * 60;
  const today = localParts(now, tz).date;
  return localMidnightUtc(addDays(today, 1), tz) + minute * 60_000;
}

/** "90m", "2h", "1d" → now + duration; "17:30" → the next 17:30 in `tz`. Null when unreadable. */
export function snoozeUntil(input: string, now: number, tz: string): number | null {
  const t = input.trim().toLowerCase().replace(/^(for|until)\s+/, '');
  const hm = t.match(/^(\d{1,2}):(\d{2})$/);
  if (hm) {
    const minute = Number(hm[1]) * 60 + Number(hm[2]);
    if (Number(hm[1]) > 23 || Number(hm[2]) > 59) return null;
    const today = localParts(now, tz).date;
    let at = localMidnightUtc(today, tz) + minute * 60_000;
    if (at <= now) at = localMidnightUtc(addDays(today, 1), tz) + minute * 60_000;
    return at;
  }
  const m = parseDurationMinutes(t);
  return m && m > 0 && m <= 30 * 1440 ? now + m * 60_000 : null;
}

async function ephemeral(client: WebClient, channel: string | null, user: string, text: string, blocks?: Block[]): Promise<void> {
  if (channel) await client.chat.postEphemeral({ channel, user, text, ...(blocks ? { blocks: blocks as never } : {}) });
  else await client.chat.postMessage({ channel: user, text, ...(blocks ? { blocks: blocks as never } : {}) });
}

export function registerButtons(app: App, deps: SlackDeps): void {
  const guarded = (name: string, fn: (args: { body: BlockAction; action: ButtonAction; client: WebClient }) => Promise<void>) =>
    app.action<BlockAction<ButtonAction>>(name, async ({ ack, body, action, client }) => {
      await ack();
      try {
        await fn({ body, action, client });
      } catch (err) {
        deps.logger.error({ err, action: name }, 'alerts: button handler failed');
        try {
          await ephemeral(client, body.channel?.id ?? null, body.user.id, ':x: Sorry — that did not work on our side. The team can find the details in the logs.');
        } catch {
          /* nothing more to do */
        }
      }
    });

  guarded(ACTIONS.ack, async ({ body, action, client }) => {
    const v = parseValue(action.value);
    if (!v) return;
    const now = deps.now().getTime();
    setAck(deps.db, v.r, v.s, body.user.id, now);
    logEvent(deps.db, { ruleId: v.r, scope: v.s, kind: 'acked', at: now, value: null, actor: body.user.id, detail: v.k });
    await refresh(deps, client, v, messageWhere(body));
  });

  const snooze = (name: string, until: (rule: Rule | null, now: number) => number) =>
    guarded(name, async ({ body, action, client }) => {
      const v = parseValue(action.value);
      if (!v) return;
      const now = deps.now().getTime();
      const t = until(getRule(deps.db, v.r), now);
      setSnooze(deps.db, v.r, v.s, t, body.user.id, now);
      logEvent(deps.db, { ruleId: v.r, scope: v.s, kind: 'snoozed', at: now, value: null, actor: body.user.id, detail: String(t) });
      await refresh(deps, client, v, messageWhere(body));
    });
  snooze(ACTIONS.snooze1h, (_r, now) => now + 3_600_000);
  snooze(ACTIONS.snooze4h, (_r, now) => now + 4 * 3_600_000);
  snooze(ACTIONS.snoozeTomorrow, (r, now) => tomorrowMorning(r, now));

  guarded(ACTIONS.snoozeCustom, async ({ body, action, client }) => {
    const v = parseValue(action.value);
    if (!v) return;
    const where = messageWhere(body);
    const meta: SnoozeMetadata = { ...v, c: where.channel, t: where.ts };
    await client.views.open({ trigger_id: body.trigger_id, view: snoozeModal(meta, v.s) as never });
  });

  guarded(ACTIONS.mute, async ({ body, action, client }) => {
    const v = parseValue(action.value);
    if (!v) return;
    const rule = getRule(deps.db, v.r);
    const where = messageWhere(body);
    if (!rule) return ephemeral(client, where.channel, body.user.id, `Rule #${v.r} no longer exists.`);
    if (!canChange(rule, body.user.id, deps.config.RADAR_ADMINS)) {
      const who = rule.createdBy ? `its creator (<@${rule.createdBy}>)` : 'whoever set it up';
      return ephemeral(client, where.channel, body.user.id, `Sorry — only ${who} or a Radar admin can mute rule #${rule.id}. You can snooze this alert instead.`);
    }
    const now = deps.now().getTime();
    setMute(deps.db, rule.id, FOREVER, body.user.id, now);
    logEvent(deps.db, { ruleId: rule.id, scope: '*', kind: 'muted', at: now, value: null, actor: body.user.id, detail: null });
    await refresh(deps, client, v, where);
    await ephemeral(client, where.channel, body.user.id, `Rule #${rule.id} muted: its state is still tracked, nothing is posted until \`/radar alerts unmute ${rule.id}\`.`);
  });

  guarded(ACTIONS.why, async ({ body, action, client }) => {
    const v = parseValue(action.value);
    if (!v) return;
    const where = messageWhere(body);
    const view = currentView(deps, v) ?? (JSON.parse(getState(deps.db, v.r, v.s)?.view ?? 'null') as AlertView | null);
    const line = view?.whyCommand;
    if (line && deps.registry.get(line.split(' ')[0])) {
      const e = await execute(deps.registry, line, { db: deps.db, now: deps.now(), config: deps.config, surface: 'slack', userId: body.user.id, channelId: where.channel ?? undefined, log: deps.logger });
      if (e.ok) return ephemeral(client, where.channel, body.user.id, `Why: ${line}`, renderBlocks(e).slice(0, 49));
    }
    // No `why` command in this build: attribute today's SL change here (same engine, same comparison).
    const blocks: Block[] = [];
    const wv = new WarehouseView(deps.db, deps.config.RADAR_TZ);
    const src = wv.rowsOf(v.s);
    const d = src ? likelyDriver(src, deps.now().getTime(), staticEngines()) : null;
    if (d) {
      blocks.push(section(`*Why is ${esc(v.s)} off today?* SL ${d.observedDelta >= 0 ? '+' : '−'}${Math.abs(d.observedDelta).toFixed(1)} pts vs the same weekday of the last 4 weeks; the queue model explains ${d.modelDelta >= 0 ? '+' : '−'}${Math.abs(d.modelDelta).toFixed(1)} pts:\n${d.facts.map((f) => `• ${esc(f.text)}`).join('\n')}`));
      blocks.push(context(`Exact Shapley attribution over arrivals, talk, ACW and agents (contributions sum to the modelled change); residual ${d.residual.toFixed(1)} pts.`));
    } else blocks.push(section(view?.driver ? `*Likely driver:* ${esc(view.driver)}` : `Not enough history on ${esc(v.s)} to attribute today's change.`));
    await ephemeral(client, where.channel, body.user.id, `Why: ${v.s}`, blocks);
  });

  guarded(ACTIONS.whatif, async ({ body, action, client }) => {
    const v = parseValue(action.value);
    if (!v) return;
    const where = messageWhere(body);
    const view = JSON.parse(getState(deps.db, v.r, v.s)?.view ?? 'null') as AlertView | null;
    const line = view?.whatIf?.command;
    if (line && deps.registry.get('whatif')) {
      const e = await execute(deps.registry, line, { db: deps.db, now: deps.now(), config: deps.config, surface: 'slack', userId: body.user.id, channelId: where.channel ?? undefined, log: deps.logger });
      if (e.ok) return ephemeral(client, where.channel, body.user.id, `What-if: ${line}`, renderBlocks(e).slice(0, 49));
      deps.logger.warn({ line, message: e.message }, 'alerts: what-if line was not accepted');
    }
    await ephemeral(client, where.channel, body.user.id, view?.whatIf?.text ?? 'No what-if for this alert.', [section(esc(view?.whatIf?.text ?? 'No what-if for this alert.'))]);
  });

  app.view<ViewSubmitAction>(SNOOZE_MODAL, async ({ ack, body, view, client }) => {
    const meta = JSON.parse(view.private_metadata || '{}') as SnoozeMetadata;
    const raw = (view.state.values.duration?.value as { value?: string } | undefined)?.value ?? '';
    const rule = getRule(deps.db, meta.r);
    const now = deps.now().getTime();
    const until = snoozeUntil(raw, now, rule?.spec.tz ?? deps.config.ALERTS_TZ);
    if (until === null) {
      await ack({ response_action: 'errors', errors: { duration: 'Write a duration (90m, 2h, 1d — at most 30 days) or a time (17:30).' } });
      return;
    }
    await ack();
    setSnooze(deps.db, meta.r, meta.s, until, body.user.id, now);
    logEvent(deps.db, { ruleId: meta.r, scope: meta.s, kind: 'snoozed', at: now, value: null, actor: body.user.id, detail: String(until) });
    await refresh(deps, client, meta, { channel: meta.c, ts: meta.t });
  });
}

/** `/radar alerts add` with no rule text opens the modal instead of answering with a usage error. */
export function registerRuleModal(app: App, deps: SlackDeps): void {
  app.use(async (args) => {
    const a = args as unknown as Partial<SlackCommandMiddlewareArgs> & AllMiddlewareArgs;
    const cmd = a.command;
    if (cmd && a.ack && /^\/radar/.test(cmd.command) && /^\s*alerts?\s+(add|new|create)\s*$/i.test(cmd.text ?? '')) {
      await a.ack();
      try {
        const queues = new WarehouseView(deps.db, deps.config.RADAR_TZ).queues.map((q) => q.queue);
        const meta: RuleModalMetadata = { channel: cmd.channel_id ?? null };
        await a.client.views.open({ trigger_id: cmd.trigger_id, view: ruleModal(queues, meta) as never });
      } catch (err) {
        deps.logger.error({ err }, 'alerts: could not open the rule modal');
      }
      return;
    }
    await a.next();
  });

  app.view<ViewSubmitAction>(RULE_MODAL, async (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs) => {
    const { ack, body, view, client } = args;
    const meta = JSON.parse(view.private_metadata || '{}') as RuleModalMetadata;
    const { text, missing } = ruleTextFromModal(view.state.values as never);
    if (Object.keys(missing).length) {
      await ack({ response_action: 'errors', errors: missing });
      return;
    }
    const now = deps.now();
    let rule: Rule;
    try {
      const pctx = buildParseContext(deps.db, deps.config, now);
      const patch = parseRuleTokens(tokenize(text), pctx, { mode: 'full' });
      const tz = patch.tz ?? (patch.scope?.kind === 'queues' && patch.scope.queues.length === 1 ? pctx.queueTz(patch.scope.queues[0]) : deps.config.ALERTS_TZ);
      const spec = finishRule(patch, tz);
      await ack();
      rule = insertRule(deps.db, spec, text, body.user.id, now.getTime());
      logEvent(deps.db, { ruleId: rule.id, scope: '*', kind: 'rule_added', at: now.getTime(), value: null, actor: body.user.id, detail: text });
    } catch (err) {
      if (err instanceof UsageError) {
        await ack({ response_action: 'errors', errors: { [blockForError(err.message)]: err.message.slice(0, 150) } });
        return;
      }
      await ack();
      deps.logger.error({ err }, 'alerts: rule modal failed');
      return;
    }
    const msg = `Added alert rule #${rule.id}: ${describeRule(rule.spec)}. Test it with \`/radar alerts test ${rule.id}\`; replay history with \`/radar alerts backtest --rule ${rule.id}\`.`;
    try {
      await ephemeral(client, meta.channel, body.user.id, msg);
    } catch {
      // Not in that channel (or it is gone): tell the author in a DM instead.
      await client.chat.postMessage({ channel: body.user.id, text: msg }).catch((err) => deps.logger.warn({ err }, 'alerts: could not confirm a new rule'));
    }
  });
}
