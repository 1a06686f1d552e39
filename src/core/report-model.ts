import type {
  DataIssue,
  MetricKind,
  PersistenceCheck,
  ReasonCode,
  RecoveryCheck,
  StepInfo,
  Verdict,
} from './verdict-types.js';
import type { ErrorKind } from './errors.js';
import type { Params } from './params.js';
import type { MetricValues } from './metrics.js';

// The one result model. Every renderer (table, JSON, ...) reads this and nothing else.
// The JSON report is this object as it is (DESIGN.md's interface contract, versioned by SCHEMA_VERSION), except the
// sample series, written packed since schemaVersion 2 (src/report/json/packed-series.ts) and unpacked on reading.

/** Messages of one direction over one cycle. */
export interface FlowTally {
  /** Messages published at the sending end during the cycle. */
  sent: number;
  /** Of those, how many arrived at the other end (at least once) by the end of the cycle. */
  delivered: number;
  /** Sent and not arrived by the end of the cycle (its drain included). */
  lost: number;
  /**
   * Of `sent`, those published during an outage: from the drop until forwarding resumed in this direction.
   * A bridge with a clean session loses them; one with a persistent session and QoS ≥ 1 should not.
   */
  sentInOutage: number;
  /** Of `lost`, those sent during an outage; `lost − lostInOutage` were lost while the link was up. */
  lostInOutage: number;
  /** Extra copies: arrivals beyond the first of a message (QoS 1 redelivery across a reconnect). */
  duplicated: number;
  /** Arrivals during this cycle of messages sent in an earlier one (counted lost there, or one more copy). */
  late: number;
}

/** `no-process`: a broker whose process mqleak does not see (`--no-proc`, another host), judged by its probes only. */
export type TargetKind = 'embedded' | 'spawned' | 'pid' | 'found-by-port' | 'no-process';

/**
 * Bump on any change that breaks a reader of the JSON report; adding fields does not. 2: `samples` and
 * `selfSamples` packed as columns (docs/reports.md); reports of version 1 are still read.
 */
export const SCHEMA_VERSION = 2;

export type RunVerdict = Verdict | 'error';

export interface MetricReport {
  name: string;
  kind: MetricKind;
  unit: string;
  verdict: Verdict;
  reasonCode: ReasonCode;
  reason: string;
  /** Slope in bytes per operation (memory metrics); null for counts and when it could not be computed. */
  bytesPerOp: number | null;
  /** Sen's interval of the slope, [low, high], in the metric's unit per operation. */
  ci: [number, number] | null;
  /** MB (2^20 bytes) per hour at the operation rate this run achieved; null for counts. */
  mbPerHour: number | null;
  /** Slope in the metric's unit per operation, for every kind (fds per op for `fds`). */
  perOp: number | null;
  perHour: number | null;
  minDetectablePerOp: number | null;
  /**
   * The smallest leak this run could have called LEAK, in the metric's unit per op: δ plus the distance from
   * the estimate down to the interval's lower end (LEAK needs that lower end above δ). Null without an
   * interval; absent in older reports.
   */
  sensitivityPerOp?: number | null;
  /**
   * Memory LEAKs: how long the broker idled with every client gone before the recovery floor was read (ms).
   * Memory an allocator keeps for reuse is not given back within any window, so a LEAK says which one it
   * checked. Absent for other verdicts, soaks and older reports.
   */
  recoveryWindowMs?: number;
  thresholdPerOp: number;
  cyclesUsed: number;
  cyclesDropped: number;
  cyclesNeeded: number | null;
  baselineFloor: number | null;
  recoveryFloor: number | null;
  persistence: PersistenceCheck | null;
  recovery: RecoveryCheck | null;
  step: StepInfo | null;
  /**
   * The fitted line's value at 0 operations: floor ≈ intercept + perOp × cumulativeOps over the judged
   * cycles (the last `cyclesUsed` measured cycles with a floor). Null when there is no slope; absent in
   * reports of older versions (readers recompute it from the cycles).
   */
  intercept?: number | null;
  /** How this metric's cycle floors were read (the `floors` of `cycles[]`); absent in older reports. */
  floorMethod?: FloorMethodReport;
  /**
   * Soak runs, `underpowered`: minutes of soak (warm-up included) that would likely settle it; `cyclesNeeded` then
   * counts windows.
   */
  minutesNeeded?: number | null;
}

