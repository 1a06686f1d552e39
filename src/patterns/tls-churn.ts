import { usageError } from '../core/errors.js';
import { runOperations } from '../load/pacing/run-operations.js';
import { captureClientHello, helloOptionsOf, rawTlsAttempt, tlsHandshakeClose } from '../load/checks/tls-handshake.js';
import { UNTRUSTED_CLIENT_CERT, UNTRUSTED_CLIENT_KEY } from '../load/checks/untrusted-client-cert.js';
import { isSecureScheme, schemeOf } from '../net/broker-address.js';
import { ACCEPTED_ANSWER, type PatternDefinition } from './pattern.js';
import { numberParam, stringParam, type Params } from '../core/params.js';
import { ProtocolFacts } from './shared/protocol-facts.js';
import { cycleFamily, modeVariantSpace } from './shared/rotation.js';

// A TLS listener does a whole handshake per connection before any MQTT: key exchange, certificate,
// session state, often in native memory outside the broker's own accounting (the Moquette article in
// the seeds warns of native allocation with SSL on). Health checks on a TLS port make the broker do it
// per probe. Each operation is one handshake ended without MQTT, completed or failed a chosen way.

export const TLS_VARIANTS = [
  'full',
  'resumed',
  'bad-client-cert',
  'old-version',
  'garbage',
  'mid-handshake-close',
] as const;
export type TlsVariant = (typeof TLS_VARIANTS)[number];

/** What a non-TLS client sends to a TLS port instead of a ClientHello: an HTTP health check. */
const GARBAGE_HELLO = Buffer.from('GET /healthz HTTP/1.1\r\nHost: mqtt\r\nUser-Agent: kube-probe/1.29\r\n\r\n');
/**
 * An offer of TLS 1.0–1.1 only, which brokers on OpenSSL 3 refuse (RFC 8996 deprecates both).
 * SECLEVEL=0 lets node's OpenSSL build such a ClientHello at all; it is only ever sent, never completed.
 */
const OLD_VERSION_OPTIONS = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

/** One family per handshake variant when `handshake` is mixed. */
export const TLS_VARIANT_SPACE = modeVariantSpace('handshake', TLS_VARIANTS, {
  full: { words: 'a full TLS handshake, then close', rule: 'RFC 8446 4 / RFC 5246 7: a completed handshake' },
  resumed: {
    words: 'a TLS handshake resuming the last session ticket, then close',
    rule: 'RFC 8446 2.2 / RFC 5077: session resumption',
  },
  'bad-client-cert': {
    words: 'a handshake with a client certificate the broker does not trust',
    rule: 'RFC 8446 4.4.2.4: the server aborts with bad_certificate',
  },
  'old-version': {
    words: 'a ClientHello offering only TLS 1.0-1.1',
    rule: 'RFC 8996: TLS 1.0 and 1.1 are deprecated; the server refuses with protocol_version',
  },
  garbage: {
    words: 'an HTTP health check sent to the TLS port instead of a ClientHello',
    rule: 'RFC 8446 5.1: not a TLS record; the server closes',
  },
  'mid-handshake-close': {
    words: 'a ClientHello, then the connection closed before the handshake ends',
    rule: 'RFC 8446 6: an incomplete handshake; the server must free its state',
  },
});

export function variantFor(mode: string, index: number): TlsVariant {
  if (mode === 'mixed') return TLS_VARIANTS[index % TLS_VARIANTS.length] as TlsVariant;
  return (TLS_VARIANTS as readonly string[]).includes(mode) ? (mode as TlsVariant) : 'full';
}

/** Handshakes that complete are named by whether they resumed; the failing ones by the broker's refusal. */
const COMPLETED = 'completed';

