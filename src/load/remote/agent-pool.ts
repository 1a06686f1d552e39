import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentConnection } from './agent-connection.js';
import { AGENT_PROTOCOL, newNonce, parseMessage, refusal, type Challenge, type Hello } from './agent-protocol.js';

// The coordinator's listener: agents dial in, prove they hold the token, and wait in the pool until a
// scenario takes them. An agent that joins while a scenario runs waits for the next one. Lines for the
// user (joined, refused, lost) go to `log`; the token is never among them.

/** An agent has this long after connecting to prove it holds the token. */
const HELLO_TIMEOUT_MS = 10_000;
/** Pings keep a silent link honest: an agent that answers none for this long is dropped as lost. */
const PING_INTERVAL_MS = 5_000;
const PONG_TIMEOUT_MS = 30_000;
/** How long agents get to read the goodbye and close their side when the run ends. */
const BYE_GRACE_MS = 2_000;

export interface AgentPoolOptions {
  host: string;
  port: number;
  token: string;
  version: string;
  /** PEM certificate and key: the listener speaks wss:// (TLS); absent: ws://. */
  tls?: { cert: string; key: string };
  log: (line: string) => void;
}

export class AgentPool {
  private readonly idle: AgentConnection[] = [];
  private readonly all = new Set<AgentConnection>();
  private readonly waiters = new Set<() => void>();
  private readonly names = new Set<string>();
  private closing = false;

  private constructor(
    private readonly server: http.Server | https.Server,
    private readonly wss: WebSocketServer,
    private readonly options: AgentPoolOptions,
  ) {
    wss.on('connection', (socket, request) => this.greet(socket, request.socket.remoteAddress ?? '?'));
  }

  static async listen(options: AgentPoolOptions): Promise<AgentPool> {
    const server = options.tls === undefined ? http.createServer() : https.createServer(options.tls);
    const wss = new WebSocketServer({ server });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new AgentPool(server, wss, options);
  }

  /** `ws://HOST:PORT` (or wss://) as agents reach it, with the port actually bound. */
  get url(): string {
    const address = this.server.address() as net.AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.options.tls === undefined ? 'ws' : 'wss'}://${host}:${address.port}`;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  private uniqueName(agentId: string, host: string): string {
    const base = `${agentId}@${host}`;
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}#${n}`;
    this.names.add(name);
    return name;
  }

  private greet(socket: WebSocket, address: string): void {
    const challenge: Challenge = {
      type: 'challenge',
      nonce: newNonce(),
      version: this.options.version,
      protocol: AGENT_PROTOCOL,
    };
    const timer = setTimeout(() => socket.terminate(), HELLO_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.once('message', (data) => {
      clearTimeout(timer);
      const hello = parseMessage(data) as Hello | null;
      if (hello === null || hello.type !== 'hello') {
        socket.terminate();
        return;
      }
      const why = refusal(hello, this.options.token, challenge.nonce, this.options.version);
      if (why !== null || this.closing) {
        const reason = why ?? 'the run is over';
        this.options.log(
          `refused an agent from ${address} (${String(hello.agentId)}@${String(hello.host)}): ${reason}`,
        );
        socket.send(JSON.stringify({ type: 'refused', reason }));
        socket.close(1008, 'refused');
        return;
      }
      const agent = new AgentConnection(
        this.uniqueName(String(hello.agentId), String(hello.host)),
        String(hello.agentId),
        String(hello.host),
        address,
        socket,
      );
      this.adopt(agent, socket);
      socket.send(JSON.stringify({ type: 'welcome', name: agent.name }));
      this.options.log(`agent ${agent.name} joined from ${address} (${this.all.size} connected)`);
    });
    socket.send(JSON.stringify(challenge));
  }

  private adopt(agent: AgentConnection, socket: WebSocket): void {
    this.all.add(agent);
    this.idle.push(agent);
    let lastPong = Date.now();
    socket.on('pong', () => (lastPong = Date.now()));
    const ping = setInterval(() => {
      if (Date.now() - lastPong > PONG_TIMEOUT_MS) socket.terminate();
      else socket.ping();
    }, PING_INTERVAL_MS);
    socket.on('message', (data) => {
      const message = parseMessage(data);
      if (message !== null) agent.answer(message);
    });
    socket.on('close', (code) => {
      clearInterval(ping);
      this.all.delete(agent);
      this.names.delete(agent.name);
      const at = this.idle.indexOf(agent);
      if (at >= 0) this.idle.splice(at, 1);
      const detail = code === 1000 ? 'it closed its connection' : `its connection dropped (code ${code})`;
      if (!this.closing) this.options.log(`agent ${agent.name} left: ${detail}`);
      agent.closed(detail, agent.cycle);
    });
    for (const wake of this.waiters) wake();
  }

  /**
   * Takes `count` idle agents for a scenario, waiting up to `waitMs` for enough to be there.
   * Throws with what was missing when they do not come in time.
   */
  async take(count: number, waitMs: number, signal: AbortSignal): Promise<AgentConnection[]> {
    const deadline = Date.now() + waitMs;
    while (this.idle.length < count) {
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) {
        throw new Error(
          `${this.idle.length} of ${count} agents connected to ${this.url} ` +
            `${signal.aborted ? 'before the run was stopped' : `within ${Math.round(waitMs / 1000)} s`}`,
        );
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        signal.addEventListener('abort', done, { once: true });
        this.waiters.add(done);
      });
    }
    return this.idle.splice(0, count);
  }

  /** Agents back to the pool after a scenario (the lost ones are gone already). */
  giveBack(agents: readonly AgentConnection[]): void {
    for (const agent of agents) if (agent.lost === null && this.all.has(agent)) this.idle.push(agent);
    for (const wake of this.waiters) wake();
  }

  /** The run is over: every agent is told so (they exit 0), and the listener closes. */
  async close(): Promise<void> {
    this.closing = true;
    const sockets = [...this.wss.clients];
    for (const agent of this.all) agent.bye();
    // Time for the goodbyes to be read before what is left is cut.
    await Promise.race([
      Promise.all(
        sockets.map(
          (s) => new Promise((resolve) => (s.readyState === s.CLOSED ? resolve(null) : s.once('close', resolve))),
        ),
      ),
      new Promise((resolve) => setTimeout(resolve, BYE_GRACE_MS)),
    ]);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
