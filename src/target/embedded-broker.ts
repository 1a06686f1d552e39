import net from 'node:net';
import { Aedes } from 'aedes';

/** An Aedes broker on a TCP server: mqleak's embedded target, and the base of the test fixtures. */
export interface RunningBroker {
  aedes: Aedes;
  server: net.Server;
  port: number;
  close(): Promise<void>;
}

export async function startAedesBroker(host: string, port: number): Promise<RunningBroker> {
  const aedes = await Aedes.createBroker();
  // A client that breaks the protocol or vanishes is what the scenarios do on purpose: not worth a log line.
  aedes.on('clientError', () => undefined);
  aedes.on('connectionError', () => undefined);
  const server = net.createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 1024 }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('broker server has no TCP address');
  return {
    aedes,
    server,
    port: address.port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
