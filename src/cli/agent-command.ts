import { readFile } from 'node:fs/promises';
import { ExitCode, usageError, type ExitCodeValue } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { runAgent } from '../load/remote/agent-client.js';
import { parseAgentWait, parseHostPort, readAgentToken } from './agent-flags.js';
import type { Streams } from './run-command.js';
import { parseSourceIps } from './source-ips.js';

export interface AgentFlags {
  coordinator: string;
  tokenFile?: string;
  id?: string;
  sourceIp: string[];
  tls?: boolean;
  ca?: string;
  wait?: string;
}

/** The agent's id: `--id`, else the Kubernetes Indexed Job's completion index, else the process id. */
function agentId(flags: AgentFlags, env: NodeJS.ProcessEnv): string {
  const id = flags.id ?? env.JOB_COMPLETION_INDEX ?? String(process.pid);
  if (!/^[\w.-]{1,64}$/.test(id))
    throw usageError(`--id ${id}: not an agent id`, 'letters, digits, ".", "_" and "-", at most 64');
  return id;
}

/** `mqleak agent`: runs load for a remote coordinator until it is done with this agent. */
export async function agentCommand(flags: AgentFlags, io: Streams): Promise<ExitCodeValue> {
  const { host, port } = parseHostPort(flags.coordinator, '--coordinator');
  const secure = flags.tls === true || flags.ca !== undefined || flags.coordinator.startsWith('wss://');
  const ca = flags.ca === undefined ? undefined : await readFile(flags.ca, 'utf8').catch(() => null);
  if (ca === null) throw usageError(`--ca ${flags.ca}: cannot read it`, 'give the PEM CA of the coordinator');
  const token = await readAgentToken(flags.tokenFile, io.env);
  const log = (line: string): void => {
    io.stderr.write(`mqleak agent: ${line}\n`);
  };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const url = `${secure ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    const outcome = await runAgent({
      url,
      token,
      version: VERSION,
      agentId: agentId(flags, io.env),
      sourceIps: parseSourceIps(flags.sourceIp),
      ...(ca === undefined ? {} : { ca }),
      connectWaitMs: parseAgentWait(flags.wait, '--wait'),
      log,
      signal: stop.signal,
    });
    if (outcome.kind === 'done') {
      log('the coordinator finished the run');
      return ExitCode.pass;
    }
    if (outcome.kind === 'refused') {
      log(`refused by the coordinator at ${url}: ${outcome.reason}`);
      return ExitCode.usage;
    }
    if (stop.signal.aborted) {
      log('stopped by a signal; its load was stopped');
      return ExitCode.internal;
    }
    log(
      outcome.kind === 'unreachable'
        ? `cannot reach the coordinator at ${url}: ${outcome.detail}`
        : `lost the coordinator at ${url} (${outcome.detail}); its load was stopped`,
    );
    return ExitCode.internal;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
}
