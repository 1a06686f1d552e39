import type { TargetKind, TransportReport } from '../core/report-model.js';
import type { BrokerAddress } from '../net/broker-address.js';

/** The broker under test: where it listens and which process to watch. */
export interface Target {
  kind: TargetKind;
  address: BrokerAddress;
  /**
   * How the broker was reached (scheme, negotiated TLS): checked once before the scenarios. Absent: plain TCP,
   * unchecked.
   */
  transport?: TransportReport;
  /** The broker's process; null for a `no-process` target (nothing to sample in /proc, nothing for `{pid}`). */
  pid: number | null;
  /** One line for the terminal and the report, e.g. "embedded Aedes broker (pid 1234)". */
  description: string;
  /** The command mqleak started, when it started one. */
  command: string | null;
  /** Whether forceGc can do anything for this target. */
  canForceGc: boolean;
  /** Ask the broker to collect garbage before a floor is read; false when it could not. */
  forceGc(): Promise<boolean>;
  /** Writes a V8 heap snapshot of the broker to `file` (the embedded broker, over its IPC channel); absent otherwise. */
  heapSnapshot?(file: string): Promise<void>;
  /** The last lines the broker printed, when mqleak started it. */
  outputTail(): string[];
  /** Why the broker process ended, once it has (only for brokers mqleak started); null while it runs. */
  exitReason(): string | null;
  /** Stops the broker if mqleak started it; otherwise nothing. */
  stop(): Promise<void>;
}
