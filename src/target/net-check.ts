import net from 'node:net';
import type { BrokerAddress } from '../net/broker-address.js';

/** Whether a TCP connection to the broker's port succeeds within the timeout; the reason when not. */
export function checkTcpReachable(
  address: BrokerAddress,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.host, port: address.port });
    const finish = (result: { ok: true } | { ok: false; reason: string }): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
  });
}

export async function waitForTcp(
  address: BrokerAddress,
  timeoutMs: number,
  stillAlive: () => boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const pollMs = 100;
  while (Date.now() < deadline && stillAlive()) {
    if ((await checkTcpReachable(address, 1000)).ok) return true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return false;
}
