import type net from 'node:net';
import type { AuthenticateError, Client } from 'aedes';
import { startAedesBroker, type RunningBroker } from './embedded-broker.js';

// mqleak's own broker at the far end of the target's bridge: the target connects to it as a client,
// so mqleak decides when the link goes down (it closes the bridge's connection), how long it stays down
// (it refuses reconnects), and sees every message the bridge forwards. It runs in mqleak's process:
// only the target is sampled, and the peer's own memory does not count.

/** How the peer refuses the bridge while it is "down": the three ways a real remote broker is unreachable. */
export const REFUSE_MODES = ['down', 'unavailable', 'close'] as const;
export type RefuseMode = (typeof REFUSE_MODES)[number];

/** How the peer drops the bridge's connection: a FIN (the remote closed) or an RST (the network broke). */
export const DROP_MODES = ['close', 'reset'] as const;
export type DropMode = (typeof DROP_MODES)[number];

/** CONNACK return code 3, "server unavailable": how an MQTT 3.1.1 broker says "not now". */
const SERVER_UNAVAILABLE = 3;
/** A dropped connection is gone once the peer has seen it close; bounded so a stuck socket cannot hang a cycle. */
const DROP_CONFIRM_TIMEOUT_MS = 2000;

/** One bridge connection the peer accepted (CONNACK sent). */
export interface PeerConnection {
  clientId: string;
  /** Counts accepted connections since the peer started: 1 for the first. */
  generation: number;
  /** Date.now() when it was accepted. */
  atMs: number;
}

type ConnectionWaiter = { afterGeneration: number; resolve: (connection: PeerConnection | null) => void };

export class PeerBroker {
  private readonly clients = new Set<Client>();
  private readonly waiters = new Set<ConnectionWaiter>();
  private readonly publishHandlers = new Set<(topic: string, payload: Buffer) => void>();
  private refusing: RefuseMode | null = null;
  private last: PeerConnection | null = null;
  /** TCP connections that reached the peer: tells "nothing ever tried" from "tried and failed". */
  tcpConnections = 0;
  /** Connection attempts refused while refusing ('unavailable', 'close'; 'down' refuses before TCP). */
  refusedAttempts = 0;

  private constructor(
    private readonly broker: RunningBroker,
    readonly host: string,
    readonly port: number,
  ) {
    const { aedes, server } = broker;
    server.prependListener('connection', () => this.tcpConnections++);
    // A bridge publishes its link state on $SYS/... (Mosquitto's notifications): Aedes refuses client
    // publishes on $SYS by default and would drop the bridge for it.
    aedes.authorizePublish = (_client, _packet, callback) => callback(null);
    aedes.preConnect = (_client, _packet, callback) => {
      if (this.refusing !== 'close') return callback(null, true);
      this.refusedAttempts++;
      callback(new Error('mqleak peer: refusing the bridge'), false);
    };
    aedes.authenticate = (_client, _username, _password, callback) => {
      if (this.refusing !== 'unavailable') return callback(null, true);
      this.refusedAttempts++;
      const error = Object.assign(new Error('mqleak peer: server unavailable'), {
        returnCode: SERVER_UNAVAILABLE,
      }) as AuthenticateError;
      callback(error, null);
    };
    aedes.on('clientReady', (client) => {
      this.clients.add(client);
      const connection: PeerConnection = {
        clientId: client.id,
        generation: (this.last?.generation ?? 0) + 1,
        atMs: Date.now(),
      };
      this.last = connection;
      for (const waiter of [...this.waiters]) {
        if (connection.generation > waiter.afterGeneration) {
          this.waiters.delete(waiter);
          waiter.resolve(connection);
        }
      }
    });
    aedes.on('clientDisconnect', (client) => this.clients.delete(client));
    aedes.on('publish', (packet, client) => {
      if (client === null) return; // the peer's own publishes, and its $SYS heartbeat
      for (const handler of this.publishHandlers) handler(packet.topic, packet.payload as Buffer);
    });
  }

  /** Starts the peer on host:port (port 0: a free port). */
  static async start(host: string, port: number): Promise<PeerBroker> {
    const broker = await startAedesBroker(host, port);
    return new PeerBroker(broker, host, broker.port);
  }

  /** `host:port`, as a bridge's configuration writes it. */
  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  get connectedCount(): number {
    return this.clients.size;
  }

  /** The latest accepted connection's generation (0 before the first). */
  get generation(): number {
    return this.last?.generation ?? 0;
  }

  /** Calls `handler` for every message a client (the bridge) publishes to the peer. */
  onPublish(handler: (topic: string, payload: Buffer) => void): () => void {
    this.publishHandlers.add(handler);
    return () => this.publishHandlers.delete(handler);
  }

  /** Publishes on the peer, to whatever the bridge subscribed. */
  publish(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> {
    return new Promise((resolve, reject) => {
      this.broker.aedes.publish({ cmd: 'publish', topic, payload, qos, retain: false, dup: false }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** The first connection accepted after `afterGeneration`; null on timeout or abort. */
  waitForConnection(afterGeneration: number, timeoutMs: number, signal: AbortSignal): Promise<PeerConnection | null> {
    if (this.last !== null && this.last.generation > afterGeneration) return Promise.resolve(this.last);
    return new Promise((resolve) => {
      const finish = (connection: PeerConnection | null): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        resolve(connection);
      };
      const waiter: ConnectionWaiter = { afterGeneration, resolve: finish };
      const onAbort = (): void => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Closes every bridge connection from the peer's side; resolves with how many, once the peer saw them close. */
  async drop(mode: DropMode): Promise<number> {
    const clients = [...this.clients];
    await Promise.all(
      clients.map(
        (client) =>
          new Promise<void>((resolve) => {
            const socket = client.conn as net.Socket;
            const timer = setTimeout(resolve, DROP_CONFIRM_TIMEOUT_MS);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            // No RST once our FIN is under way (libuv refuses it and node never closes the handle: see resetTcp).
            if (mode === 'reset' && typeof socket.resetAndDestroy === 'function' && !socket.writableEnded)
              socket.resetAndDestroy();
            else socket.destroy();
          }),
      ),
    );
    return clients.length;
  }

  /** Refuses new bridge connections until accept(): `down` stops listening, the others answer and close. */
  async refuse(mode: RefuseMode): Promise<void> {
    this.refusing = mode;
    if (mode === 'down') this.broker.server.close();
  }

  async accept(): Promise<void> {
    const wasDown = this.refusing === 'down';
    this.refusing = null;
    if (!wasDown) return;
    const { server } = this.broker;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.port, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const waiter of [...this.waiters]) waiter.resolve(null);
    this.publishHandlers.clear();
    this.refusing = null;
    await this.drop('close');
    // A server already closed by refuse('down') calls back at once (with an error, which does not matter here).
    await this.broker.close();
  }
}
