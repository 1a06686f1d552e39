// Errors carry their exit code and a hint; src/cli/main.ts is the one place that turns them into output.

/** The interface contract's exit codes (DESIGN.md): scripts depend on these numbers. */
export const ExitCode = {
  pass: 0,
  leak: 1,
  inconclusive: 2,
  targetFailed: 3,
  internal: 4,
  usage: 64,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'usage' | 'target' | 'internal';

const exitCodeOfKind: Record<ErrorKind, ExitCodeValue> = {
  usage: ExitCode.usage,
  target: ExitCode.targetFailed,
  internal: ExitCode.internal,
};

export class MqleakError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  constructor(kind: ErrorKind, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MqleakError';
    this.kind = kind;
    this.hint = hint;
  }
  get exitCode(): ExitCodeValue {
    return exitCodeOfKind[this.kind];
  }
}

/** Bad flag, bad scenario file, unknown scenario: exit 64. */
export function usageError(message: string, hint?: string): MqleakError {
  return new MqleakError('usage', message, hint);
}

/** The broker is unreachable, crashed, or refused the load: exit 3. */
export function targetError(message: string, hint?: string, cause?: unknown): MqleakError {
  return new MqleakError('target', message, hint, { cause });
}

export function isMqleakError(error: unknown): error is MqleakError {
  return error instanceof MqleakError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
