import { WS_CHECKS, webSocketCheck, type WsCheck } from '../../load/checks/ws-check.js';
import type { BrokerAddress } from '../../net/broker-address.js';
import type { ParamSpecs, Params } from '../../core/params.js';
import { numberParam } from '../../core/params.js';
import type { ProtocolFacts } from './protocol-facts.js';

// The WebSocket side of health-check-churn and connect-churn: on a ws:// or wss:// URL a share of the
// operations are what load balancers and misconfigured clients do to the WebSocket port instead
// (an upgrade closed at once, an upgrade refused for its subprotocol, a plain HTTP GET). On mqtt:// and
// mqtts:// the parameter does nothing.

/** Check: an upgrade offering the `mqtt` subprotocol was granted (101 Switching Protocols). */
export const WS_UPGRADE_GRANTED = 'ws-upgrade-granted';
/** Check: an upgrade offering only a subprotocol that is not MQTT was refused (anything but 101). */
export const WS_WRONG_SUBPROTOCOL_REFUSED = 'ws-wrong-subprotocol-refused';

export const WEBSOCKET_PARAMS: ParamSpecs = {
  webSocketShare: {
    type: 'number',
    default: 0.25,
    minimum: 0,
    maximum: 1,
    description:
      'ws:// and wss:// only: share of operations that probe the WebSocket port instead, ' +
      'in turn: an HTTP upgrade closed as soon as it is granted, an upgrade refused for a ' +
      'wrong subprotocol, a plain HTTP GET (as load balancers send)',
  },
  webSocketHoldMs: {
    type: 'integer',
    default: 1000,
    minimum: 10,
    maximum: 60_000,
    description: "ws:// and wss:// only: give up waiting for the broker's HTTP answer after this long (then close)",
  },
};

export interface WebSocketChecks {
  /** The check operation `index` is, or null when it is the pattern's own operation. */
  checkFor(index: number): WsCheck | null;
  run(check: WsCheck, facts: ProtocolFacts, connectTimeoutMs: number): Promise<void>;
}

/** Deterministic spread: operation i is a check when the running share crosses an integer; the checks rotate. */
export function webSocketCheckFor(index: number, share: number): WsCheck | null {
  if (Math.floor((index + 1) * share) <= Math.floor(index * share)) return null;
  return WS_CHECKS[Math.floor(index * share) % WS_CHECKS.length] as WsCheck;
}

/** The checks for this broker and parameters; null unless the URL is ws:// or wss:// and the share is above 0. */
export function webSocketChecks(broker: BrokerAddress, params: Params): WebSocketChecks | null {
  const transport = broker.transport;
  const share = numberParam(params, 'webSocketShare');
  if (transport === undefined || (transport.scheme !== 'ws' && transport.scheme !== 'wss') || share <= 0) return null;
  const holdMs = numberParam(params, 'webSocketHoldMs');
  return {
    checkFor: (index) => webSocketCheckFor(index, share),
    async run(check, facts, connectTimeoutMs) {
      const answer = await webSocketCheck(broker.host, broker.port, transport, check, holdMs, connectTimeoutMs);
      facts.answer(`ws:${check}`, answer);
      if (check === 'upgrade-close') facts.check(WS_UPGRADE_GRANTED, answer === 'http-101');
      if (check === 'upgrade-refused') facts.check(WS_WRONG_SUBPROTOCOL_REFUSED, answer !== 'http-101');
    },
  };
}
