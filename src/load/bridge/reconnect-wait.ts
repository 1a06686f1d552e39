// How long to wait for a bridge to come back. Bridges back off: NanoMQ 0.20.8 waits 8 s, 16 s, then more
// (capped at 240 s, not configurable in that version), while Mosquitto with `restart_timeout 1 1` is back
// within ~2 s. A fixed wait fails a healthy bridge with a backoff, so the wait adapts to the delays seen:
// the next one may be RECONNECT_GROWTH times the longest so far (an exponential backoff doubles), up to
// RECONNECT_WAIT_CAP_MS. The user's reconnectTimeoutSeconds is the floor of the wait.

/** An exponential backoff doubles the delay; 3x leaves room for the doubling and a little jitter. */
export const RECONNECT_GROWTH = 3;
/** Above the longest backoff seen in real bridges (NanoMQ: 240 s); past it the bridge is judged gone. */
export const RECONNECT_WAIT_CAP_MS = 300_000;

export class ReconnectWait {
  private readonly seen: number[] = [];

  constructor(private readonly floorMs: number) {}

  observe(delayMs: number): void {
    this.seen.push(delayMs);
  }

  /** The wait for the next reconnect: the floor, or growth x the longest delay seen, capped. */
  nextWaitMs(): number {
    const longest = this.seen.length === 0 ? 0 : Math.max(...this.seen);
    return Math.max(this.floorMs, Math.min(RECONNECT_WAIT_CAP_MS, longest * RECONNECT_GROWTH));
  }

  /** For the error when the bridge did not come back: the delays seen so far (last few), in seconds. */
  describeSeen(): string {
    if (this.seen.length === 0) return 'no reconnect seen yet';
    const last = this.seen.slice(-5).map((ms) => `${(ms / 1000).toFixed(1)} s`);
    return `reconnect delays seen: ${this.seen.length > 5 ? '… ' : ''}${last.join(', ')}`;
  }
}
