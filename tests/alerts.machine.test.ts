import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { initialState, step, type Effect, type MachineParams, type MachineState, type Observation, type Transition } from '../src/alerts/machine.js';

const MIN = 60_000;
const SLOT = 30 * MIN;

/** One observation per 30-minute interval k (value null = no calls). */
function ob(k: number, value: number | null, o: Partial<Observation> = {}): Observation {
  return { start: k * SLOT, at: (k + 1) * SLOT, value, threshold: 75, clear: null, critical: null, applicable: true, ...o };
}

const params = (o: Partial<MachineParams> = {}): MachineParams => ({ comparator: '<', minDurationMs: 0, cooldownMs: 0, repeatMs: null, severity: 'high', ...o });

interface Tick {
  effects: Effect[];
  transitions: Transition[];
  state: MachineState;
}

/** Feeds one observation per tick, settling at the observation's time, like the evaluator on schedule. */
function run(values: (number | null)[], p: MachineParams, silenced: boolean[] = [], extra: Partial<Observation> = {}): Tick[] {
  let s = initialState(0);
  const out: Tick[] = [];
  values.forEach((v, k) => {
    const o = ob(k, v, extra);
    const r = step(s, [o], o.at, silenced[k] ?? false, p);
    s = r.state;
    out.push({ effects: r.effects, transitions: r.transitions, state: s });
  });
  return out;
}

const kinds = (ticks: Tick[]) => ticks.map((t) => t.effects.map((e) => e.kind).join('+') || '-');

describe('state machine (examples)', () => {
  it('honours the minimum duration, then resolves on the first healthy interval', () => {
    const t = run([70, 70, 70, 80, 80], params({ minDurationMs: 2 * SLOT }));
    expect(kinds(t)).toEqual(['-', 'fire', '-', 'resolve', '-']);
    expect(t.map((x) => x.state.phase)).toEqual(['pending', 'firing', 'firing', 'ok', 'ok']);
    expect(t[1].effects[0]).toMatchObject({ firedAt: 0, value: 70 });
    expect(t[3].effects[0]).toMatchObject({ resolvedAt: 3 * SLOT, peak: 70 });
  });

  it('a breach shorter than the minimum duration never fires', () => {
    expect(kinds(run([70, 80, 70, 80, 70], params({ minDurationMs: 2 * SLOT })))).toEqual(['-', '-', '-', '-', '-']);
  });

  it('no data counts as not breached', () => {
    expect(kinds(run([70, null, 70], params()))).toEqual(['fire', 'resolve', 'fire']);
  });

  it('re-breach within the cooldown re-opens the same alert instead of posting a new one', () => {
    const t = run([70, 80, 70, 80, 80, 80, 70], params({ cooldownMs: 60 * MIN }));
    expect(kinds(t)).toEqual(['fire', 'resolve', 'reopen', 'resolve', '-', '-', 'fire']);
    expect(t[2].state.episode).toBe(1);
    expect(t[6].state.episode).toBe(2);
  });

  it('hysteresis: once firing it stays firing until the value clears the clear level', () => {
    expect(kinds(run([70, 77, 79, 81, 77], params(), [], { clear: 80 }))).toEqual(['fire', '-', '-', 'resolve', '-']);
  });

  it('severity escalates at the critical level and steps back, posting each change', () => {
    const t = run([70, 55, 58, 65, 90], params(), [], { critical: 60 });
    expect(kinds(t)).toEqual(['fire', 'severity', '-', 'severity', 'resolve']);
    expect(t[1].effects[0].severity).toBe('critical');
    expect(t[3].effects[0].severity).toBe('high');
  });

  it('repeats only when asked, on the repeat interval', () => {
    expect(kinds(run([70, 70, 70, 70, 70], params({ repeatMs: 60 * MIN })))).toEqual(['fire', '-', 'repeat', '-', 'repeat']);
    expect(kinds(run([70, 70, 70, 70, 70], params()))).toEqual(['fire', '-', '-', '-', '-']);
  });

  it('silence (snooze, mute, quiet hours) defers the post; a resolve is still told', () => {
    expect(kinds(run([70, 70, 70, 80], params(), [true, true, false, false]))).toEqual(['-', '-', 'fire', 'resolve']);
    expect(kinds(run([70, 70, 80], params(), [false, true, true]))).toEqual(['fire', '-', 'resolve']);
    // Fired and resolved while silenced: nothing was shown, so nothing to resolve.
    expect(kinds(run([70, 80, 80], params(), [true, true, false]))).toEqual(['-', '-', '-']);
  });

  it('outside business hours observations are ignored', () => {
    let s = initialState(0);
    const r1 = step(s, [ob(0, 70, { applicable: false })], SLOT, false, params());
    expect(r1.state.phase).toBe('ok');
    expect(r1.effects).toEqual([]);
    s = r1.state;
    expect(step(s, [ob(1, 70)], 2 * SLOT, false, params()).effects.map((e) => e.kind)).toEqual(['fire']);
  });

  it('an episode that starts and ends inside one catch-up batch posts nothing', () => {
    const r = step(initialState(0), [ob(0, 70), ob(1, 70), ob(2, 80)], 3 * SLOT, false, params());
    expect(r.transitions.map((t) => t.kind)).toEqual(['fired', 'resolved']);
    expect(r.effects).toEqual([]);
  });

  it('replaying already consumed observations changes nothing', () => {
    const a = step(initialState(0), [ob(0, 70)], SLOT, false, params());
    const b = step(a.state, [ob(0, 70)], SLOT, false, params());
    expect(b.effects).toEqual([]);
    expect(b.state).toEqual(a.state);
  });
});