/**
 * `settle`: a robust low value over the end of each settle window, after a forced collection where the
 * target allows one. `trough`: for a garbage-collected target nobody can collect, the lowest reading
 * over a trailing window of `windowCycles` cycles, load included: the memory right after a collection.
 */
export interface FloorMethodReport {
  /** The floors the verdict, the figures and `cycles[].floors` come from. */
  kind: 'settle' | 'trough';
  /** A collection was forced before every measured floor (embedded broker, `--gc-cmd`). */
  gcForced: boolean;
  /**
   * The garbage-collection period seen under load, in operations and in ms of load; null when none was seen or looked
   * for.
   */
  gcPeriodOps: number | null;
  gcPeriodMs: number | null;
  /** Cycles in each trough window; null when there were no troughs. */
  windowCycles: number | null;
  /** Why this method, in words. */
  why: string;
  /** Without a forced collection, when troughs could be read, both views were judged: the other one's result. */
  other: {
    kind: 'settle' | 'trough';
    verdict: Verdict;
    reasonCode: ReasonCode;
    perOp: number | null;
    ci: [number, number] | null;
  } | null;
}

export interface CycleReport {
  index: number;
  warmup: boolean;
  /** ms since the run started. */
  startMs: number;
  loadEndMs: number;
  endMs: number;
  operations: number;
  cumulativeOps: number;
  failures: number;
  failureKinds: Record<string, number>;
  gcForced: boolean;
  /**
   * The cycle's floor per metric: a robust low value over the end of its settle window, or its post-GC trough where the
   * metric's `floorMethod.kind` is `trough`.
   */
  floors: MetricValues;
  /** bridge-churn only: the cycle's bridge reconnects and the messages through the bridge. */
  bridge?: BridgeCycleReport;
  /**
   * The variant family this cycle exercised, where the pattern runs one family per cycle in rotation: its growth is
   * credited to that family.
   */
  variant?: string;
  /** Self-check: mqleak's own floors over the same window (judged ones, as `floors`); absent in older reports. */
  selfFloors?: MetricValues;
  /** Self-check: mqleak collected its own garbage before this floor window. */
  selfGcForced?: boolean;
  /** `--agents`: the agent lost during this cycle (its load missing from the cycle's count): the scenario is INCONCLUSIVE. */
  lostAgent?: string;
}

/** bridge-churn: one cycle of the target's bridge to mqleak's peer broker. */
export interface BridgeCycleReport {
  /** `host:port` of mqleak's peer broker, where the target's bridge connects. */
  peer: string;
  reconnects: number;
  /** Reconnects done by the restart hook; the others by the peer dropping the bridge's connection. */
  byHook: number;
  /** The bridge's connection attempts the peer refused (refuseSeconds with refuseMode unavailable or close). */
  refusedAttempts: number;
  /** Per reconnect: ms from the drop (or hook) to the bridge's next accepted connection, refusal included. */
  reconnectMs: number[];
  /**
   * Per reconnect and direction: ms from the reconnect until a message sent after it arrived; missing when it did not
   * resume.
   */
  resumeMs: { out: number[]; in: number[] };
  /** Messages target → peer, and peer → target, over the cycle (counted after its drain). */
  out: FlowTally;
  in: FlowTally;
}

export type PhaseName = 'baseline' | 'warmup' | 'measured' | 'recovery';

export interface PhaseReport {
  name: PhaseName;
  startMs: number;
  endMs: number;
}

/** One sample of the target, flat for easy plotting: `t` in ms since the run started. */
export type SampleReport = { t: number; lateMs: number } & MetricValues;

