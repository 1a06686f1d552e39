import { access, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { usageError } from '../core/errors.js';

// Where Debian's heaptrack keeps its pieces. mqleak drives them itself (the preload library, the interpreter, and
// gdb for an attach) instead of the `heaptrack` script, so it can read the trace while it knows when each floor was.

export interface HeaptrackTools {
  /** libheaptrack_preload.so: LD_PRELOAD it into a broker mqleak starts. */
  preload: string;
  /** libheaptrack_inject.so: loaded into a running broker through gdb. */
  inject: string;
  /** heaptrack_interpret: turns the raw stream into symbolized stacks. */
  interpret: string;
  /** heaptrack_env: prints the dlopen call gdb makes in the broker. */
  env: string;
}

const INSTALL_HINT = 'install it: `apt-get install heaptrack` (Debian/Ubuntu), or drop --attribute';

async function executableOnPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds heaptrack the way its own script does (../lib/heaptrack next to the script); exit 64 with a hint if missing. */
export async function findHeaptrack(): Promise<HeaptrackTools> {
  const script = await executableOnPath('heaptrack');
  if (script === null)
    throw usageError('--attribute needs heaptrack for a native broker, and it is not on the PATH', INSTALL_HINT);
  const lib = path.join(path.dirname(path.dirname(await realpath(script))), 'lib', 'heaptrack');
  const tools: HeaptrackTools = {
    preload: path.join(lib, 'libheaptrack_preload.so'),
    inject: path.join(lib, 'libheaptrack_inject.so'),
    interpret: path.join(lib, 'libexec', 'heaptrack_interpret'),
    env: path.join(lib, 'libexec', 'heaptrack_env'),
  };
  for (const file of [tools.preload, tools.interpret]) {
    if (!(await exists(file)))
      throw usageError(`--attribute: heaptrack is installed but ${file} is missing`, INSTALL_HINT);
  }
  return tools;
}

/** gdb is what injects heaptrack into a running process. */
export async function findGdb(): Promise<string | null> {
  return executableOnPath('gdb');
}
