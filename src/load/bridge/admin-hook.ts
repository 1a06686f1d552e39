import { signalOwnedChild, spawnOwned } from '../../core/owned-processes.js';

// Admin hooks for brokers where topics and consumer groups are administered explicitly (RocketMQ's
// MQTT proxy, Kafka-backed brokers): the per-topic and per-group state that leaked there is created
// by an admin call, not by a PUBLISH. A hook is an HTTP request or a shell command, run once per
// topic or group created and once per deleted, with `{topic}` / `{group}` filled in.

export type Hook = { kind: 'http'; method: string; url: string } | { kind: 'command'; command: string };

export interface HookResult {
  ok: boolean;
  /** What came back, for the report: `HTTP 204`, `exit 0`, `exit 2`, `timeout`, `ECONNREFUSED` ... */
  answer: string;
}

/** `[METHOD ]http(s)://...` is a request; anything else a command for `sh -c`. */
const HTTP_HOOK = /^(?:([A-Z]+)\s+)?(https?:\/\/\S+)$/;

/** Parses a hook parameter; an empty string is no hook. `defaultMethod` applies to a bare URL. */
export function parseHook(text: string, defaultMethod: string): Hook | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const match = HTTP_HOOK.exec(trimmed);
  if (match !== null) return { kind: 'http', method: match[1] ?? defaultMethod, url: match[2] as string };
  return { kind: 'command', command: trimmed };
}

/** Fills `{name}` placeholders; values go into URLs percent-encoded, into commands as they are. */
export function fillPlaceholders(
  template: string,
  values: Readonly<Record<string, string>>,
  encode: (value: string) => string,
): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : encode(value);
  });
}

/** Runs one hook, bounded by `timeoutMs`; never throws: failures come back as `ok: false` with what happened. */
export async function runHook(
  hook: Hook,
  values: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<HookResult> {
  if (hook.kind === 'http') return runHttpHook(hook, values, timeoutMs);
  return runCommandHook(
    fillPlaceholders(hook.command, values, (value) => value),
    timeoutMs,
  );
}

async function runHttpHook(
  hook: Extract<Hook, { kind: 'http' }>,
  values: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<HookResult> {
  const url = fillPlaceholders(hook.url, values, encodeURIComponent);
  try {
    const response = await fetch(url, { method: hook.method, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined); // drain, so the connection can be reused
    return { ok: response.ok, answer: `HTTP ${response.status}` };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, answer: 'timeout' };
    const code = ((error as { cause?: { code?: unknown } }).cause?.code ?? name) as string;
    return { ok: false, answer: String(code) };
  }
}

function runCommandHook(command: string, timeoutMs: number): Promise<HookResult> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout ends the command and whatever it started, by that group's id.
    // Its output is not read: the exit status is the answer, and a chatty tool cannot fill a pipe.
    const child = spawnOwned('sh', ['-c', command], { stdio: 'ignore' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signalOwnedChild(child, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, answer: error.code ?? 'error' });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ ok: false, answer: 'timeout' });
      else if (code === 0) resolve({ ok: true, answer: 'exit 0' });
      else resolve({ ok: false, answer: code === null ? `signal ${signal ?? '?'}` : `exit ${code}` });
    });
  });
}
