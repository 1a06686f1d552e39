import type { MqttClient } from 'mqtt';
import { targetError, usageError } from '../core/errors.js';
import { connectMqttJs } from '../net/mqtt-js.js';
import type { Credentials } from '../core/credentials.js';
import type { BrokerAddress } from '../net/broker-address.js';
import type { MetricInfo, MetricValues } from '../core/metrics.js';
import { FIGURE_AS, figureMetric, ghostMetric, type FigureAs } from './probe-spec.js';
import type { Probe } from './probe.js';

/** Connecting the subscriber; the broker already answered mqleak's reachability check. */
const SYS_CONNECT_TIMEOUT_MS = 5000;
/** Reading cached values: never slow. */
const SYS_READ_TIMEOUT_MS = 1000;

export interface SysFigure {
  topic: string;
  name: string;
  as: FigureAs;
}

/**
 * Mosquitto's `$SYS` figures (published every `sys_interval` seconds, 10 by default). heap/current
 * exists when Mosquitto was built with memory tracking (Debian's is); bytes are running totals, recorded
 * but not judged; subscriptions and stored messages are judged as counts; connected clients give ghost sessions.
 */
export const MOSQUITTO_SYS: readonly SysFigure[] = [
  { topic: '$SYS/broker/heap/current', name: 'heap', as: 'bytes' },
  { topic: '$SYS/broker/clients/connected', name: 'clients', as: 'connections' },
  { topic: '$SYS/broker/subscriptions/count', name: 'subscriptions', as: 'count' },
  { topic: '$SYS/broker/retained messages/count', name: 'retained', as: 'count' },
  { topic: '$SYS/broker/store/messages/count', name: 'storedMessages', as: 'count' },
  { topic: '$SYS/broker/bytes/received', name: 'bytesReceived', as: 'value' },
  { topic: '$SYS/broker/bytes/sent', name: 'bytesSent', as: 'value' },
];

/** `TOPIC=NAME[:AS],…` → figures; throws a usage error naming the entry. */
export function parseSysMap(text: string, where: string): SysFigure[] {
  const hint =
    `the form is sys:TOPIC=NAME[:bytes|count|connections|value],…, e.g. ` +
    `sys:'$SYS/broker/heap/current=heap:bytes,$SYS/broker/clients/connected=clients:connections'; ` +
    `plain 'sys' reads Mosquitto's`;
  const figures = text.split(',').map((entry) => {
    const eq = entry.lastIndexOf('=');
    const topic = entry.slice(0, eq).trim();
    const [name = '', as = 'count'] = entry
      .slice(eq + 1)
      .trim()
      .split(':');
    if (eq <= 0 || topic === '' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || /[+#]/.test(topic))
      throw usageError(`${where}: '${entry}' is not TOPIC=NAME[:AS] (one topic, no wildcards)`, hint);
    if (!(FIGURE_AS as readonly string[]).includes(as))
      throw usageError(`${where}: '${as}' is not what a figure can be (bytes, count, connections or value)`, hint);
    return { topic, name, as: as as FigureAs };
  });
  if (new Set(figures.map((figure) => figure.name)).size < figures.length)
    throw usageError(`${where}: a NAME is used twice`, hint);
  if (figures.filter((figure) => figure.as === 'connections').length > 1)
    throw usageError(`${where}: more than one connection count`, hint);
  return figures;
}

/**
 * `sys`: the broker's own figures from its `$SYS` topics, over MQTT by a subscriber client of mqleak.
 * Each reading gives the latest value of every topic (a step function between publishes). The ghost
 * count (broker's connected clients − connections mqleak holds) is taken when the broker's figure
 * arrives, so a slow `sys_interval` delays it but does not skew it; the subscriber counts on both sides.
 */
export class SysProbe implements Probe {
  readonly id = 'sys';
  readonly kind = 'sys' as const;
  readonly slow = false;
  readonly timeoutMs = SYS_READ_TIMEOUT_MS;
  readonly metrics: readonly MetricInfo[];
  readonly source: string;
  private client: MqttClient | null = null;
  private readonly latest: MetricValues = {};
  private lost: string | null = null;

  constructor(
    private readonly broker: BrokerAddress,
    private readonly figures: readonly SysFigure[],
    private readonly held: () => number,
    private readonly credentials?: Credentials,
  ) {
    this.source = `${figures.map((figure) => figure.topic).join(', ')} at ${broker.url}`;
    this.metrics = figures.flatMap((figure) => {
      const metric = figureMetric('sys', figure.name, figure.as, figure.topic);
      return figure.as === 'connections' ? [metric, ghostMetric('sys', figure.topic)] : [metric];
    });
  }

  async open(): Promise<void> {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no CONNACK within ${SYS_CONNECT_TIMEOUT_MS} ms`)),
        SYS_CONNECT_TIMEOUT_MS,
      ).unref(),
    );
    try {
      this.client = await Promise.race([
        connectMqttJs(this.broker, {
          clientId: `mqleak-sys-${process.pid}-${Date.now().toString(36)}`,
          clean: true,
          reconnectPeriod: 1000,
          connectTimeout: SYS_CONNECT_TIMEOUT_MS,
          ...(this.credentials === undefined
            ? {}
            : { username: this.credentials.username, password: this.credentials.password }),
        }),
        timeout,
      ]);
    } catch (error) {
      throw targetError(
        `--probe sys: cannot subscribe to the broker's $SYS topics at ${this.broker.url} (${(error as Error).message})`,
        'check the broker allows this client to subscribe to $SYS, or drop --probe sys',
      );
    }
    const byTopic = new Map(this.figures.map((figure) => [figure.topic, figure]));
    this.client.on('message', (topic, payload) => {
      const figure = byTopic.get(topic);
      const value = Number(payload.toString().trim());
      if (figure === undefined || !Number.isFinite(value)) return;
      this.latest[`sys.${figure.name}`] = value;
      if (figure.as === 'connections') this.latest['sys.ghostSessions'] = value - this.held();
    });
    this.client.on('close', () => (this.lost = 'the $SYS subscriber lost its connection'));
    this.client.on('connect', () => (this.lost = null));
    await this.client.subscribeAsync(
      this.figures.map((figure) => figure.topic),
      { qos: 0 },
    );
  }

  async read(): Promise<MetricValues> {
    if (this.lost !== null) throw new Error(this.lost);
    if (Object.keys(this.latest).length === 0)
      throw new Error('no $SYS message yet (does the broker publish them? Mosquitto: sys_interval > 0)');
    return { ...this.latest };
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
    this.client = null;
  }
}