export interface ScenarioReport {
  name: string;
  description: string;
  source: string;
  pattern: string;
  /** What one operation is ("connection"): bytesPerOp is bytes per this. */
  operation: string;
  verdict: RunVerdict;
  /** Every parameter as run, so the run can be repeated exactly. */
  parameters: Params;
  thresholds: Record<string, number>;
  quick: boolean;
  /** Operations done, warm-up included. */
  operations: number;
  measuredOperations: number;
  failures: number;
  failureKinds: Record<string, number>;
  /** Operations per second during the measured cycles' load: the rate behind the per-hour figures. */
  opsPerSecond: number | null;
  startMs: number;
  endMs: number;
  phases: PhaseReport[];
  /**
   * `cycles`: the cycle run model; `soak`: a continuous run (`--soak`), where each `cycles[]` entry is
   * one window of the load (its `floors` the window's minima, `cumulativeOps` the operations at its end)
   * and `soak` says how the window was sized. Absent in older reports: `cycles`.
   */
  mode?: 'cycles' | 'soak';
  soak?: SoakReport;
  cycles: CycleReport[];
  metrics: MetricReport[];
  issues: DataIssue[];
  /** Set when the scenario could not finish. */
  error: string | null;
  samples: SampleReport[];
  /** Protocol checks the pattern made, by name (absent when it makes none): not part of the leak verdict. */
  checks?: Record<string, CheckReport>;
  /** What the broker answered, by variant tried: answer (`connack-135`, `closed`, `timeout`, `accepted`) → count. */
  answers?: Record<string, Record<string, number>>;
  /** Quantities the pattern measured (`peakClients`, `silentCloseMs` ...). */
  observations?: Record<string, ObservationReport>;
  /**
   * What limited the scenario, in plain words (the broker ran out of file descriptors ...). Absent when nothing did and
   * in older reports.
   */
  limits?: string[];
  /**
   * Self-check (absent in older reports): mqleak's own processes (coordinator and load workers, the
   * broker's branch left out), summed, judged like the broker over the same cycles. Never changes
   * `verdict` or the exit code: see docs/reliability.md.
   */
  selfVerdict?: Verdict;
  selfMetrics?: MetricReport[];
  selfIssues?: DataIssue[];
  selfSamples?: SampleReport[];
  /** Adaptive length: when the scenario was decided and why it stopped (absent for soaks and in older reports). */
  decision?: DecisionReport;
  /** Patterns that rotate variant families: each family's growth judged on its own cycles (absent otherwise and in older reports). */
  families?: FamilyReport[];
  /** After a family's LEAK: the run that found which family and case leaks (absent when none ran, `--no-narrow`, and in older reports). */
  narrowing?: NarrowingReport;
  /** `--attribute` (absent in older reports and runs without it): where the growth was allocated. See docs/attribution.md. */
  attribution?: AttributionReport;
  /** `mqleak run --agents N`: each agent's part of the load (absent when the load ran on this machine, and in older reports). */
  agents?: AgentReport[];
}

/** Which tool attributed the growth: heaptrack (native brokers), V8 heap snapshots (Node), jcmd (JVM), or none. */
export type AttributionTool = 'heaptrack' | 'v8-heap-snapshot' | 'jcmd-class-histogram' | 'none';

/** One allocation site (a call stack, a constructor, a class) and its growth per operation, judged like RSS. */
export interface AttributionSite {
  /** 1 = grows the most per operation. */
  rank: number;
  /** Short name: the first named frame that is not an allocator wrapper (or an address). */
  label: string;
  /**
   * The stack, allocating frame first: `function (file:line) in module`, or `0xADDR in module` without symbols.
   * V8 heap snapshots: the retainer path of one typical instance, its holder first (`Holder.edge`), up to a GC root.
   */
  frames: string[];
  verdict: Verdict;
  reason: string;
  bytesPerOp: number | null;
  ci: [number, number] | null;
  /** Bytes still allocated at this site at the last measured floor. */
  liveBytes: number;
  /** This site's bytes/op over the scenario's RSS bytes/op (null when RSS did not grow). */
  shareOfRss: number | null;
  /** Whether any frame had a function name. */
  symbolized: boolean;
  /** Distinct call stacks merged into this site (they name the same allocating function); `frames` is the biggest. */
  stacks?: number;
  /** V8 heap snapshots: instances of the constructor alive at the last measured floor (JVM: of the class). */
  liveCount?: number;
  /** JVM class histograms: the slope of the class's instance count at the floors, per operation. */
  instancesPerOp?: number | null;
}

