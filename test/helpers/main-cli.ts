import { main } from '../../src/cli/main.js';

/**
 * The CLI in this process (`main()`, no child): for usage errors refused before any connection. Exit
 * code and what went to stderr; stdout is dropped.
 */
export async function mainCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (collect: boolean): NodeJS.WriteStream =>
    ({
      write: (text: string) => {
        if (collect) stderr += text;
        return true;
      },
      isTTY: false,
    }) as unknown as NodeJS.WriteStream;
  const code = await main(['node', 'mqleak', ...args], { stdout: sink(false), stderr: sink(true), env });
  return { code, stderr };
}
