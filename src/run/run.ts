import { randomBytes } from 'node:crypto';
import { DEFAULT_FAMILY_ALPHA } from '../analysis/index.js';
import { RUN_ALPHA, scenarioAlpha } from '../analysis/sequential.js';
import { ExitCode, MqleakError, errorMessage, isMqleakError, type ExitCodeValue } from '../core/errors.js';
import {
  SCHEMA_VERSION,
  type RunReport,
  type RunVerdict,
  type DecisionReport,
  type ScenarioReport,
  type TargetReport,
} from '../core/report-model.js';
import type { SequentialRecord } from '../core/recording.js';
import { commandLineOf, environmentReport } from '../report/command-line.js';
import { redactReport } from '../report/redact.js';
import type { Credentials } from '../core/credentials.js';
import { protocolFactsReport } from '../patterns/shared/protocol-facts.js';
import { connectedClients, watchConnections } from '../load/pacing/connection-gauge.js';
import { inboundBuffered, MAX_INBOUND_PACKET_BYTES } from '../load/wire/packet-framer.js';
import { buildProbes, closeProbes, openProbes, parseProbeSpecs } from '../sample/build-probes.js';
import type { MetricInfo } from '../core/metrics.js';
import type { Probe } from '../sample/probe.js';
import { processesMatching } from '../sample/process-match.js';
import { DEFAULT_SAMPLE_INTERVAL_MS, Sampler } from '../sample/sampler.js';
import type { SampleStore } from '../core/sample-store.js';
import { builtinScenarioNames, loadScenario, type Scenario } from '../scenario/load-scenario.js';
import { applyOverrides, parseOverride } from '../scenario/overrides.js';
import { resolveTarget, type TargetOptions } from '../target/resolve-target.js';
import type { Target } from '../target/target.js';
import { VERSION } from '../core/version.js';
import { budgetReport, fitToBudget, type BudgetPlan } from './plan/time-budget.js';
import { judgeScenario } from '../verdict/judge-scenario.js';
import { probeIssues, probeReports } from '../verdict/probe-report.js';
import type { DataIssue } from '../analysis/index.js';
import { usageError } from '../core/errors.js';
import { checkRunLimits, withRunLimits, type RunLimits } from './plan/resource-limits.js';
import { runsWithoutProcess } from './plan/no-process.js';
import type { RunObserver } from './observer.js';
import { recordScenario, type ScenarioRecording, type ScenarioRunContext } from './run-scenario.js';
import { judgeSoakScenario } from '../verdict/judge-soak-scenario.js';
import { AgentPool } from '../load/remote/agent-pool.js';
import { ScenarioAgents } from './agents/scenario-agents.js';
import { PATTERNS } from '../patterns/catalogue.js';
import { isSoakRecording, soakRecorder } from './soak-scenario.js';
import { judgeSelf, selfRunVerdict, startSelfCheck, withSelfJudgement, type SelfCheck } from './self/self-check.js';
import { withRestartNamed } from './restart-check.js';
import { startLivenessWatch, type LivenessWatch } from './liveness-watch.js';
import { measureCycleBytes, measureSampleBytes, recordedBytesPerOp } from './self/recorded-bytes.js';
import { narrowLeak, type NarrowOptions } from './narrow.js';
import {
  attachAttribution,
  beginAttribution,
  finishAttribution,
  planAttribution,
  type ActiveAttribution,
  type AttributionPlan,
} from './attribution.js';
import { jvmBroker } from './jvm-broker.js';

