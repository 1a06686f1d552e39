import { setTimeout as sleep } from 'node:timers/promises';
import { targetError, type MqleakError } from '../core/errors.js';
import { isLoopbackHost } from '../net/broker-address.js';
import { findListeningPids } from '../target/find-listener.js';
import type { Target } from '../target/target.js';

// A broker that a supervisor (systemd, Docker's restart policy, a Kubernetes liveness probe) restarts
// mid-run comes back on the same port with a new PID and fresh memory: its series cannot be judged across the
// restart. When the watched process is gone, mqleak looks who listens on the port now and, if it is another
// process, names it a restart with both PIDs (exit 3), instead of a plain "the broker died".

/** How long the port is watched for a restarted broker after the old process was found gone. */
const RESTART_LOOK_MS = 5000;
const RESTART_POLL_MS = 200;

export interface Restart {
  oldPid: number;
  newPid: number;
}

/** The process listening on the target's port now, when it is not the watched one (bounded wait). */
export async function findRestart(target: Target): Promise<Restart | null> {
  const oldPid = target.pid;
  if (oldPid === null || !isLoopbackHost(target.address.host)) return null;
  const deadline = Date.now() + RESTART_LOOK_MS;
  for (;;) {
    const others = (await findListeningPids(target.address.port)).filter((pid) => pid !== oldPid);
    if (others[0] !== undefined) return { oldPid, newPid: others[0] };
    if (Date.now() >= deadline) return null;
    await sleep(RESTART_POLL_MS);
  }
}

/** The scenario's error, made a named restart when the watched process is gone and another one holds the port. */
export async function withRestartNamed(
  error: MqleakError | null,
  target: Target,
  processGone: boolean,
  scenario: string,
): Promise<{ error: MqleakError | null; restart: Restart | null }> {
  if (!processGone) return { error, restart: null };
  const restart = await findRestart(target);
  if (restart === null) return { error, restart: null };
  return {
    restart,
    error: targetError(
      `the broker restarted during ${scenario}: pid ${restart.oldPid} is gone and pid ${restart.newPid} now ` +
        `listens on port ${target.address.port}${error === null ? '' : ` (${error.message})`}`,
      'a restart (a supervisor, an OOM kill: see `dmesg`, the broker’s logs) resets the memory mqleak ' +
        'measures, so the run cannot be judged across it; find why it restarted, or run against a broker ' +
        'nothing restarts',
    ),
  };
}
