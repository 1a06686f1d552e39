import { readFile } from 'node:fs/promises';
import { usageError } from '../core/errors.js';

// Flags shared by `mqleak agent` and `mqleak run --agents`: the shared token and the coordinator's address.

/** A token shorter than this is a typo or a placeholder, not a secret (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 16;
/** Default for how long the coordinator waits for its agents, and an agent for its coordinator. */
export const DEFAULT_AGENT_WAIT_SECONDS = 120;

/** `--token-file FILE`, else MQLEAK_TOKEN. The token is never printed: errors name the file or the variable only. */
export async function readAgentToken(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  let token: string;
  let from: string;
  if (file !== undefined) {
    from = `--token-file ${file}`;
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (error) {
      throw usageError(
        `${from}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        'give a readable file holding the shared token (e.g. from `openssl rand -hex 32`)',
      );
    }
  } else if (env.MQLEAK_TOKEN !== undefined) {
    from = 'MQLEAK_TOKEN';
    token = env.MQLEAK_TOKEN.trim();
  } else {
    throw usageError(
      'no shared token: agents and their coordinator authenticate with one',
      'give --token-file FILE or set MQLEAK_TOKEN, the same on the coordinator and every agent',
    );
  }
  if (token.length < MIN_TOKEN_LENGTH)
    throw usageError(
      `${from}: the token is shorter than ${MIN_TOKEN_LENGTH} characters`,
      'use a random secret, e.g. `openssl rand -hex 32`',
    );
  return token;
}

/** `HOST:PORT`, `[V6]:PORT`, or a ws:// / wss:// URL. */
export function parseHostPort(raw: string, flag: string): { host: string; port: number } {
  const match = /^(?:wss?:\/\/)?(\[[^\]]+\]|[^:/[\]]+):(\d+)\/?$/.exec(raw);
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`${flag} ${raw}: not HOST:PORT`, `e.g. ${flag} 10.0.0.5:7700 (port 0 lets the system pick one)`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

export function parseAgentWait(raw: string | undefined, flag: string): number {
  if (raw === undefined) return DEFAULT_AGENT_WAIT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
    throw usageError(`${flag} ${raw}: not a wait in seconds`, 'seconds from 1 to 3600');
  return seconds * 1000;
}
