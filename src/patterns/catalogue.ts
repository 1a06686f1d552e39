import { bridgeChurn } from './bridge-churn.js';
import { connectChurn } from './connect-churn.js';
import { healthCheckChurn } from './health-check-churn.js';
import { groupChurn } from './group-churn.js';
import { inflightAbandon } from './inflight-abandon.js';
import { massConnect } from './mass-connect.js';
import type { PatternDefinition } from './pattern.js';
import { protocolErrors } from './protocol-errors.js';
import { rejectedConnect } from './rejected-connect.js';
import { retainedFlood } from './retained-flood.js';
import { sessionBacklog } from './session-backlog.js';
import { sessionTakeover } from './session-takeover.js';
import { subscriptionChurn } from './subscription-churn.js';
import { tlsChurn } from './tls-churn.js';
import { topicChurn } from './topic-churn.js';
import { willChurn } from './will-churn.js';

/** Every failure pattern mqleak knows, by name (the `pattern:` field of a scenario file). */
export const PATTERNS: ReadonlyMap<string, PatternDefinition> = new Map(
  [
    healthCheckChurn,
    connectChurn,
    rejectedConnect,
    protocolErrors,
    willChurn,
    sessionTakeover,
    massConnect,
    subscriptionChurn,
    topicChurn,
    groupChurn,
    retainedFlood,
    sessionBacklog,
    inflightAbandon,
    bridgeChurn,
    tlsChurn,
  ].map((pattern) => [pattern.name, pattern]),
);
