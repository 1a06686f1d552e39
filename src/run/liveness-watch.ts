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
/** The watch reads only CONNACK and PINGRESP (a few bytes); anything past this is not buffered. */
const MAX_BUFFERED_BYTES = 4096;
const PINGREQ = Buffer.from([0xc0, 0x00]);
const TYPE_CONNACK = 2;
const TYPE_PINGRESP = 13;
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
  };
  const clientId = `mqleak-liveness-${process.pid}-${Date.now().toString(36)}`;

  const expect = (what: string): void => {
    if (state.waitingSince === null) {
      state.waitingSince = Date.now();
      state.waitingFor = what;
    }
  };
  const answered = (): void => {
    state.waitingSince = null;
  };
  const onBytes = (chunk: Buffer): void => {
    state.buffer = Buffer.concat([state.buffer, chunk]);
    if (state.buffer.length > MAX_BUFFERED_BYTES) state.buffer = state.buffer.subarray(-MAX_BUFFERED_BYTES);
    try {
      for (let end = packetEnd(state.buffer, 0); end !== -1 && end <= state.buffer.length; ) {
        const type = (state.buffer[0] as number) >> 4;
        if (type === TYPE_CONNACK) {
          // 3.1.1 §3.2.2.3: the return code is the CONNACK's fourth byte; non-zero is a refusal.
          state.connected = state.buffer[3] === 0;
          state.refused = !state.connected;
        }
        if (type === TYPE_CONNACK || type === TYPE_PINGRESP) answered();
        state.buffer = state.buffer.subarray(end);
        end = state.buffer.length === 0 ? -1 : packetEnd(state.buffer, 0);
      }
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      state.buffer = Buffer.alloc(0); // not MQTT: only a whole CONNACK or PINGRESP is an answer
    }
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
    link.stream.write(
      encodeConnect({
        protocolName: 'MQTT',
        level: 4,
        clean: true,
        keepalive: KEEPALIVE_SECONDS,
        clientId,
        ...(credentials === undefined
          ? {}
          : {
              username: credentials.username,
              ...(credentials.password === undefined ? {} : { password: credentials.password }),
            }),
      }),
    );
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
              `within ${Math.round(silentMs / 1000)} s (bound ${answerBoundMs / 1000} s); ${evidence}`,
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
