import { targetError, usageError } from '../../core/errors.js';
import { signalOwnedChild, spawnOwned } from '../../core/owned-processes.js';

// A user-given way to restart (or reconfigure) the bridge on the target: a shell command, or an HTTP
// request to the broker's management API (NanoMQ, EMQX, HiveMQ ... have one). Written as
//   "systemctl reload nanomq"                                  a command, run with sh -c
//   "POST http://admin:public@127.0.0.1:8081/api/v4/reload"    METHOD URL: an HTTP request
// {peerHost} and {peerPort} (fillPlaceholders) are replaced by the peer's address before parsing, in the
// command, the URL and the body, so a hook can also point the bridge at the peer.

export type RestartHook =
  | { kind: 'command'; text: string; command: string }
  | { kind: 'http'; text: string; method: string; url: URL; authorization: string | null; body: string | null };

const HTTP_FORM = /^(GET|POST|PUT|PATCH|DELETE)\s+(https?:\/\/\S+)$/i;
/** The last lines a failing command printed, for the error message. */
const OUTPUT_TAIL_CHARS = 300;

export function fillPlaceholders(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

/** Parses the hook text ('' means none), placeholders already filled; `body` goes with an HTTP hook. */
export function parseRestartHook(text: string, body: string): RestartHook | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const match = HTTP_FORM.exec(trimmed);
  if (match === null) return { kind: 'command', text: trimmed, command: trimmed };
  let url: URL;
  try {
    url = new URL(match[2] as string);
  } catch {
    throw usageError(
      `restartHook: '${match[2]}' is not a URL`,
      'write METHOD URL, e.g. POST http://127.0.0.1:8081/api/v4/reload, or a shell command',
    );
  }
  // fetch() refuses URLs with credentials: they become a Basic authorization header.
  const authorization =
    url.username === ''
      ? null
      : `Basic ` +
        `${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return {
    kind: 'http',
    text: trimmed,
    method: (match[1] as string).toUpperCase(),
    url,
    authorization,
    body: body.trim() === '' ? null : body,
  };
}

/** How the hook is shown in messages: never with its credentials. */
export function describeHook(hook: RestartHook): string {
  return hook.kind === 'command' ? `command \`${hook.command}\`` : `${hook.method} ${hook.url.toString()}`;
}

/** Runs the hook once; a failure (non-zero exit, HTTP error, timeout) is a target failure. */
export async function runRestartHook(hook: RestartHook, timeoutMs: number): Promise<void> {
  if (hook.kind === 'command') return runCommand(hook.command, timeoutMs, describeHook(hook));
  const headers: Record<string, string> = {};
  if (hook.authorization !== null) headers.authorization = hook.authorization;
  if (hook.body !== null) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(hook.url, {
      method: hook.method,
      headers,
      body: hook.body ?? undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw targetError(
      `the restart hook ${describeHook(hook)} failed: ${(error as Error).message}`,
      "check the broker's management API is reachable and the URL is right",
    );
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    throw targetError(
      `the restart hook ${describeHook(hook)} answered HTTP ` +
        `${response.status}${text === '' ? '' : `: ${text.slice(0, OUTPUT_TAIL_CHARS)}`}`,
      "check the API path, method, body and credentials against the broker's documentation",
    );
  }
}

function runCommand(command: string, timeoutMs: number, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnOwned('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const timer = setTimeout(() => {
      signalOwnedChild(child, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        targetError(`the restart hook ${label} could not run: ${error.message}`, 'check the command runs by itself'),
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why =
        signal === 'SIGKILL'
          ? `did not finish within ${timeoutMs / 1000} s`
          : signal !== null
            ? `was killed by ${signal}`
            : `exited with code ${code}`;
      const tail = output.trim().split('\n').slice(-2).join(' | ');
      reject(
        targetError(
          `the restart hook ${label} ${why}${tail === '' ? '' : `: ${tail}`}`,
          'check the command runs by itself and restarts the bridge',
        ),
      );
    });
  });
}