export interface AttributionReport {
  tool: AttributionTool;
  /** `ok`: sites judged; `failed`: attribution broke midway (the verdict stands, see `note`); `unavailable`: no tool for this runtime. */
  status: 'ok' | 'failed' | 'unavailable';
  /** What to know: why it failed, why it is unavailable and what could feed a probe instead, overhead. */
  note: string;
  /** `instrumented`: the scenario's verdict was measured on the broker running under the tool (no plain run exists). */
  verdictOfRecord: 'plain' | 'instrumented';
  /** Operations per second with the tool attached, and in a plain run when one exists. */
  opsPerSecond: { instrumented: number | null; plain: number | null };
  /**
   * The scenario's RSS slope the sites are compared with: the plain run's when one exists (or `referenceMetric`'s,
   * when that is given).
   */
  rssBytesPerOp: number | null;
  /**
   * The metric whose slope `rssBytesPerOp`, `shareOfRss` and `explainedShare` refer to when it is not `proc.rss`:
   * `jvm.heapUsed` for a JVM (its RSS is the heap it reserved, which hardly moves). Absent: proc.rss.
   */
  referenceMetric?: string;
  /**
   * The instrumented run's own RSS slope, when `rssBytesPerOp` is the plain run's (attribution by itself after a
   * LEAK): it also holds the tool's own growth (heap snapshots, heaptrack), which no site of the broker holds.
   */
  instrumentedRssBytesPerOp?: number | null;
  /**
   * V8 heap snapshots: the growth per op of everything the snapshots hold (the V8 heap's live objects plus the
   * ArrayBuffer backing stores), judged like RSS: the most the constructors could explain together.
   */
  heapBytesPerOp?: number | null;
  /** Sum of the reported sites' bytes/op over the RSS slope: how much of the growth they explain. */
  explainedShare: number | null;
  /** Sites whose growth was judged (the others did not grow between the first and last measured floor). */
  sitesJudged: number;
  /** The top sites, most growth per operation first, until they explain the RSS slope (at least 80 %). */
  sites: AttributionSite[];
  /** e.g. install debug symbols for a stripped binary. */
  hints: string[];
  /** Size of the heaptrack trace read, bytes (V8 heap snapshots: the snapshots' total size). */
  traceBytes?: number;
  /** V8 heap snapshots taken (one per floor). */
  snapshots?: number;
  /**
   * Attribution that ran by itself after the plain run's LEAK: the second, instrumented run it comes from (the
   * narrowed case when narrowing found one), its verdict and wall time. The verdict of record is the plain run's.
   */
  rerun?: { scenario: string; verdict: RunVerdict; wallMs: number };
}

/**
 * One variant family's growth (patterns that run one family per cycle, in rotation): the floors' rise
 * over each of its cycles, per operation of that family, so that a leak in one family of many is judged
 * at its own size (docs/narrowing.md).
 */
export interface FamilyMetricReport {
  name: string;
  unit: string;
  verdict: Verdict;
  reasonCode: ReasonCode;
  reason: string;
  /** Mean rise per operation of this family; null when it had no judged cycle. */
  perOp: number | null;
  /** Interval of perOp from the noise pooled over every family, at this family's share of the error budget. */
  ci: [number, number] | null;
  thresholdPerOp: number;
  /** Cycles of this family whose rise was judged. */
  cyclesUsed: number;
  /** Of those, how many rose by more than the threshold per operation. */
  growingCycles: number;
}

export interface FamilyReport {
  /** The family's name, as `cycles[].variant`. */
  name: string;
  /** LEAK when any of its metrics is LEAK; else INCONCLUSIVE when any is; else PASS. */
  verdict: Verdict;
  /** Measured cycles that ran this family, and their operations. */
  cycles: number;
  operations: number;
  metrics: FamilyMetricReport[];
}

