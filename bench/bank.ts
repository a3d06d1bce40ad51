/**
 * The Anonymous Bank call log (Feb 1999, ../shared/data) as half-hour intervals, for the real-data benches.
 * Never committed: read from the shared data folder beside the checkout when it is present.
 *
 * Conventions (as in bench/queueing.bench.ts): PHANTOM calls and VRU-only hang-ups are dropped; a queued call
 * arrives at q_start, a call answered straight from the VRU at ser_start; offered = served + abandoned from the
 * queue; SL = served with queue wait ≤ 20 s ÷ offered; AHT = mean service time (no wrap-up is recorded);
 * agents = distinct agents serving calls that arrived in the half-hour (staffing is not in the data);
 * wait totals = Σ queue waits of answered and of abandoned callers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BankHalfHour {
  /** 1999-02-DD */
  day: string;
  /** Half-hour index within the day (0–47). */
  slot: number;
  offered: number;
  abandoned: number;
  answeredWithin20: number;
  served: number;
  serviceSeconds: number;
  answeredWaitSeconds: number;
  abandonedWaitSeconds: number;
  agents: number;
}

const here = dirname(fileURLToPath(import.meta.url));

export function bankLogPath(): string | null {
  const candidates = [join(here, '..', '..', 'shared', 'data'), join(here, '..', '..', '..', 'shared', 'data'), '/work/shared/data'];
  for (const c of candidates) {
    const p = join(c, 'anonymous_bank_callcenter_feb1999', 'data_anonymous_bank_february.txt');
    if (existsSync(p)) return p;
  }
  return null;
}

/** Every half-hour with at least one offered call, in date and slot order. */
export function loadBankHalfHours(path: string): BankHalfHour[] {
  const sec = (s: string) => {
    const [h, m, x] = s.split(':').map(Number);
    return h * 3600 + m * 60 + x;
  };
  const ivs = new Map<string, BankHalfHour & { agentSet: Set<string> }>();
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split('\t');
    if (f.length < 17) continue;
    const outcome = f[12];
    if (outcome === 'PHANTOM') continue;
    const queued = f[9] !== '0:00:00';
    if (outcome === 'HANG' && !queued) continue;
    const dd = String(Number(f[5]) % 100).padStart(2, '0');
    const day = `1999-02-${dd}`;
    const arrival = queued ? sec(f[9]) : sec(f[13]);
    const slot = Math.floor(arrival / 1800);
    const key = `${day}/${slot}`;
    let iv = ivs.get(key);
    if (!iv) {
      iv = { day, slot, offered: 0, abandoned: 0, answeredWithin20: 0, served: 0, serviceSeconds: 0, answeredWaitSeconds: 0, abandonedWaitSeconds: 0, agents: 0, agentSet: new Set() };
      ivs.set(key, iv);
    }
    const wait = Number(f[11]);
    iv.offered++;
    if (outcome === 'HANG') {
      iv.abandoned++;
      iv.abandonedWaitSeconds += wait;
      continue;
    }
    iv.served++;
    iv.answeredWaitSeconds += wait;
    iv.serviceSeconds += Number(f[15]);
    if (wait <= 20) iv.answeredWithin20++;
    if (f[16] !== 'NO_SERVER') iv.agentSet.add(f[16]);
  }
  return [...ivs.values()]
    .map(({ agentSet, ...iv }) => ({ ...iv, agents: agentSet.size }))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.slot - b.slot));
}

export const bankAht = (iv: BankHalfHour) => (iv.served > 0 ? iv.serviceSeconds / iv.served : 0);
