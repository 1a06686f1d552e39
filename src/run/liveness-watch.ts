import { readFile } from 'node:fs/promises';
import type { Credentials } from '../core/credentials.js';
import { targetError, type MqleakError } from '../core/errors.js';
import type { BrokerAddress } from '../net/broker-address.js';
import { dial, type Link } from '../net/transport.js';
import { encodeConnect } from '../load/wire/connect-packet.js';
import { FrameError, packetEnd } from '../load/wire/packet-framer.js';

// A broker that stops answering (SIGSTOP'd, deadlocked, a listener that accepts and never speaks) leaves
// every load connection waiting: without this watch a run could wait on it for ever. One MQTT connection
// of mqleak's own sends PINGREQ at an interval; a broker that does not answer a CONNECT or a PINGREQ within
// ANSWER_BOUND_MS has stopped answering, and the run ends with exit 3 and the evidence (how long, the
// process state). See docs/reliability.md.

/**
 * How long the broker may take to answer the watch's CONNECT or PINGREQ. A healthy broker answers a PINGREQ
 * in milliseconds even under mqleak's load (it is a 2-byte reply with no state); keepalive timeouts in
 * brokers are tens of seconds. 20 s leaves a loaded 2-core machine's scheduling far behind and keeps the
 * detection well inside a CI job's patience.
 */
export const ANSWER_BOUND_MS = 20_000;
/** How often the watch pings: a few pings per answer bound, so a silent broker is seen within bound + this. */
export const PING_INTERVAL_MS = 5_000;
/** The watch's keepalive, above PING_INTERVAL_MS so the broker never drops it for idleness. */
const KEEPALIVE_SECONDS = 60;
const PINGREQ = Buffer.from([0xc0, 0x00]);
const DISCONNECT = Buffer.from([0xe0, 0x00]);
const TYPE_CONNACK = 2;
const TYPE_PINGRESP = 13;
/**
 * What a broker may send the watch, which subscribes to nothing: CONNACK (remaining length 2, MQTT 3.1.1 §3.2.1)
 * and PINGRESP (0, §3.13.1). Anything else (a PUBLISH flood, a CONNACK announcing 256 MB) is the broker's
 * conduct, named at once: the watch never buffers more than a fixed header.
 */
const EXPECTED_LENGTH: Record<number, number> = { [TYPE_CONNACK]: 4, [TYPE_PINGRESP]: 2 };
const PACKET_TYPE_NAMES = [
  'reserved',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
];
/**
 * How long the broker may keep a connection open after mqleak's DISCONNECT and FIN (checked once, on a second
 * connection, when the watch starts). A broker closes at once (MQTT 3.1.1 §3.14.4); one that never does keeps
 * every connection mqleak churns, so churn cannot be measured.
 */
export const CLOSE_BOUND_MS = 10_000;
/** How the watch's connection ending is retried: a broker that closes it once (a restart) is not silent. */
const REDIAL_DELAY_MS = 1000;

export interface LivenessWatch {
  /** Set once the broker has stopped answering; the run is aborted through `onSilent` at the same moment. */
  readonly failure: MqleakError | null;
  /** The bound the report states. */
  readonly answerBoundMs: number;
  stop(): void;
}

/** What /proc says of the process: the evidence beside "no answer". */
async function processState(pid: number | null): Promise<string> {
  if (pid === null) return 'process not watched';
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
    const meaning: Record<string, string> = {
      T: 'stopped (SIGSTOP or a debugger)',
      t: 'stopped by a debugger',
      D: 'in uninterruptible I/O',
      S: 'sleeping: alive but silent (deadlocked or blocked?)',
      R: 'running: busy but not answering',
      Z: 'exited (zombie)',
    };
    return `pid ${pid} state ${state}: ${meaning[state] ?? 'unknown'}`;
  } catch {
    return `pid ${pid} is gone`;
  }
}

/**
 * Starts the watch. `onSilent` is called once, with the failure, when the broker has not answered within
 * the bound. A connection that fails or closes is dialled again (a refused connection is not silence: other
 * checks see a broker that is down); only an unanswered CONNECT or PINGREQ counts.
 */
