// Bookkeeping of one direction of messages through a bridge: every message carries a sequence number,
// so a cycle can say how many were sent, arrived, arrived twice, or never arrived, and which of them were
// sent while the link was down. No I/O here.

import type { FlowTally } from '../../core/report-model.js';

type Waiter = () => void;

export class FlowLedger {
  private next = 0;
  private cycleStart = 0;
  /** Arrivals per sequence number of the current cycle. */
  private readonly arrivals = new Map<number, number>();
  /** Outages of the current cycle as [first, end) sequence ranges. */
  private outages: Array<[number, number]> = [];
  private late = 0;
  private highest = -1;
  private readonly waiters = new Set<Waiter>();

  /** The sequence number the next message gets. */
  get nextSeq(): number {
    return this.next;
  }

  /** The highest sequence number that has arrived (-1: none yet). */
  get highestArrived(): number {
    return this.highest;
  }

  /** Takes the next sequence number for a message about to be sent. */
  send(): number {
    return this.next++;
  }

  /** One arrival of message `seq` (its payload as received). Unknown payloads are ignored. */
  receive(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.next) return;
    if (seq < this.cycleStart) {
      // Its own cycle is already counted: note it here rather than rewrite an earlier cycle's figures.
      this.late++;
    } else {
      this.arrivals.set(seq, (this.arrivals.get(seq) ?? 0) + 1);
    }
    if (seq > this.highest) this.highest = seq;
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Messages numbered from `first` up to (not including) `end` were sent while the link was down. */
  markOutage(first: number, end: number): void {
    const from = Math.max(first, this.cycleStart);
    if (end > from) this.outages.push([from, Math.min(end, this.next)]);
  }

  /** Whether some message numbered `fromSeq` or later has arrived. */
  arrivedSince(fromSeq: number): boolean {
    return this.highest >= fromSeq;
  }

  private inOutage(seq: number): boolean {
    return this.outages.some(([first, end]) => seq >= first && seq < end);
  }

  /** Whether every message of the current cycle sent outside an outage has arrived: the ones that should. */
  allExpectedArrived(): boolean {
    for (let seq = this.cycleStart; seq < this.next; seq++) {
      if (!this.arrivals.has(seq) && !this.inOutage(seq)) return false;
    }
    return true;
  }

  /** Counts the current cycle and starts the next one. */
  closeCycle(): FlowTally {
    const sent = this.next - this.cycleStart;
    let duplicated = 0;
    for (const count of this.arrivals.values()) duplicated += count - 1;
    let sentInOutage = 0;
    let lostInOutage = 0;
    for (let seq = this.cycleStart; seq < this.next; seq++) {
      if (!this.inOutage(seq)) continue;
      sentInOutage++;
      if (!this.arrivals.has(seq)) lostInOutage++;
    }
    const tally: FlowTally = {
      sent,
      delivered: this.arrivals.size,
      lost: sent - this.arrivals.size,
      sentInOutage,
      lostInOutage,
      duplicated,
      late: this.late,
    };
    this.arrivals.clear();
    this.outages = [];
    this.late = 0;
    this.cycleStart = this.next;
    return tally;
  }

  /** Resolves true as soon as `done()` holds after an arrival (or at once), false on timeout or abort. */
  waitFor(done: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    if (signal.aborted || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(check);
        resolve(result);
      };
      const check = (): void => {
        if (done()) finish(true);
      };
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
    });
  }
}

/** A message's payload: its sequence number in decimal, nothing else (small, and cheap for the broker). */
export function encodeSeq(seq: number): Buffer {
  return Buffer.from(String(seq));
}

export function decodeSeq(payload: Buffer | string): number {
  const text = payload.toString();
  return /^\d{1,15}$/.test(text) ? Number(text) : -1;
}
