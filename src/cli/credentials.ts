import { usageError } from '../core/errors.js';
import type { Credentials } from '../core/credentials.js';

/**
 * `--username` / `--password`, else MQLEAK_USERNAME / MQLEAK_PASSWORD (the environment keeps a password
 * out of the shell history and the process list). Never written into a report: run.ts redacts them.
 */
export function credentialsFrom(
  flags: { username?: string; password?: string },
  env: NodeJS.ProcessEnv,
): Credentials | undefined {
  const username = flags.username ?? env.MQLEAK_USERNAME;
  const password = flags.password ?? env.MQLEAK_PASSWORD;
  if (username === undefined || username === '') {
    if (password !== undefined && password !== '') {
      throw usageError(
        'a password without a user name',
        'give --username (or MQLEAK_USERNAME) with --password (or MQLEAK_PASSWORD)',
      );
    }
    return undefined;
  }
  return password === undefined ? { username } : { username, password };
}
