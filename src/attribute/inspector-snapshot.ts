import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import WebSocket from 'ws';

// Heap snapshots of a Node broker that mqleak spawned with `--inspect=127.0.0.1:PORT`: the Chrome DevTools
// protocol's HeapProfiler.takeHeapSnapshot over the inspector's WebSocket, its chunks streamed to a file so a
// big heap never sits in mqleak's memory as one string. The broker gets `--inspect=127.0.0.1:0` through
// NODE_OPTIONS (a free port chosen by the kernel, no race), and prints where it listens on stderr.

/** Put before the broker's command: the inspector on a kernel-chosen loopback port, the user's options kept. */
export const INSPECT_ASSIGNMENT = 'NODE_OPTIONS="$NODE_OPTIONS --inspect=127.0.0.1:0"';
const LISTENING_LINE = /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//;

/** The inspector's port from the broker's output, waiting for the line while the broker starts. */
export async function inspectorPort(outputTail: () => string[]): Promise<number> {
  const deadline = Date.now() + INSPECTOR_READY_MS;
  while (Date.now() < deadline) {
    for (const line of outputTail()) {
      const match = LISTENING_LINE.exec(line);
      if (match !== null) return Number(match[1]);
    }
    await new Promise((resolve) => setTimeout(resolve, INSPECTOR_POLL_MS));
  }
  throw new Error(
    "the broker never printed 'Debugger listening on ws://127.0.0.1:…': does its node accept NODE_OPTIONS=--inspect " +
      '(a wrapper that clears the environment, or a node built without the inspector)?',
  );
}

/** The inspector opens its port while Node starts; a broker that takes longer than this to start has failed anyway. */
const INSPECTOR_READY_MS = 15_000;
const INSPECTOR_POLL_MS = 100;
/** As for the embedded broker: a snapshot of a few hundred MB takes seconds, past this the broker is stuck. */
const SNAPSHOT_TIMEOUT_MS = 120_000;

interface InspectorTarget {
  webSocketDebuggerUrl?: string;
}

interface ProtocolMessage {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  error?: { message?: string };
}

export class InspectorSnapshots {
  private nextId = 1;

  private constructor(private readonly socket: WebSocket) {}

  /** Connects to the inspector listening on 127.0.0.1:port, waiting for it to open while the broker starts. */
  static async connect(port: number): Promise<InspectorSnapshots> {
    const deadline = Date.now() + INSPECTOR_READY_MS;
    let lastError = 'no answer';
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/json/list`);
        const targets = (await response.json()) as InspectorTarget[];
        const url = targets.find((target) => typeof target.webSocketDebuggerUrl === 'string')?.webSocketDebuggerUrl;
        if (url !== undefined) {
          const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
          await once(socket, 'open');
          return new InspectorSnapshots(socket);
        }
        lastError = 'no debuggable target listed';
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, INSPECTOR_POLL_MS));
    }
    throw new Error(
      `the Node inspector on 127.0.0.1:${port} did not answer (${lastError}): does the broker's node accept ` +
        'NODE_OPTIONS=--inspect (a wrapper that clears the environment, or a node built without the inspector)?',
    );
  }

  /** Takes one snapshot (V8 collects garbage first) and writes it to `file`. */
  async takeTo(file: string): Promise<void> {
    const id = this.nextId++;
    const out = createWriteStream(file);
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no heap snapshot within ${SNAPSHOT_TIMEOUT_MS / 1000} s`)),
        SNAPSHOT_TIMEOUT_MS,
      );
      const onMessage = (data: WebSocket.RawData): void => {
        const message = JSON.parse(data.toString()) as ProtocolMessage;
        if (message.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(message.params?.chunk ?? '');
        else if (message.id === id)
          finish(message.error === undefined ? null : new Error(message.error.message ?? 'refused'));
      };
      const onClose = (): void => finish(new Error('the inspector connection closed (the broker exited?)'));
      const finish = (error: Error | null): void => {
        clearTimeout(timer);
        this.socket.off('message', onMessage);
        this.socket.off('close', onClose);
        out.end(() => (error === null ? resolve() : reject(error)));
      };
      this.socket.on('message', onMessage);
      this.socket.once('close', onClose);
    });
    this.socket.send(
      JSON.stringify({ id, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } }),
    );
    await done;
  }

  close(): void {
    this.socket.close();
  }
}
