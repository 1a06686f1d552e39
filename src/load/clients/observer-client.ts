import type { MqttClient } from 'mqtt';
import type { BrokerAddress } from '../../net/broker-address.js';
import { connectMqttJs } from '../../net/mqtt-js.js';

// A watcher beside the load: one full MQTT.js client subscribed to the topics the load makes the broker
// publish on its own (wills), so a pattern can check what the broker delivered. No reconnects: a lost
// observer ends its checks, it does not hide a broker's failure behind retries.

export interface ObserverOptions {
  broker: BrokerAddress;
  clientId: string;
  /** The filter subscribed to, at QoS 1 so that what the broker sent is not lost on the way. */
  filter: string;
  credentials?: { username: string; password?: string };
  timeoutMs: number;
  onMessage: (topic: string, payload: Buffer) => void;
}

export interface Observer {
  /** False once the connection to the broker was lost: later checks are not exercised. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/**
 * Connects and subscribes; rejects when the broker refuses either (no credentials for an authenticating broker ...).
 */
export async function openObserver(options: ObserverOptions): Promise<Observer> {
  const client: MqttClient = await connectMqttJs(options.broker, {
    clientId: options.clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: options.timeoutMs,
    username: options.credentials?.username,
    password: options.credentials?.password,
  });
  client.on('error', () => undefined); // a lost observer shows as `connected: false`
  client.on('message', (topic, payload) => options.onMessage(topic, payload));
  try {
    const granted = await client.subscribeAsync(options.filter, { qos: 1 });
    if (granted.some((grant) => grant.qos > 2))
      throw new Error(`the broker refused the subscription to ${options.filter}`);
  } catch (error) {
    client.end(true);
    throw error;
  }
  return {
    get connected() {
      return client.connected;
    },
    close: () => client.endAsync(false).catch(() => undefined),
  };
}
