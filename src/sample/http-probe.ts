import type { MetricInfo, MetricValues } from '../core/metrics.js';
import {
  parsePrometheusSelector,
  parsePrometheusText,
  selectPrometheus,
  type PrometheusSelector,
} from './prometheus-text.js';
import { selectJsonPath } from './json-path.js';
import { figureMetric, figureName, ghostMetric, guessFigureAs, type FigureAs } from './probe-spec.js';
import type { Probe } from './probe.js';

/** A scrape of a busy broker's whole Prometheus page can take a second or two; past this it is a failure. */
const HTTP_TIMEOUT_MS = 5000;
/** Endpoint text shown in an error when the selector matched nothing. */
const BODY_HINT_CHARS = 80;

export interface HttpProbeOptions {
  url: string;
  selector: string;
  name: string | null;
  as: FigureAs | null;
  /** For a connection count: how many connections mqleak holds to the broker now. */
  held: () => number;
}

/**
 * `http:URL#SELECTOR`: one figure of a metrics endpoint, polled at the sampling interval at most (a
 * scrape still running when the next tick comes skips that tick). Prometheus text (EMQX, HiveMQ,
 * VerneMQ, RabbitMQ) by metric name and labels, the series that match summed; JSON by a dotted path.
 * A connection count (`connections`) also gives `http.ghostSessions`: counted when the answer arrives.
 */
export class HttpProbe implements Probe {
  readonly id = 'http';
  readonly kind = 'http' as const;
  readonly slow = true;
  readonly timeoutMs = HTTP_TIMEOUT_MS;
  readonly metrics: readonly MetricInfo[];
  readonly source: string;
  readonly figure: string;
  private readonly as: FigureAs;
  private readonly prometheus: PrometheusSelector | null;

  constructor(private readonly options: HttpProbeOptions) {
    this.prometheus = parsePrometheusSelector(options.selector);
    const name =
      options.name ??
      figureName(
        this.prometheus?.name ??
          options.selector
            .split('.')
            .filter((part) => !/^\d+$/.test(part))
            .at(-1) ??
          options.selector,
      );
    this.as = options.as ?? guessFigureAs(name);
    this.figure = `http.${name}`;
    this.source = `${options.url}#${options.selector}`;
    const metric = figureMetric('http', name, this.as, `${options.selector} from ${options.url}`);
    this.metrics = this.as === 'connections' ? [metric, ghostMetric('http', metric.name)] : [metric];
  }

  async read(_nowMs: number, signal: AbortSignal): Promise<MetricValues> {
    const response = await fetch(this.options.url, {
      signal,
      headers: { accept: 'text/plain, application/json;q=0.9' },
    });
    const body = await response.text();
    if (!response.ok) throw new Error(`${this.options.url} answered HTTP ${response.status}`);
    const held = this.options.held();
    const json = (response.headers.get('content-type') ?? '').includes('json') || /^\s*[[{]/.test(body);
    const value = json
      ? selectJsonPath(JSON.parse(body), this.options.selector)
      : this.prometheus === null
        ? null
        : selectPrometheus(parsePrometheusText(body), this.prometheus);
    if (value === null || !Number.isFinite(value)) {
      throw new Error(
        `${this.options.selector}: not found in the ${json ? 'JSON' : 'Prometheus text'} ` +
          `of ${this.options.url} (it begins: ` +
          `${JSON.stringify(body.slice(0, BODY_HINT_CHARS))})`,
      );
    }
    const values: MetricValues = { [this.figure]: value };
    if (this.as === 'connections') values['http.ghostSessions'] = value - held;
    return values;
  }
}
