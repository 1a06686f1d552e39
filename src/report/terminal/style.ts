import { Chalk, type ChalkInstance } from 'chalk';

/** Colour only for a terminal, never when NO_COLOR is set (https://no-color.org) or --no-color was given. */
export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, colorFlag: boolean): ChalkInstance {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const level = colorFlag && !noColor && stream.isTTY === true ? 1 : 0;
  return new Chalk({ level });
}