export interface RunOptions {
  /** Scenario names or files; empty: every built-in scenario. */
  scenarios: readonly string[];
  quick: boolean;
  /** `--set` texts: `[SCENARIO:]KEY=VALUE`. */
  overrides: readonly string[];
  target: TargetOptions;
  sampleIntervalMs?: number;
  observer?: RunObserver;
  /** Aborting it (Ctrl-C) ends the run early; the report is still built from what was measured. */
  signal?: AbortSignal;
  /** The command line, recorded in the report. */
  argv?: readonly string[];
  /** For brokers that refuse anonymous clients; handed to the patterns, never written into the report. */
  credentials?: Credentials;
  /** `--source-ip`: addresses of this machine the load connects from (repeatable); none: automatic. */
  sourceIps?: readonly string[];
  /** `--budget`: fit the scenarios into this much time (ms), as the user wrote it in `text`. */
  budget?: { ms: number; text: string };
  /** `--soak`: each scenario runs as one continuous load of this many ms instead of cycles. */
  soakMs?: number;
  /** `--probe KIND[:ARG]` texts: what else to sample besides the broker process (see src/sample/probe-spec.ts). */
  probes?: readonly string[];
  /** More processes of the broker (`--pid` repeated): a cluster on this machine, judged summed and per process. */
  extraPids?: readonly number[];
  /** `--process NAME`: every process of that name is watched (cluster nodes). */
  processName?: string;
  /** After a variant family's LEAK, find the leaking family and case (absent: `--no-narrow`, no narrowing). */
  narrow?: NarrowOptions;
  /** `--attribute`: attribute the growth to allocation sites (heaptrack for native brokers); see docs/attribution.md. */
  attribute?: boolean;
  /** `--agents N --listen HOST:PORT`: the load runs on N remote agents (docs/distributed.md). */
  agents?: AgentRunOptions;
  /** After a plain run's LEAK, attribute it in a second, instrumented run (src/run/auto-attribution.ts); false: `--no-attribute`. */
  autoAttribute?: boolean;
}

export interface AgentRunOptions {
  count: number;
  listen: { host: string; port: number };
  /** The shared token (never logged, never in the report). */
  token: string;
  /** How long the run waits for the agents at its start and before each scenario. */
  waitMs: number;
  /** PEM certificate and key: agents connect over wss://. */
  tls?: { cert: string; key: string };
  /** Lines for the user whatever --quiet says: where it listens, agents joining, refused, lost. */
  log: (line: string) => void;
}

/** Everything checked before any connection is made: scenario files, parameters, overrides. */
export interface PreparedRun {
  options: RunOptions;
  scenarios: Scenario[];
  /** What `--budget` did to the scenarios, when given. */
  budget?: BudgetPlan;
  /** How attribution runs, when `--attribute` or a scenario's `attribute: true` asks for it. */
  attribution?: AttributionPlan;
  /**
   * The automatic rerun after a LEAK: the plain run's RSS slope (bytes/op) per scenario name, which the sites are
   * compared with instead of the instrumented run's (the tool's own memory grows that one: docs/attribution.md).
   */
  plainRssBytesPerOp?: ReadonlyMap<string, number>;
}

export async function prepareRun(given: RunOptions): Promise<PreparedRun> {
  const specs = parseProbeSpecs(given.probes ?? []);
  const { target } = given;
  const noProc = runsWithoutProcess({
    ...target,
    noProc: target.noProc === true,
    specs,
    extraPids: given.extraPids ?? [],
    processName: given.processName,
  });
  const options: RunOptions = { ...given, target: { ...target, noProc } };
  const refs = options.scenarios.length > 0 ? options.scenarios : await builtinScenarioNames();
  const scenarios: Scenario[] = [];
  for (const ref of refs) {
    const scenario = await loadScenario(ref, options.quick);
    // A scenario that needs the target set up for it first (a bridge to mqleak's peer) runs only when named.
    if (options.scenarios.length > 0 || scenario.pattern.needsTargetSetup === undefined) scenarios.push(scenario);
  }
  if (options.agents !== undefined) checkDistributed(scenarios, options);
  const overrides = options.overrides.map(parseOverride);
  const overridden = applyOverrides(scenarios, overrides);
  // Bad selections of variant families or cases (protocol-errors' `families`, `cases`) are usage errors, told
  // before any connection is tried: asking for the families throws them (exit 64, naming what exists).
  for (const scenario of overridden) scenario.pattern.variants?.families(scenario.params);
  const plan = await planAttribution(
    options.target,
    options.attribute === true || overridden.some((scenario) => scenario.attribute),
  );
  if (plan !== null && options.soakMs !== undefined)
    throw usageError(
      '--attribute with --soak: attribution judges each site at the cycle floors, and a soak has none (one ' +
        'continuous load, judged in windows)',
      "drop --soak to attribute the scenario in cycles (a soak's LEAK is attributed that way by itself), or drop " +
        '--attribute',
    );
  const attribution = plan === null ? {} : { attribution: plan };
  if (options.budget === undefined) return { options, scenarios: overridden, ...attribution };
  const fitted = fitToBudget(overridden, options.budget.ms, options.budget.text);
  return { options, scenarios: fitted.scenarios, budget: fitted.plan, ...attribution };
}

