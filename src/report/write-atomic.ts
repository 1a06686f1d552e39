import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';

// A report is written to a temporary file beside its place and renamed over it: a reader (or a CI step that
// archives the folder) sees the old file or the new one, never half of one, and a disk that fills during the
// write leaves the earlier report as it was. rename(2) is atomic within one filesystem, hence "beside".

function temporaryBeside(file: string): string {
  const resolved = path.resolve(file);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to `file` atomically (temp file + fsync + rename); the folder is made when missing. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = temporaryBeside(file);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync(); // ENOSPC on a delayed allocation surfaces here, before the rename
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Checked before any load: the report can be written at `file` (its folder exists or can be made, a file can
 * be created there, and `file` is not a folder). Throws a usage error (exit 64) naming the path and flag.
 */
export async function checkWritable(file: string, flag: string): Promise<void> {
  const resolved = path.resolve(file);
  const hint = `point ${flag} at a folder you can write to`;
  const existing = await stat(resolved).catch(() => null);
  if (existing?.isDirectory() === true) throw usageError(`${flag} ${file}: is a folder, not a file`, hint);
  try {
    await mkdir(path.dirname(resolved), { recursive: true });
    await access(path.dirname(resolved), constants.W_OK);
    const probe = temporaryBeside(resolved);
    const handle = await open(probe, 'wx', 0o644);
    await handle.close();
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const why: Record<string, string> = {
      EEXIST: 'a file is in the way of its folder',
      ENOTDIR: 'a file is in the way of its folder',
      EROFS: 'a read-only filesystem',
      EACCES: 'permission denied',
      ENOSPC: 'the disk is full',
    };
    throw usageError(`${flag} ${file}: cannot write a report there: ${why[code] ?? 'error'} (${code})`, hint);
  }
}
