import type { RunReport } from '../core/report-model.js';

// Reports are kept in git, attached to CI runs and mailed around: no credential may reach one.
// One pass over the finished report, whatever field a credential came in by (a broker URL with
// user:pass@, a flag of the command line, a scenario parameter, a spawned broker's output).

export const REDACTED = '[redacted]';

/**
 * Names that hold a credential: `password`, `brokerPassword`, `api_key`, `bearer-token` ... matched at
 * the end of the name, so `clientsPerUser` or `maxTokens` (counts) are left alone; `user`, `pass` and
 * `auth` only as whole names for the same reason.
 */
const SECRET_ENDINGS = '(?:pass(?:word|wd|phrase)|secret|token|user[_-]?name|credentials?|api[_-]?key|private[_-]?key)';
const SECRET_WHOLE = '(?:user|pass|auth|authorization)';
const SECRET_NAME = new RegExp(`^(?:[\\w.-]*?${SECRET_ENDINGS}|${SECRET_WHOLE})$`, 'i');

/** `scheme://user:pass@host` and `scheme://user@host`: the user info goes. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi;
const VALUE = `("[^"]*"|'[^']*'|[^\\s"']+)`;
/** `--password=x`, `--password x`, `-password 'x y'` inside one string (a spawn command, an output line). */
const INLINE_FLAG = new RegExp(`(^|\\s)(--?(?:[\\w-]*?${SECRET_ENDINGS}|${SECRET_WHOLE}))(=|\\s+)${VALUE}`, 'gi');
/** `password=x` and `password: x` inside one string (`--set password=x`, a log line). */
const INLINE_ASSIGNMENT = new RegExp(
  `(^|[^\\w.-])((?:[\\w.-]*?${SECRET_ENDINGS}|${SECRET_WHOLE}))(=|:[ \\t]*)("[^"]*"|'[^']*'|[^\\s,;})"']+)`,
  'gi',
);

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function redactString(text: string): string {
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(INLINE_FLAG, `$1$2$3${REDACTED}`)
    .replace(INLINE_ASSIGNMENT, `$1$2$3${REDACTED}`);
}

/** A flag given as its own argument (`--password`, then the value as the next one). */
function isSecretFlag(arg: string): boolean {
  const match = /^--?([A-Za-z][\w-]*)$/.exec(arg);
  return match?.[1] !== undefined && isSecretName(match[1]);
}

function redactArray(values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < values.length; i++) {
    const previous = values[i - 1];
    if (
      typeof previous === 'string' &&
      isSecretFlag(previous) &&
      (typeof values[i] === 'string' || typeof values[i] === 'number')
    ) {
      out.push(REDACTED);
    } else {
      out.push(redactValue(values[i]));
    }
  }
  return out;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return redactArray(value);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const secret = isSecretName(key) && (typeof inner === 'string' || typeof inner === 'number');
      out[key] = secret ? REDACTED : redactValue(inner);
    }
    return out;
  }
  return value;
}

/** A copy of the report with every credential replaced by "[redacted]"; the input is left as it is. */
export function redactReport(report: RunReport): RunReport {
  return redactValue(report) as RunReport;
}
