import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FillRequest, FillResult, HeldClientsOptions, ReleaseResult } from '../clients/held-clients.js';
import type { WorkerStats } from '../fleet/worker-protocol.js';
import type { CycleOutcome } from '../../core/cycle.js';
import type { PatternShare, ShareCycleRequest } from './pattern-share.js';

// The messages between a coordinator (`mqleak run --agents N`) and an agent (`mqleak agent`) over one
// WebSocket. After the handshake they are the load worker's requests (worker-protocol.ts) as JSON, plus
// `setup`/`stop` that start and stop the agent's own local workers for one scenario, and `pattern`/`cycle`/
// `teardown` that run a share of each cycle's operations of a pattern on the agent (pattern-share.ts).
//
// Handshake: the coordinator sends a random challenge; the agent answers with HMAC-SHA256(token, challenge),
// its version and its name. The token itself never crosses the wire (plain ws:// is then enough to keep it),
// and neither side writes it anywhere.

/** Bumped whenever a message changes shape: an agent and a coordinator of another protocol refuse each other. */
export const AGENT_PROTOCOL = 2;

export interface Challenge {
  type: 'challenge';
  nonce: string;
  version: string;
  protocol: number;
}

export interface Hello {
  type: 'hello';
  /** HMAC-SHA256(token, nonce), hex. */
  proof: string;
  version: string;
  protocol: number;
  /** The agent's id (`--id`, the Job completion index in Kubernetes) and its host name. */
  agentId: string;
  host: string;
}

export interface Welcome {
  type: 'welcome';
  /** The name the coordinator knows this agent by (unique among the connected agents). */
  name: string;
}

export interface Refused {
  type: 'refused';
  reason: string;
}

/** The coordinator is done with this agent: it exits 0 (a Kubernetes Job completes). */
export interface Bye {
  type: 'bye';
}

export type AgentRequest =
  | {
      type: 'setup';
      id: number;
      options: HeldClientsOptions;
      /** The most clients this agent holds at once in any cycle: sizes its local worker processes. */
      capacity: number;
      /** Most clients per local process (the pattern's clientsPerProcess); 0: from the agent's own open-files limit. */
      perProcess: number;
    }
  | { type: 'begin'; id: number; rate: number }
  | { type: 'fill'; id: number; request: FillRequest }
  | { type: 'release'; id: number }
  | { type: 'stop'; id: number }
  | { type: 'pattern'; id: number; share: PatternShare }
  | { type: 'cycle'; id: number; request: ShareCycleRequest }
  | { type: 'teardown'; id: number };

export interface AgentAbort {
  type: 'abort';
}

/** What `cycle` answers: the agent's share of the cycle, as the pattern told it, and how long it took there. */
export interface ShareCycleResult {
  outcome: CycleOutcome;
  elapsedMs: number;
}

/** What `setup` answers: how the agent spread itself. */
export interface SetupResult {
  processes: number;
  sourceAddresses: number;
}

export type AgentReply =
  | {
      type: 'reply';
      id: number;
      result: null | SetupResult | FillResult | ReleaseResult | ShareCycleResult;
      /** The agent's processes summed (its own and its local workers'). */
      stats: WorkerStats;
    }
  | { type: 'failed'; id: number; message: string };

export type CoordinatorMessage = Challenge | Welcome | Refused | Bye | AgentRequest | AgentAbort;
export type AgentMessage = Hello | AgentReply;

export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

export function proofOf(token: string, nonce: string): string {
  return createHmac('sha256', token).update(nonce).digest('hex');
}

/** Constant-time check of an agent's proof. */
export function proofMatches(token: string, nonce: string, proof: string): boolean {
  const expected = Buffer.from(proofOf(token, nonce), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(proof) ? proof : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Parses one WebSocket text frame; null for anything that is not a JSON object with a string `type`. */
export function parseMessage(data: unknown): { type: string; [key: string]: unknown } | null {
  try {
    const value = JSON.parse(String(data)) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string')
      return value as { type: string };
  } catch {
    // not JSON: ignored like any other unknown message
  }
  return null;
}

/** Why a hello is refused, or null when it is welcome. The lines both sides print. */
export function refusal(hello: Hello, token: string, nonce: string, version: string): string | null {
  if (hello.protocol !== AGENT_PROTOCOL || hello.version !== version)
    return (
      `version mismatch: the agent is mqleak ${hello.version} (agent protocol ${hello.protocol}), ` +
      `the coordinator is mqleak ${version} (agent protocol ${AGENT_PROTOCOL}); run the same mqleak version on both`
    );
  if (!proofMatches(token, nonce, hello.proof))
    return (
      "wrong token: the agent does not hold the coordinator's token " +
      '(--token-file or MQLEAK_TOKEN must be the same on both)'
    );
  return null;
}
