import { MqttClient, type IClientOptions } from 'mqtt';
import type { BrokerAddress } from './broker-address.js';
import { guardInbound } from './inbound-guard.js';
import { dial } from './transport.js';

/**
 * An MQTT.js client whose connections (the first and every reconnect) are opened by transport.ts, so
 * mqtts://, ws:// and wss:// with `--ca`/`--cert`/`--insecure` behave as for mqleak's raw clients; every connection
 * refuses a packet over MAX_INBOUND_PACKET_BYTES (inbound-guard.ts).
 * Resolves on CONNACK; rejects on an error, or on a close before CONNACK (no retries are waited for).
 */
export function connectMqttJs(broker: BrokerAddress, options: IClientOptions): Promise<MqttClient> {
  const client = new MqttClient(() => guardInbound(dial(broker.host, broker.port, broker.transport).stream), {
    protocolVersion: 4,
    ...options,
  });
  return new Promise((resolve, reject) => {
    const done = (): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
    };
    const onConnect = (): void => {
      done();
      resolve(client);
    };
    const onError = (error: Error): void => {
      done();
      client.end(true);
      reject(error);
    };
    const onClose = (): void => onError(new Error("Couldn't connect to server"));
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}