// ------------------------------------------------------------------------------------------------ properties

const scenario = fc.record({
  values: fc.array(fc.option(fc.constantFrom(50, 60, 70, 74, 75, 76, 80, 90), { nil: null, freq: 8 }), { minLength: 1, maxLength: 80 }),
  silenced: fc.array(fc.boolean(), { maxLength: 80 }),
  minSlots: fc.integer({ min: 0, max: 4 }),
  cooldownSlots: fc.integer({ min: 0, max: 4 }),
  comparator: fc.constantFrom('<', '<=' as const),
});

const breached = (v: number | null, cmp: '<' | '<=') => v !== null && (cmp === '<' ? v < 75 : v <= 75);

describe('state machine (properties)', () => {
  it('no post without a transition: every effect is matched by an earlier phase change, and a quiet tick posts nothing', () => {
    fc.assert(
      fc.property(scenario, ({ values, silenced, minSlots, cooldownSlots, comparator }) => {
        const ticks = run(values, params({ comparator, minDurationMs: minSlots * SLOT, cooldownMs: cooldownSlots * SLOT }), silenced);
        const n = { fired: 0, reopened: 0, resolved: 0, fire: 0, reopen: 0, resolve: 0 };
        ticks.forEach((t, k) => {
          for (const tr of t.transitions) n[tr.kind]++;
          for (const e of t.effects) {
            expect(['fire', 'reopen', 'resolve']).toContain(e.kind); // no repeat, no severity change configured
            n[e.kind as 'fire' | 'reopen' | 'resolve']++;
          }
          expect(n.fire).toBeLessThanOrEqual(n.fired);
          expect(n.reopen).toBeLessThanOrEqual(n.reopened);
          expect(n.resolve).toBeLessThanOrEqual(n.resolved);
          const silenceEnded = k > 0 && (silenced[k - 1] ?? false) && !(silenced[k] ?? false);
          if (t.transitions.length === 0 && !silenceEnded) expect(t.effects).toEqual([]);
          expect(t.effects.length).toBeLessThanOrEqual(1);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('the minimum duration is honoured: an alert fires exactly when a breach run first lasts that long', () => {
    fc.assert(
      fc.property(scenario, ({ values, minSlots, comparator }) => {
        const ticks = run(values, params({ comparator, minDurationMs: minSlots * SLOT, cooldownMs: 0 }));
        // Independent reference: runs of consecutive breached intervals; a run fires when it spans minSlots
        // intervals (at least one), i.e. at its max(1, minSlots)-th interval, and fires once.
        const need = Math.max(1, minSlots);
        let runLen = 0;
        values.forEach((v, k) => {
          runLen = breached(v, comparator) ? runLen + 1 : 0;
          const fired = ticks[k].transitions.some((t) => t.kind === 'fired' || t.kind === 'reopened');
          expect(fired, `tick ${k}`).toBe(runLen === need);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('resolve only after firing: the message goes none → firing → resolved → firing …, never resolving what is not shown firing', () => {
    fc.assert(
      fc.property(scenario, ({ values, silenced, minSlots, cooldownSlots, comparator }) => {
        const ticks = run(values, params({ comparator, minDurationMs: minSlots * SLOT, cooldownMs: cooldownSlots * SLOT }), silenced);
        let shown: 'none' | 'firing' | 'resolved' = 'none';
        let phaseFiring = false;
        for (const t of ticks) {
          for (const tr of t.transitions) {
            if (tr.kind === 'resolved') expect(phaseFiring).toBe(true);
            else expect(phaseFiring).toBe(false);
            phaseFiring = tr.kind !== 'resolved';
            if (tr.kind === 'fired') shown = 'none';
          }
          for (const e of t.effects) {
            if (e.kind === 'resolve') {
              expect(shown).toBe('firing');
              shown = 'resolved';
            } else if (e.kind === 'fire') {
              expect(shown).toBe('none');
              shown = 'firing';
            } else if (e.kind === 'reopen') {
              expect(shown).toBe('resolved');
              shown = 'firing';
            }
          }
          expect(t.state.shown).toBe(shown);
          // Unless silenced, what the message shows agrees with the phase after every tick.
          if (!silenced[ticks.indexOf(t)]) expect(shown === 'firing').toBe(t.state.phase === 'firing');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('while silenced nothing new is posted; when silence ends a still-firing alert is posted once', () => {
    fc.assert(
      fc.property(scenario, ({ values, silenced, minSlots }) => {
        const ticks = run(values, params({ minDurationMs: minSlots * SLOT, cooldownMs: 0 }), silenced);
        ticks.forEach((t, k) => {
          if (silenced[k]) expect(t.effects.filter((e) => e.kind !== 'resolve')).toEqual([]);
          else if (t.state.phase === 'firing') expect(t.state.shown).toBe('firing');
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('minimum duration and cooldown count watched, present windows only', () => {
  const H = 60 * MIN;
  /** A 30-minute window starting at local clock time `hh:mm` of day `d` (0 = first evening's day). */
  const at = (d: number, hh: number, mm: number) => d * 24 * H + hh * H + mm * MIN;
  const win = (start: number, value: number | null, applicable = true): Observation => ({ start, at: start + SLOT, value, threshold: 75, clear: null, critical: null, applicable });
  /** Feeds each observation in its own tick at its end, as the scheduler does. */
  function feed(obs: Observation[], p: MachineParams) {
    let s = initialState(obs[0].start);
    return obs.map((o) => {
      const r = step(s, [o], o.at, false, p);
      s = r.state;
      return { o, ...r };
    });
  }
  const p90 = params({ minDurationMs: 90 * MIN });

  for (const night of [27, 28])
    it(`90 min: a breach at 17:30, ${night} out-of-hours windows, then breaches from 08:00 fire at 09:30 with firedAt 08:00`, () => {
      const obs: Observation[] = [win(at(0, 17, 30), 70)];
      // The night (breached too, but not watched), ending at 07:30 or — 27 windows — with 07:30's row missing.
      for (let k = 0; k < night; k++) obs.push(win(at(0, 18, 0) + k * SLOT, 60, false));
      for (let k = 0; k < 4; k++) obs.push(win(at(1, 8, 0) + k * SLOT, 70));
      const ticks = feed(obs, p90);
      const fired = ticks.filter((t) => t.effects.some((e) => e.kind === 'fire'));
      expect(fired).toHaveLength(1);
      expect(fired[0].o.at).toBe(at(1, 9, 30)); // 08:00, 08:30, 09:00 watched: 90 minutes at 09:30
      expect(fired[0].effects[0].firedAt).toBe(at(1, 8, 0));
      expect(ticks[0].state.phase).toBe('pending');
      expect(ticks[1].state.phase).toBe('ok'); // the first unwatched window breaks the run
    });

  it('missing rows between two breached windows reset the run', () => {
    // 10:00 and 10:30 breached, 11:00 and 11:30 missing, then 12:00 and 12:30 breached: no run of 90 watched minutes.
    const obs = [win(at(0, 10, 0), 70), win(at(0, 10, 30), 70), win(at(0, 12, 0), 70), win(at(0, 12, 30), 70)];
    const ticks = feed(obs, p90);
    expect(ticks.flatMap((t) => t.effects)).toEqual([]);
    expect(ticks[2].state.breachSince).toBe(at(0, 12, 0));
    // One more breached window makes 12:00–13:30 a run of 90 minutes: it fires, since 12:00.
    const more = feed([...obs, win(at(0, 13, 0), 70)], p90);
    expect(more[4].effects.map((e) => e.kind)).toEqual(['fire']);
    expect(more[4].effects[0].firedAt).toBe(at(0, 12, 0));
  });

  it('contiguous breached windows (no gap) still fire at the minimum duration', () => {
    const ticks = feed([0, 1, 2].map((k) => win(at(0, 10, 0) + k * SLOT, 70)), p90);
    expect(ticks.map((t) => t.effects.map((e) => e.kind).join())).toEqual(['', '', 'fire']);
  });

  describe('cooldown boundary (60 min = two watched healthy windows)', () => {
    const p = params({ cooldownMs: 60 * MIN });
    const episode = (healthy: Observation[], rebreach: number) => {
      const obs = [win(at(0, 9, 0), 70), ...healthy, win(rebreach, 70)];
      return feed(obs, p);
    };
    it('re-breach after one healthy window (30 min watched) reopens the same alert', () => {
      const t = episode([win(at(0, 9, 30), 80)], at(0, 10, 0));
      expect(t.map((x) => x.effects.map((e) => e.kind).join())).toEqual(['fire', 'resolve', 'reopen']);
      expect(t[2].state.episode).toBe(1);
    });
    it('re-breach right after exactly 60 watched minutes posts a new alert', () => {
      const t = episode([win(at(0, 9, 30), 80), win(at(0, 10, 0), 80)], at(0, 10, 30));
      expect(t.map((x) => x.effects.map((e) => e.kind).join())).toEqual(['fire', 'resolve', '', 'fire']);
      expect(t[3].state.episode).toBe(2);
      expect(t[2].state.phase).toBe('ok');
    });
    it('missing rows do not count toward the cooldown: one healthy window, an hour missing, re-breach → reopen', () => {
      const t = episode([win(at(0, 9, 30), 80)], at(0, 11, 0));
      expect(t.map((x) => x.effects.map((e) => e.kind).join())).toEqual(['fire', 'resolve', 'reopen']);
    });
    it('out-of-hours windows do not count toward the cooldown either', () => {
      const night = Array.from({ length: 6 }, (_, k) => win(at(0, 10, 0) + k * SLOT, 80, false));
      const t = episode([win(at(0, 9, 30), 80), ...night], at(0, 13, 0));
      expect(t[t.length - 1].effects.map((e) => e.kind)).toEqual(['reopen']);
    });
  });
});