export function startLivenessWatch(
  address: BrokerAddress,
  pid: number | null,
  credentials: Credentials | undefined,
  onSilent: (failure: MqleakError) => void,
  answerBoundMs: number = ANSWER_BOUND_MS,
  pingIntervalMs: number = PING_INTERVAL_MS,
): LivenessWatch {
  const state = {
    failure: null as MqleakError | null,
    stopped: false,
    link: null as Link | null,
    /** Date.now() of the oldest request not answered yet; null when all were answered. */
    waitingSince: null as number | null,
    waitingFor: '' as string,
    connected: false,
    /** The broker refused the watch's CONNECT (authentication): nothing to watch with, and no redialling. */
    refused: false,
    buffer: Buffer.alloc(0),
    /** Bytes received since the oldest unanswered request: a broker that trickles is told from a silent one. */
    bytesWhileWaiting: 0,
    closeChecked: false,
  };
  const clientId = `mqleak-liveness-${process.pid}-${Date.now().toString(36)}`;
  const connectPacket = (id: string): Buffer =>
    encodeConnect({
      protocolName: 'MQTT',
      level: 4,
      clean: true,
      keepalive: KEEPALIVE_SECONDS,
      clientId: id,
      ...(credentials === undefined
        ? {}
        : {
            username: credentials.username,
            ...(credentials.password === undefined ? {} : { password: credentials.password }),
          }),
    });

  const expect = (what: string): void => {
    if (state.waitingSince === null) {
      state.waitingSince = Date.now();
      state.waitingFor = what;
      state.bytesWhileWaiting = 0;
    }
  };
  const answered = (): void => {
    state.waitingSince = null;
  };
  /** The broker did something mqleak cannot measure through (hostile or broken): the run ends, naming it. */
  const misconduct = (what: string): void => {
    if (state.stopped || state.failure !== null) return;
    state.failure = targetError(
      `the broker at ${address.url} ${what}`,
      'mqleak bounds what a broker may make it hold (docs/reliability.md, "A hostile broker"); a broker that ' +
        'does this cannot be measured',
    );
    state.link?.reset();
    onSilent(state.failure);
  };
  const onBytes = (chunk: Buffer): void => {
    if (state.failure !== null) return;
    state.bytesWhileWaiting += chunk.length;
    state.buffer = Buffer.concat([state.buffer, chunk]);
    try {
      for (;;) {
        const end = packetEnd(state.buffer, 0);
        if (end === -1) break;
        const type = (state.buffer[0] as number) >> 4;
        if (EXPECTED_LENGTH[type] !== end) {
          misconduct(
            `sent mqleak's liveness connection, which subscribed to nothing, a ${PACKET_TYPE_NAMES[type]} packet ` +
              `announcing ${end} bytes; it may send only CONNACK (4 bytes) and PINGRESP (2 bytes) ` +
              '(MQTT 3.1.1 §3.2, §3.3, §3.13)',
          );
          return;
        }
        if (end > state.buffer.length) break;
        if (type === TYPE_CONNACK) {
          // 3.1.1 §3.2.2.3: the return code is the CONNACK's fourth byte; non-zero is a refusal.
          state.connected = state.buffer[3] === 0;
          state.refused = !state.connected;
          if (state.connected) checkClose();
        }
        answered();
        state.buffer = state.buffer.subarray(end);
      }
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      misconduct(`sent mqleak's liveness connection a stream it refuses: ${error.message}`);
    }
  };
  /**
   * Once per watch, over plain TCP: a second connection sends CONNECT, then DISCONNECT and FIN (the stream's own
   * end, not Link.end, which closes our side at once), and the broker must close its side.
   */
  const checkClose = (): void => {
    if (state.closeChecked || (address.transport !== undefined && address.transport.scheme !== 'mqtt')) return;
    state.closeChecked = true;
    const link = dial(address.host, address.port, address.transport);
    let brokerClosed = false;
    link.stream.on('error', () => undefined);
    link.stream.on('data', () => {
      if (!link.stream.writableEnded) link.stream.end(DISCONNECT);
    });
    link.stream.once('end', () => {
      brokerClosed = true;
      clearTimeout(timer);
      link.reset();
    });
    link.stream.once('close', () => clearTimeout(timer));
    link.stream.write(connectPacket(`${clientId}-close`));
    const timer = setTimeout(() => {
      const sentDisconnect = link.stream.writableEnded;
      link.reset();
      if (sentDisconnect && !brokerClosed)
        misconduct(
          `kept a connection open ${CLOSE_BOUND_MS / 1000} s after mqleak's DISCONNECT and FIN (it closes at once ` +
            'on them, MQTT 3.1.1 §3.14.4): every connection mqleak churns would stay open',
        );
    }, CLOSE_BOUND_MS);
    timer.unref();
  };
  const connect = (): void => {
    if (state.stopped) return;
    state.connected = false;
    state.buffer = Buffer.alloc(0);
    const link = dial(address.host, address.port, address.transport);
    state.link = link;
    link.stream.on('data', onBytes);
    link.stream.on('error', () => undefined);
    link.stream.once('close', () => {
      if (state.link !== link || state.stopped || state.refused) return;
      state.link = null;
      // Closed before answering: not silence (a refusal or a restart is seen elsewhere); dial again.
      answered();
      setTimeout(connect, REDIAL_DELAY_MS).unref();
    });
    expect('CONNACK');
    link.stream.write(connectPacket(clientId));
  };

  const check = (): void => {
    if (state.stopped || state.failure !== null) return;
    const since = state.waitingSince;
    if (since !== null && Date.now() - since > answerBoundMs) {
      // Let pending reads run first (setImmediate comes after the poll phase): a busy mqleak whose event
      // loop was blocked must not read its own lateness as the broker's silence.
      setImmediate(() => {
        if (state.stopped || state.failure !== null || state.waitingSince !== since) return;
        const silentMs = Date.now() - since;
        void processState(pid).then((evidence) => {
          if (state.stopped || state.failure !== null || state.waitingSince !== since) return;
          state.failure = targetError(
            `the broker at ${address.url} stopped answering: no ${state.waitingFor} ` +
              `within ${Math.round(silentMs / 1000)} s (bound ${answerBoundMs / 1000} s); ${evidence}` +
              (state.bytesWhileWaiting === 0
                ? ''
                : `; it sent ${state.bytesWhileWaiting} bytes meanwhile, not a whole answer (trickling?)`),
            'a broker that is stopped, deadlocked or overloaded past this bound cannot be measured; check ' +
              'its logs and state (e.g. `cat /proc/PID/status`)',
          );
          onSilent(state.failure);
        });
      });
      return;
    }
    if (state.connected && state.waitingSince === null && state.link !== null) {
      expect('PINGRESP');
      state.link.stream.write(PINGREQ);
    }
  };
  const timer = setInterval(check, Math.min(pingIntervalMs, answerBoundMs / 4));
  timer.unref();
  connect();

  return {
    get failure() {
      return state.failure;
    },
    answerBoundMs,
    stop() {
      state.stopped = true;
      clearInterval(timer);
      state.link?.reset();
      state.link = null;
    },
  };
}