export const tlsChurn: PatternDefinition = {
  name: 'tls-churn',
  summary:
    'TLS handshakes closed without MQTT: full and resumed, and failing ones (rejected ' +
    'client certificate, TLS 1.0/1.1, garbage, closed mid-handshake)',
  operation: 'handshake',
  variants: TLS_VARIANT_SPACE,
  needsTargetSetup: 'a TLS listener: --broker mqtts://HOST:PORT or wss://HOST:PORT/PATH',
  params: {
    handshake: {
      type: 'string',
      default: 'mixed',
      enum: [...TLS_VARIANTS, 'mixed'],
      description:
        'how each handshake goes: full (new session, closed at once), resumed (offers the ' +
        'session ticket of an earlier handshake), bad-client-cert (a self-signed client ' +
        'certificate the broker must reject), old-version (a TLS 1.0/1.1-only ' +
        'ClientHello), garbage (an HTTP request instead of a ClientHello), ' +
        'mid-handshake-close (ClientHello, then FIN as soon as the ServerHello comes), or ' +
        'mixed (rotating through all six)',
    },
    refusalWaitMs: {
      type: 'integer',
      default: 300,
      minimum: 10,
      maximum: 60_000,
      description:
        'bad-client-cert: how long after the handshake to wait for the broker to refuse ' +
        'the certificate (TLS 1.3 refuses after the client Finished); no refusal by then: ' +
        'accepted',
    },
    ticketWaitMs: {
      type: 'integer',
      default: 200,
      minimum: 0,
      maximum: 10_000,
      description:
        'resumed: how long after a handshake to wait for a session ticket to resume with ' +
        'next (TLS 1.3 sends tickets after the handshake)',
    },
    holdMs: {
      type: 'integer',
      default: 1000,
      minimum: 10,
      maximum: 600_000,
      description:
        'old-version, garbage: give up waiting for the broker to close the connection after this long (then close it)',
    },
    connectTimeoutMs: {
      type: 'integer',
      default: 5000,
      minimum: 100,
      maximum: 60000,
      description: 'give up on one handshake after this long',
    },
  },
  extraCycleMs(params: Params) {
    // bad-client-cert waits out refusalWaitMs when the broker accepts; one in six handshakes of a mixed run.
    const mode = stringParam(params, 'handshake');
    const share = mode === 'mixed' ? 1 / TLS_VARIANTS.length : mode === 'bad-client-cert' ? 1 : 0;
    return (
      Math.ceil((numberParam(params, 'operationsPerCycle') * share) / numberParam(params, 'concurrency')) *
      numberParam(params, 'refusalWaitMs')
    );
  },
  async start(context) {
    const { host, port, transport } = context.broker;
    if (transport === undefined || !isSecureScheme(schemeOf(context.broker))) {
      throw usageError(
        `tls-churn needs a TLS listener, but the broker is ${context.broker.url}`,
        'give --broker mqtts://HOST:PORT (or wss://HOST:PORT/PATH), with --ca FILE or --insecure',
      );
    }
    const mode = stringParam(context.params, 'handshake');
    const refusalWaitMs = numberParam(context.params, 'refusalWaitMs');
    const ticketWaitMs = numberParam(context.params, 'ticketWaitMs');
    const holdMs = numberParam(context.params, 'holdMs');
    const timeoutMs = numberParam(context.params, 'connectTimeoutMs');
    const helloOptions = helloOptionsOf(host, transport);
    // Captured once: the same bytes on every raw attempt (the broker's own randomness keeps each handshake fresh).
    const modernHello = await captureClientHello(helloOptions);
    const oldHello = await captureClientHello({ ...helloOptions, ...OLD_VERSION_OPTIONS });
    const facts = new ProtocolFacts();
    // The ticket of the last handshake that sent one: what the next `resumed` offers.
    let ticket: Buffer | null = null;

    const families = TLS_VARIANT_SPACE.families(context.params);
    const operation = async (index: number, cycleMode: string): Promise<void> => {
      const variant = variantFor(cycleMode, index);
      switch (variant) {
        case 'full':
        case 'resumed': {
          const resume = variant === 'resumed' && ticket !== null ? ticket : undefined;
          const result = await tlsHandshakeClose(host, port, transport, {
            ...(resume === undefined ? {} : { session: resume }),
            ticketWaitMs: variant === 'resumed' ? ticketWaitMs : 0,
            refusalWaitMs: 0,
            timeoutMs,
          });
          if (result.session !== null) ticket = result.session;
          facts.answer(variant, result.answer);
          if (result.answer === COMPLETED || result.answer === 'resumed')
            facts.observe(`${variant}HandshakeMs`, result.handshakeMs);
          return;
        }
        case 'bad-client-cert': {
          const result = await tlsHandshakeClose(host, port, transport, {
            tlsOverrides: { cert: UNTRUSTED_CLIENT_CERT, key: UNTRUSTED_CLIENT_KEY },
            ticketWaitMs: 0,
            refusalWaitMs,
            timeoutMs,
          });
          // Still open after the wait: the broker took the certificate (or never asked for one).
          facts.answer(
            variant,
            result.answer === COMPLETED || result.answer === 'resumed' ? ACCEPTED_ANSWER : result.answer,
          );
          return;
        }
        case 'old-version': {
          const answer = await rawTlsAttempt(host, port, oldHello, 'close-on-answer', holdMs, timeoutMs);
          facts.answer(variant, answer === 'server-hello' ? ACCEPTED_ANSWER : answer);
          return;
        }
        case 'garbage':
          facts.answer(variant, await rawTlsAttempt(host, port, GARBAGE_HELLO, 'wait', holdMs, timeoutMs));
          return;
        case 'mid-handshake-close':
          facts.answer(variant, await rawTlsAttempt(host, port, modernHello, 'close-on-answer', holdMs, timeoutMs));
          return;
      }
    };

    return {
      async runCycle(request) {
        // One variant per measured cycle, in rotation (its growth credited to it); warm-up mixes them.
        const family = cycleFamily(context.params, families, request.index);
        const first = request.index * request.operations;
        const tally = await runOperations(
          request.operations,
          request.concurrency,
          request.deadlineMs,
          context.signal,
          (k) => operation(first + k, family ?? mode),
        );
        return {
          operations: tally.attempted,
          ...tally,
          ...facts.take(),
          ...(family === undefined ? {} : { variant: family }),
        };
      },
      teardown: async () => undefined,
    };
  },
};
