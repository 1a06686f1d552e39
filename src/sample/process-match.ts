import { readdir, readFile } from 'node:fs/promises';

/**
 * Every process whose command name (/proc/PID/comm) or command line matches `name`: the nodes of a
 * cluster run on this machine (`--process beam.smp`, `--process emqx`). mqleak's own process and its
 * ancestors are left out (their command line names the pattern too). Sorted by PID.
 */
export async function processesMatching(name: string, procRoot = '/proc'): Promise<number[]> {
  const entries = await readdir(procRoot).catch(() => [] as string[]);
  const own = new Set([process.pid, process.ppid]);
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const pid = Number(entry);
        if (own.has(pid)) return;
        const [comm, cmdline] = await Promise.all([
          readFile(`${procRoot}/${pid}/comm`, 'utf8').catch(() => ''),
          readFile(`${procRoot}/${pid}/cmdline`, 'utf8').catch(() => ''),
        ]);
        const args = cmdline.split('\0').filter((arg) => arg !== '');
        const program = (args[0] ?? '').split('/').at(-1) ?? '';
        if (comm.trim() === name || program === name || args.some((arg) => arg === name || arg.endsWith(`/${name}`)))
          found.push(pid);
      }),
  );
  return found.sort((a, b) => a - b);
}