/** `--agents`: every scenario must be one whose pattern splits its load over agents, and cycles, not a soak. */
/** The patterns that run over agents, for the usage error. */
function distributedPatterns(): string {
  return [...PATTERNS.values()]
    .filter((pattern) => pattern.distributed === true || pattern.splitsCycles !== undefined)
    .map((pattern) => pattern.name)
    .join(', ');
}

function checkDistributed(scenarios: readonly Scenario[], options: RunOptions): void {
  const local = scenarios.filter(
    (scenario) => scenario.pattern.distributed !== true && scenario.pattern.splitsCycles === undefined,
  );
  if (local.length > 0)
    throw usageError(
      `--agents: ${local.map((scenario) => scenario.name).join(', ')} cannot run over agents`,
      `name scenarios of a pattern whose load splits over agents (${distributedPatterns()}; see docs/distributed.md)`,
    );
  if (options.soakMs !== undefined)
    throw usageError('--agents with --soak', 'a run over agents is judged in cycles: drop --soak');
}

export function exitCodeFor(verdict: RunVerdict, error: MqleakError | null): ExitCodeValue {
  if (error !== null) return error.exitCode;
  return { pass: ExitCode.pass, leak: ExitCode.leak, inconclusive: ExitCode.inconclusive, error: ExitCode.internal }[
    verdict
  ];
}

