import type { MqttSession } from './mqtt-session.js';

/**
 * Long-lived sessions shared by the operations of a pattern (publishers, observers): one is lent per
 * operation in flight, so the pool grows to the concurrency and no further. A session the broker
 * closed is dropped and replaced by the next operation that needs one.
 */
export class SessionPool {
  private readonly idle: MqttSession[] = [];
  private readonly all = new Set<MqttSession>();
  private opened = 0;

  constructor(private readonly open: (serial: number) => Promise<MqttSession>) {}

  /** Lends a session to `body` and takes it back after, whatever the outcome. */
  async use<T>(body: (session: MqttSession) => Promise<T>): Promise<T> {
    let session = this.idle.pop();
    while (session?.closed === true) {
      this.all.delete(session);
      session = this.idle.pop();
    }
    if (session === undefined) {
      session = await this.open(this.opened++);
      this.all.add(session);
    }
    try {
      return await body(session);
    } finally {
      if (session.closed) this.all.delete(session);
      else this.idle.push(session);
    }
  }

  get size(): number {
    return this.all.size;
  }

  /** DISCONNECTs every session (for teardown, before the recovery phase). */
  async close(): Promise<void> {
    const sessions = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(sessions.map((session) => session.disconnect().catch(() => undefined)));
  }
}
