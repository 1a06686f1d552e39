import { HeldClients } from '../clients/held-clients.js';
import { isWorkerRequest, workerStats, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

// A load worker: a child process of mqleak that holds its share of a crowd of clients (see worker-fleet.ts).
// It lives only as long as its IPC channel: when mqleak exits or dies the channel closes and the worker
// exits with it, taking its sockets along — no orphaned load on the broker.

let clients: HeldClients | null = null;
const aborted = new AbortController();

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function handle(request: WorkerRequest): Promise<void> {
  try {
    let result = null;
    if (request.type === 'init') clients = new HeldClients(request.options);
    else if (clients === null) throw new Error('the worker was not initialised');
    else if (request.type === 'begin') clients.begin(request.rate);
    else if (request.type === 'fill') result = await clients.fill(request.request, aborted.signal);
    else result = await clients.release();
    reply({ type: 'reply', id: request.id, result, stats: workerStats() });
  } catch (error) {
    reply({ type: 'failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
  }
}

process.on('message', (message: unknown) => {
  if (!isWorkerRequest(message)) return;
  if (message.type === 'abort') aborted.abort();
  else void handle(message);
});
process.on('disconnect', () => process.exit(0));
if (process.send === undefined) {
  process.stderr.write('load-worker-main: started without an IPC channel; it is started by mqleak\n');
  process.exit(64);
}