function runVerdict(scenarios: readonly ScenarioReport[], error: MqleakError | null): RunVerdict {
  if (error !== null) return 'error';
  const verdicts = scenarios.map((scenario) => scenario.verdict);
  if (verdicts.includes('error')) return 'error';
  if (verdicts.includes('leak')) return 'leak';
  if (verdicts.length === 0 || verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

function asMqleakError(error: unknown): MqleakError {
  if (isMqleakError(error)) return error;
  return new MqleakError(
    'internal',
    `mqleak failed: ${errorMessage(error)}`,
    'run again with --verbose and report it',
    { cause: error },
  );
}

function targetReport(target: Target): TargetReport {
  return {
    kind: target.kind,
    url: target.address.url,
    pid: target.pid,
    description: target.description,
    command: target.command,
    gcForced: target.canForceGc,
    outputTail: target.outputTail(),
    ...(target.transport === undefined ? {} : { transport: target.transport }),
  };
}

/** What the probes offer and what they missed, for judging. */
interface Sampling {
  metrics: readonly MetricInfo[];
  issues: (metric: string) => DataIssue[];
}

/** The watched processes: the target's, then `--pid` repeated and `--process NAME` matches. */
async function watchedPids(target: Target, options: RunOptions): Promise<number[]> {
  const named = options.processName === undefined ? [] : await processesMatching(options.processName);
  if (options.processName !== undefined && named.length === 0) {
    throw usageError(
      `--process ${options.processName}: no process of that name`,
      'give the command name the broker runs as (as `ps -o comm` shows it), e.g. --process beam.smp',
    );
  }
  return [...new Set([...(target.pid === null ? [] : [target.pid]), ...(options.extraPids ?? []), ...named])];
}

function scenarioReport(
  scenario: Scenario,
  recording: ScenarioRecording,
  store: SampleStore,
  runError: MqleakError | null,
  sampling?: Sampling,
): ScenarioReport {
  // The one time this scenario's samples are made into objects: for its judgement and its report.
  const own = store.between(recording.startMs, recording.endMs);
  const soak = isSoakRecording(recording)
    ? judgeSoakScenario(scenario, recording, own, sampling?.metrics, sampling?.issues)
    : null;
  const judgement = soak ?? judgeScenario(scenario, recording, own, sampling?.metrics, sampling?.issues);
  const failures = recording.cycles.reduce((sum, cycle) => sum + cycle.failures, 0);
  return {
    name: scenario.name,
    description: scenario.description,
    source: scenario.source,
    pattern: scenario.pattern.name,
    operation: scenario.pattern.operation,
    verdict: runError !== null && runError.kind !== 'usage' ? 'error' : judgement.verdict,
    parameters: scenario.params,
    thresholds: Object.fromEntries(judgement.metrics.map((metric) => [metric.name, metric.thresholdPerOp])),
    quick: scenario.quick,
    operations: recording.cycles.at(-1)?.cumulativeOps ?? 0,
    measuredOperations: judgement.measuredOperations,
    failures,
    failureKinds: recording.failureKinds,
    opsPerSecond: judgement.opsPerSecond,
    startMs: recording.startMs,
    endMs: recording.endMs,
    phases: recording.phases,
    mode: soak === null ? 'cycles' : 'soak',
    ...(soak === null ? {} : { soak: soak.soak }),
    cycles: judgement.cycles,
    metrics: judgement.metrics,
    issues: judgement.issues,
    error: runError === null ? null : runError.message,
    samples: own.map((sample) => ({ t: sample.t, lateMs: sample.lateMs, ...sample.values })),
    ...protocolFactsReport(recording.facts),
    ...(recording.sequential === undefined || soak !== null ? {} : { decision: decisionReport(recording.sequential) }),
    ...(judgement.families === null || judgement.families === undefined ? {} : { families: judgement.families }),
  };
}

function decisionReport(sequential: SequentialRecord): DecisionReport {
  return {
    stopReason: sequential.stopReason,
    timeToDecisionMs: sequential.decidedAtMs,
    measuredCycles: sequential.measuredCycles,
    capCycles: sequential.capCycles,
    look: sequential.look,
    looks: sequential.looks,
    familyAlpha: sequential.familyAlpha,
    lookAlpha: sequential.alpha,
  };
}

/** What the samples kept for the report add to mqleak's heap per measured operation (see recorded-bytes.ts). */
function selfRecordedPerOp(recording: ScenarioRecording, brokerSamples: SampleStore, self: SelfCheck): number {
  if (!recording.cycles.some((cycle) => cycle.selfFloors !== undefined)) return 0;
  const recorded = [brokerSamples, self.sampler.store].map((samples) => ({
    samples,
    bytesPerSample: measureSampleBytes(samples) ?? 0,
  }));
  return recordedBytesPerOp(recording.cycles, recorded, measureCycleBytes(recording.cycles) ?? 0);
}

function selfRunReport(
  reports: readonly ScenarioReport[],
  self: SelfCheck | null,
): Pick<RunReport, 'selfVerdict' | 'selfProcesses'> {
  const selfVerdict = selfRunVerdict(reports);
  if (self === null) return {};
  return {
    ...(selfVerdict === undefined ? {} : { selfVerdict }),
    selfProcesses: {
      pids: [...self.probe.seen],
      maxProcesses: self.probe.maxProcesses,
      excludedPids: self.excludedPids,
      inboundBuffered: {
        peakBytes: inboundBuffered().peakBytes,
        budgetBytes: inboundBuffered().budgetBytes,
        maxPacketBytes: MAX_INBOUND_PACKET_BYTES,
      },
    },
  };
}

/** The signal's name when the run was aborted with one as the reason (src/cli/stop-signals.ts). */
function interruptedBy(signal: AbortSignal | undefined): Pick<RunReport, 'interruptedBy'> {
  const reason: unknown = signal?.aborted === true ? signal.reason : undefined;
  return typeof reason === 'string' && /^SIG[A-Z]+$/.test(reason) ? { interruptedBy: reason } : {};
}

/** Listens for the agents and waits for all of them (bounded) before any load, so a missing one fails early. */
async function openAgentPool(agents: AgentRunOptions, signal: AbortSignal): Promise<AgentPool> {
  let pool: AgentPool;
  try {
    pool = await AgentPool.listen({
      ...agents.listen,
      token: agents.token,
      version: VERSION,
      log: agents.log,
      ...(agents.tls === undefined ? {} : { tls: agents.tls }),
    });
  } catch (error) {
    throw usageError(
      `--listen ${agents.listen.host}:${agents.listen.port}: cannot listen there ` +
        `(${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
      'give an address of this machine and a free port (0: any free port)',
    );
  }
  agents.log(`listening for ${agents.count} agents on ${pool.url}`);
  try {
    pool.giveBack(await pool.take(agents.count, agents.waitMs, signal));
  } catch (error) {
    await pool.close();
    throw new MqleakError(
      'internal',
      `--agents ${agents.count}: ${errorMessage(error)}`,
      'start the agents with `mqleak agent --coordinator HOST:PORT` and the same token, or raise --agents-wait',
    );
  }
  agents.log(`all ${agents.count} agents are here`);
  return pool;
}

/** The heap snapshot (Node) or class histogram (JVM) at each floor of scenario `index`, when attributed. */
function afterFloorOf(attribution: ActiveAttribution | null, index: number): Pick<ScenarioRunContext, 'afterFloor'> {
  const classes = attribution?.classes ?? null;
  if (classes !== null) return { afterFloor: (phase, cycle) => classes.atFloor({ scenario: index, phase, cycle }) };
  const heap = attribution?.heap ?? null;
  if (heap === null) return {};
  // No snapshot at a warm-up cycle's floor: the engine never judges it, and each snapshot pauses the load seconds.
  return {
    afterFloor: async (phase, cycle, warmup) => {
      if (warmup !== true) await heap.atFloor({ scenario: index, phase, cycle });
    },
  };
}

/** Runs the scenarios against the target and returns the report; failures end up in the report, not thrown. */
export async function executeRun(prepared: PreparedRun): Promise<RunReport> {
  const { options, scenarios } = prepared;
  const observer = options.observer ?? {};
  const started = Date.now();
  const clock = (): number => Date.now() - started;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const intervalMs = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  const runToken = randomBytes(4).toString('hex');
  let reports: ScenarioReport[] = [];
  let target: Target | null = null;
  let attribution: ActiveAttribution | null = null;
  let sampler: Sampler | null = null;
  let probes: Probe[] = [];
  let self: SelfCheck | null = null;
  let failure: MqleakError | null = null;
  let limits: RunLimits | null = null;
  let liveness: LivenessWatch | null = null;
  let restartedPid: number | null = null;
  let pool: AgentPool | null = null;

  try {
    let targetOptions = options.target;
    if (prepared.attribution !== undefined) {
      const begun = await beginAttribution(prepared.attribution, targetOptions);
      attribution = begun.active;
      targetOptions = begun.target;
    }
    const spawnedAtMs = clock();
    target = await resolveTarget(targetOptions);
    if (options.agents !== undefined) pool = await openAgentPool(options.agents, controller.signal);
    if (attribution !== null && prepared.attribution !== undefined) {
      await attachAttribution(attribution, prepared.attribution, target, spawnedAtMs, clock);
      observer.notice?.(
        attribution.session !== null
          ? 'attribution: heaptrack is recording the broker (it slows the broker; the trace is read after the run)'
          : attribution.heap != null
            ? 'attribution: a V8 heap snapshot at every floor (each one pauses the broker for a moment)'
            : attribution.classes != null
              ? 'attribution: jcmd GC.class_histogram at every floor (a full GC and a heap walk each)'
              : `attribution: ${attribution.note ?? 'not available'}`,
      );
    }
    const jvm = await jvmBroker(target, options.probes ?? []);
    target = jvm.target;
    for (const note of jvm.notes) observer.notice?.(note);
    observer.targetReady?.(target.description);
    limits = await checkRunLimits(scenarios, target, options.sourceIps);
    for (const note of limits.notes) observer.notice?.(`${note.level}: ${note.message}`);
    probes = buildProbes({
      specs: parseProbeSpecs(options.probes ?? []),
      pids: await watchedPids(target, options),
      broker: target.address,
      credentials: options.credentials,
      autoJvmPid: jvm.heapPid,
    });
    await openProbes(probes);
    sampler = new Sampler(probes, intervalMs, clock);
    sampler.onFailure(() => controller.abort());
    const liveSampler = sampler;
    if (observer.sample !== undefined) {
      const report = observer.sample.bind(observer);
      watchConnections();
      sampler.onSample((sample) => report(sample.values, { clientsConnected: connectedClients() }));
    }
    sampler.start();
    // A broker that stops answering ends the run within a stated bound instead of hanging it (liveness-watch.ts).
    liveness = startLivenessWatch(target.address, target.pid, options.credentials, () => controller.abort());
    self = await startSelfCheck(target.pid, intervalMs, clock, [liveSampler]);
    const liveSelf = self;
    for (const [index, scenario] of scenarios.entries()) {
      if (controller.signal.aborted) break;
      const agents =
        pool === null || options.agents === undefined
          ? null
          : new ScenarioAgents(pool, options.agents.count, options.agents.waitMs, controller.signal);
      const recording = await (options.soakMs === undefined ? recordScenario : soakRecorder(options.soakMs))(
        {
          scenario,
          target,
          sampler: liveSampler,
          signal: controller.signal,
          runToken,
          clock,
          observer,
          credentials: options.credentials,
          sourceIps: options.sourceIps,
          selfSampler: liveSelf.sampler,
          selfGc: liveSelf.gc,
          ...(agents === null ? {} : { agents }),
          ...afterFloorOf(attribution, index),
        },
        index,
        scenarios.length,
      );
      const named = await withRestartNamed(
        liveness.failure ?? (recording.error === null ? null : asMqleakError(recording.error)),
        target,
        liveSampler.failed !== null,
        scenario.name,
      );
      const error = named.error;
      if (named.restart !== null) restartedPid = named.restart.newPid;
      const lostAgents = agents?.issues() ?? [];
      const perMetricIssues = probeIssues(liveSampler.probeStats());
      const judged = scenarioReport(scenario, recording, liveSampler.store, error, {
        metrics: liveSampler.metrics,
        issues: (metric) => [...perMetricIssues(metric), ...lostAgents],
      });
      agents?.finish();
      const report = withSelfJudgement(
        agents === null ? judged : { ...judged, issues: [...judged.issues, ...lostAgents], agents: agents.reports() },
        judgeSelf(
          scenario,
          recording,
          liveSelf.sampler.store.between(recording.startMs, recording.endMs),
          liveSelf.sampler.metrics,
          selfRecordedPerOp(recording, liveSampler.store, liveSelf),
        ),
      );
      reports.push(withRunLimits(report, limits));
      observer.scenarioDone?.(scenario.name, report.verdict);
      if (error !== null) {
        failure = error;
        break;
      }
      if (options.narrow !== undefined && report.verdict === 'leak' && !controller.signal.aborted) {
        // Reruns of one family or case against the same target and sampler (src/run/narrow.ts).
        const narrowing = await narrowLeak(scenario, report, {
          ...options.narrow,
          now: () => Date.now(),
          runScenario: async (restricted) => {
            const rerun = await recordScenario(
              {
                scenario: restricted,
                target: target as Target,
                sampler: liveSampler,
                signal: controller.signal,
                runToken,
                clock,
                observer,
                credentials: options.credentials,
                sourceIps: options.sourceIps,
              },
              index,
              scenarios.length,
            );
            const rerunError = rerun.error === null ? null : asMqleakError(rerun.error);
            return scenarioReport(restricted, rerun, liveSampler.store, rerunError, {
              metrics: liveSampler.metrics,
              issues: probeIssues(liveSampler.probeStats()),
            });
          },
        });
        if (narrowing !== null) reports[reports.length - 1] = { ...(reports.at(-1) as ScenarioReport), narrowing };
      }
    }
    // The watch may end the run before a scenario has begun (a broker that floods its first connection).
    if (failure === null && liveness.failure !== null) failure = liveness.failure;
  } catch (error) {
    failure = asMqleakError(error);
  } finally {
    liveness?.stop();
    sampler?.stop();
    self?.sampler.stop();
    await pool?.close();
    await closeProbes(probes);
    options.signal?.removeEventListener('abort', onAbort);
    await target?.stop().catch(() => undefined);
  }
  // After the broker stopped: heaptrack's interpreter only finishes its file then.
  if (attribution !== null) reports = await finishAttribution(attribution, reports, prepared.plainRssBytesPerOp);

  const verdict = runVerdict(reports, failure);
  // The one place credentials are taken out: every renderer and file reads this report.
  return redactReport({
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mqleak', version: VERSION, node: process.version },
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
    verdict,
    exitCode: exitCodeFor(verdict, failure),
    interrupted: options.signal?.aborted ?? false,
    ...interruptedBy(options.signal),
    error: failure === null ? null : { kind: failure.kind, message: failure.message, hint: failure.hint ?? null },
    target: target === null ? null : { ...targetReport(target), ...(restartedPid === null ? {} : { restartedPid }) },
    settings: {
      quick: options.quick,
      sampleIntervalMs: intervalMs,
      ...(liveness === null ? {} : { answerBoundMs: liveness.answerBoundMs }),
      ...(options.soakMs === undefined
        ? { familyAlpha: scenarioAlpha(scenarios.length), runAlpha: RUN_ALPHA }
        : { familyAlpha: DEFAULT_FAMILY_ALPHA }),
      command: [...(options.argv ?? [])],
      commandLine: commandLineOf(options.argv ?? []),
      ...(prepared.budget === undefined ? {} : { budget: budgetReport(prepared.budget) }),
    },
    environment: environmentReport(),
    scenarios: reports,
    ...(sampler === null ? {} : { probes: probeReports(sampler.probeStats()) }),
    ...(limits === null || limits.notes.length === 0 ? {} : { preflight: limits.notes }),
    ...selfRunReport(reports, self),
  });
}
