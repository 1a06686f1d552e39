import type { Duplex } from 'node:stream';
import type { IConnectPacket } from 'mqtt-packet';

/** `--username` / `--password` as CONNECT fields for the raw client; none without a user name. */
export function connectExtrasFor(
  credentials: { username: string; password?: string } | undefined,
): Pick<IConnectPacket, 'username' | 'password'> {
  if (credentials === undefined) return {};
  return credentials.password === undefined
    ? { username: credentials.username }
    : { username: credentials.username, password: Buffer.from(credentials.password) };
}

/**
 * Resolves true when the socket closes within `ms` (at once if it is already closed), false when it is still open then.
 */
export function waitForClose(socket: Duplex, ms: number): Promise<boolean> {
  if (socket.destroyed || socket.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.removeListener('close', onClose);
      resolve(false);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once('close', onClose);
  });
}

/**
 * The answers' variant that says the broker refused MQTT 5 (`refused: connack-1`): the MQTT 5 checks were not
 * exercised.
 */
export const MQTT5_VARIANT = 'mqtt5-connect';

/**
 * A CONNECT refused because of its protocol level: a broker without MQTT 5 (Aedes) answers an MQTT 5
 * CONNECT with the 3.1.1 code 0x01 "unacceptable protocol version" (or MQTT 5's 0x84), or just closes.
 */
export function isProtocolLevelRefusal(error: unknown): boolean {
  const kind = (error as { kind?: unknown } | null)?.kind;
  return kind === 'connack-1' || kind === 'connack-132';
}