/** One run tried while narrowing: a family, or one case of it, alone. */
export interface NarrowingTryReport {
  family: string;
  /** The case run alone; absent when the whole family was rerun. */
  caseId?: string;
  verdict: RunVerdict;
  /** The judged memory metric's figures (bytes per operation for memory). */
  metric: string | null;
  perOp: number | null;
  ci: [number, number] | null;
  wallMs: number;
  /** What the broker answered over this run: answer → count. */
  answers: Record<string, number>;
}

/** The leaking case narrowing found, in words and in bytes. */
export interface NarrowedCaseReport {
  family: string;
  id: string;
  description: string;
  rule?: string;
  /** The exact bytes sent for this case, in hex (one attempt's packet; client ids vary per attempt). */
  bytesHex: string | null;
  /** What the broker answered to it: answer → count. */
  answers: Record<string, number>;
  metric: string;
  perOp: number | null;
  ci: [number, number] | null;
}

export interface NarrowingReport {
  /**
   * `case`: a single case was found LEAK on its own; `family`: the family reproduced but no single
   * case did (or it has one case); `not-reproduced`: the family alone did not leak; `out-of-time`: the
   * time cap ran out first; `error`: a rerun failed.
   */
  outcome: 'case' | 'family' | 'not-reproduced' | 'out-of-time' | 'error';
  /** The family narrowing started from (the scenario's LEAK family with the largest lower bound). */
  family: string;
  /** What narrowing found, in one or two sentences. */
  summary: string;
  case: NarrowedCaseReport | null;
  tries: NarrowingTryReport[];
  /** The scenario file that reproduces the case (or the family) alone: `mqleak run FILE`; null when none was written. */
  reproFile: string | null;
  wallMs: number;
  /** The time narrowing was allowed (`--narrow-budget`). */
  capMs: number;
}

/**
 * Adaptive length (docs/verdicts-sequential.md): the scenario cycles until every metric is PASS or LEAK at
 * a look, or its `cycles` (the cap) are done. Looks spend the scenario's alpha so that stopping early does
 * not raise the error rates.
 */
export interface DecisionReport {
  /** `decided`: every metric PASS or LEAK at a look; `cap`: all `cycles` ran undecided; `aborted`, `error`. */
  stopReason: 'decided' | 'cap' | 'aborted' | 'error';
  /** ms from the scenario's start to the look that decided it; null when none did. */
  timeToDecisionMs: number | null;
  measuredCycles: number;
  capCycles: number;
  /** Looks taken and planned. */
  look: number;
  looks: number;
  /** Two-sided alpha of the scenario over all looks and metrics (the run's alpha over its scenarios). */
  familyAlpha: number;
  /** Two-sided alpha of the last look: the reported intervals are at 1 − alpha / metrics judged. */
  lookAlpha: number;
}

/** One remote agent's part in a scenario run over agents (docs/distributed.md). */
export interface AgentReport {
  /** `ID@HOST`, as the coordinator's lines and the `agent-lost` issue name it. */
  name: string;
  /** `--id` of the agent (the completion index in a Kubernetes Indexed Job). */
  id: string;
  /** Its host name, and the address its connection to the coordinator came from. */
  host: string;
  address: string;
  /**
   * Share of every cycle's clients it held, or of the cycle's operations for a pattern whose cycles split over
   * agents (`splitsCycles`: then clientsPerCycle counts operations); all agents' shares add up to 1.
   */
  share: number;
  clientsPerCycle: number;
  /** Load processes the agent spread its share over (its own open-files limit decides). */
  processes: number;
  /** Connects (a split pattern: operations) attempted and failed over the scenario. */
  operations: number;
  failures: number;
  /** Connects per second it achieved while filling (successful connects over its fill time); null without a fill. */
  connectsPerSecond: number | null;
  /** The agent's own processes: peak RSS, CPU share per process over the scenario, and whether it kept up. */
  selfCheck: AgentSelfCheck;
  /** Why it was lost mid-scenario, and in which cycle (0-based); null when it stayed. */
  lost: string | null;
  lostInCycle: number | null;
}

