import { PATTERNS } from '../patterns/catalogue.js';
import type { PatternHost } from '../load/remote/pattern-share.js';

// What `mqleak agent` runs when a coordinator splits a pattern's cycles over agents: the pattern from the
// same catalogue as a local run, started with the coordinator's parameters and this agent's run token.

export const agentPatternHost: PatternHost = async (share, context) => {
  const pattern = PATTERNS.get(share.pattern);
  if (pattern?.splitsCycles === undefined)
    throw new Error(`pattern ${share.pattern} does not split its cycles over agents in this mqleak`);
  return pattern.start({
    broker: share.broker,
    params: share.params,
    signal: context.signal,
    runToken: share.runToken,
    sourceIps: context.sourceIps,
    ...(share.credentials === undefined ? {} : { credentials: share.credentials }),
  });
};
