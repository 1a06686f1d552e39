import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The file of a sibling entry point to start in a child process, and the Node flags it needs:
 * the built `.js` normally, the `.ts` source through tsx when mqleak itself runs from source (tests).
 */
export function siblingEntry(fromUrl: string, baseName: string): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL(`./${baseName}.js`, fromUrl));
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: fileURLToPath(new URL(`./${baseName}.ts`, fromUrl)), execArgv: ['--import', 'tsx'] };
}