export interface AgentSelfCheck {
  peakRssBytes: number;
  /** CPU time of its processes over the scenario's wall time, per process, in percent; null before any answer. */
  cpuPct: number | null;
  /** `ok`; `busy`: its CPU was near a full core per process (the agent, not the broker, may have set the rate); `lost`. */
  status: 'ok' | 'busy' | 'lost';
}

/** A continuous (soak) run of one scenario: its load and the windows its floors were read over. */
export interface SoakReport {
  /** The soak asked for (`--soak`), ms of load. */
  durationMs: number;
  /** Load that ran, ms: shorter than `durationMs` when interrupted or the target failed. */
  loadMs: number;
  /** The first part of the load, not judged. */
  warmupMs: number;
  /** Each window's length, ms: its minimum is the floor judged. */
  windowMs: number;
  /**
   * `gc-period`: two garbage-collection periods estimated from the samples under load; `fallback`: no rhythm found, a
   * fixed window.
   */
  windowChoice: 'gc-period' | 'fallback';
  /** The longest GC period found among the memory metrics, ms; null when none showed one. */
  gcPeriodMs: number | null;
  /** Per memory metric, the GC period found (null: none). */
  gcPeriods: Record<string, number | null>;
  /** How the window was chosen, in words. */
  why: string;
  /** Batches of `operationsPerCycle` operations the load ran back to back. */
  batches: number;
  /** A collection was forced before the recovery floor (embedded broker, `--gc-cmd`). */
  recoveryGcForced: boolean;
}

/**
 * One protocol check over the scenario: `held` when observed === expected, `failed` otherwise,
 * `not-exercised` when nothing the run did called for it (expected 0).
 */
export interface CheckReport {
  expected: number;
  observed: number;
  status: 'held' | 'failed' | 'not-exercised';
}

export interface ObservationReport {
  count: number;
  min: number;
  max: number;
  mean: number;
}

export interface TargetReport {
  kind: TargetKind;
  url: string;
  /**
   * The broker's process; null when none was watched (`kind` `no-process`: `--no-proc`, or a broker on another host
   * judged by its probes).
   */
  pid: number | null;
  description: string;
  command: string | null;
  gcForced: boolean;
  /** The last lines a broker mqleak started printed. */
  outputTail: string[];
  /** How mqleak reached the broker: scheme and TLS parameters (never key material). Absent in older reports. */
  transport?: TransportReport;
  /** The PID that listened on the broker's port after the watched process went away: a restart mid-run (exit 3). */
  restartedPid?: number;
}

/** The transport of a run, as negotiated with the broker when the target was checked. */
export interface TransportReport {
  scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  /** The WebSocket path (ws://, wss://). */
  path?: string;
  /** mqtts://, wss://: what was asked for and what was negotiated. */
  tls?: {
    /** `TLSv1.3`, `TLSv1.2` ... negotiated on the check connection. */
    version: string | null;
    cipher: string | null;
    /** The SNI name sent (--servername, else the URL's host name; null for an IP address). */
    servername: string | null;
    /** --insecure: the broker's certificate was not verified. */
    insecure: boolean;
    /** A client certificate was offered (--cert/--key). */
    clientCertificate: boolean;
    /** --ca / --cert as given (file names only). */
    caFile: string | null;
    certFile: string | null;
  };
}

/** Which figure of a metric a threshold limits: the point estimates the table shows. */
export type ThresholdStat = 'bytesPerOp' | 'mbPerHour' | 'perOp' | 'perHour';

