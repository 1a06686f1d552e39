import { readFileSync } from 'node:fs';

/** mqleak's version, from its package.json (recorded in every report). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
