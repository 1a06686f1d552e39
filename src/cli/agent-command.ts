import { ExitCode, type ExitCodeValue } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { runAgent } from '../load/remote/agent-client.js';
import { agentPatternHost } from './agent-patterns.js';
import type { Streams } from './run-command.js';
import { validateAgent, type AgentFlags } from './validate.js';

export type { AgentFlags } from './validate.js';

/** `mqleak agent`: runs load for a remote coordinator until it is done with this agent. */
export async function agentCommand(flags: AgentFlags, io: Streams): Promise<ExitCodeValue> {
  const valid = await validateAgent(flags, io.env);
  const log = (line: string): void => {
    io.stderr.write(`mqleak agent: ${line}\n`);
  };
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const { url } = valid;
  try {
    const outcome = await runAgent({
      ...valid,
      version: VERSION,
      log,
      signal: stop.signal,
      patterns: agentPatternHost,
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