/** One k6-style threshold (`--threshold`, a scenario file's `limits:`) checked against one scenario's metric. */
export interface ThresholdResult {
  /** As checked, with its scenario: `connect-churn:rss<=64B/op`. */
  expression: string;
  source: 'command-line' | 'scenario-file' | 'report-command';
  scenario: string;
  metric: string;
  stat: ThresholdStat;
  operator: '<=' | '<';
  /** The limit in the stat's unit: bytes per op, MB per hour, the metric's unit per op or per hour. */
  limit: number;
  /** The measured figure in the same unit; null when the run has none (the metric was not judged, no slope). */
  value: number | null;
  /** The lower end of the metric's interval in the same unit: the limit is broken only when it is over. Absent without an interval and in older reports. */
  lowerBound?: number;
  /** `no-data` does not break the run: the verdict already says why the figure is missing. */
  status: 'pass' | 'fail' | 'no-data';
  /** One line in plain words. */
  message: string;
}

/** The machine the run was made on: what a rerun should match for figures to compare. */
export interface EnvironmentReport {
  platform: string;
  release: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
}

/** One probe of the run (`--probe`, and proc for the watched processes): what it read and what it missed. */
export interface ProbeReport {
  /** The metrics' namespace: proc, sys, http, cgroup, cmd. */
  id: string;
  kind: string;
  /** What it reads: PIDs, topics, a URL and selector, a folder, a command. */
  source: string;
  /** The metric names it offers (`sys.heap`, `http.rabbitmq_process_resident_memory_bytes`). */
  metrics: string[];
  /** Sampling ticks, readings that gave values, failed and timed-out readings, ticks skipped while a reading ran. */
  ticks: number;
  readings: number;
  failures: number;
  timeouts: number;
  skipped: number;
  /** The last failure's message and when it happened (ms since the run started); null when none failed. */
  lastError: string | null;
  lastErrorMs: number | null;
}

export interface RunReport {
  schemaVersion: number;
  tool: { name: 'mqleak'; version: string; node: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  verdict: RunVerdict;
  exitCode: number;
  interrupted: boolean;
  /** The signal that interrupted the run (SIGINT, SIGTERM, SIGHUP), when one did. */
  interruptedBy?: string;
  error: { kind: ErrorKind; message: string; hint: string | null } | null;
  target: TargetReport | null;
  settings: {
    quick: boolean;
    sampleIntervalMs: number;
    /** How long the broker may leave mqleak's liveness ping unanswered before the run ends with exit 3. */
    answerBoundMs?: number;
    familyAlpha: number;
    /** Two-sided alpha of the whole run over scenarios, metrics and looks (cycle runs); absent in soaks and older reports. */
    runAlpha?: number;
    /** process.argv of the run, credentials redacted. */
    command: string[];
    /** The same as a shell command line that repeats the run (`mqleak run ...`); absent in older reports. */
    commandLine?: string;
    /** `--budget`: the time given, the estimates before and after fitting, and what was scaled. */
    budget?: { seconds: number; fullSeconds: number; plannedSeconds: number; scale: number; notes: string[] };
  };
  /** Absent in older reports. */
  environment?: EnvironmentReport;
  scenarios: ScenarioReport[];
  /** The probes that sampled the target and how each fared. Absent in older reports. */
  probes?: ProbeReport[];
  /**
   * Pre-run checks (open-files limits of mqleak and the broker, ephemeral ports) for the load asked: what will limit
   * it. Absent when none applied and in older reports.
   */
  preflight?: { level: 'warning' | 'info'; check: string; message: string }[];
  /** k6-style thresholds and whether each held; any `fail` makes the exit code 1. Absent in older reports. */
  thresholds?: ThresholdResult[];
  /**
   * Self-check over every scenario (LEAK if any scenario's selfVerdict is): report-only, not in `exitCode`. Absent in
   * older reports.
   */
  selfVerdict?: Verdict;
  /**
   * The processes the self-check summed: `pids` every one seen (coordinator first), `maxProcesses` the most at once.
   */
  selfProcesses?: {
    pids: number[];
    maxProcesses: number;
    excludedPids: number[];
    /**
     * The coordinator's bytes of unfinished inbound packets at most (`peakBytes`), against the process-wide budget
     * and the per-packet cap (core/inbound-limits.ts). Added later (issue 17, hostile broker); absent in older reports.
     */
    inboundBuffered?: { peakBytes: number; budgetBytes: number; maxPacketBytes: number };
  };
}
