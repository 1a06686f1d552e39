// The agent handshake: the token proves itself without crossing the wire, and a refusal says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AGENT_PROTOCOL,
  newNonce,
  parseMessage,
  proofMatches,
  proofOf,
  refusal,
  type Hello,
} from '../../../src/load/remote/agent-protocol.js';

const TOKEN = 'a-shared-token-of-32-characters!';

function hello(token: string, nonce: string, version = '1.0.0', protocol = AGENT_PROTOCOL): Hello {
  return { type: 'hello', proof: proofOf(token, nonce), version, protocol, agentId: '0', host: 'h' };
}

test('a proof is an HMAC of the challenge: it matches the token, never contains it, and differs per challenge', () => {
  const nonce = newNonce();
  const proof = proofOf(TOKEN, nonce);
  assert.match(proof, /^[0-9a-f]{64}$/);
  assert.ok(!proof.includes(TOKEN));
  assert.ok(proofMatches(TOKEN, nonce, proof));
  assert.ok(!proofMatches(`${TOKEN}x`, nonce, proof));
  assert.ok(!proofMatches(TOKEN, newNonce(), proof), 'a replayed proof does not answer a new challenge');
  assert.ok(!proofMatches(TOKEN, nonce, 'not-hex'));
  assert.ok(!proofMatches(TOKEN, nonce, ''));
});

test('refusal: wrong token and wrong version are named, the right hello is welcome', () => {
  const nonce = newNonce();
  assert.equal(refusal(hello(TOKEN, nonce), TOKEN, nonce, '1.0.0'), null);
  assert.match(refusal(hello('another-token-xxxxxxxx', nonce), TOKEN, nonce, '1.0.0') ?? '', /^wrong token/);
  assert.match(
    refusal(hello(TOKEN, nonce, '0.9.0'), TOKEN, nonce, '1.0.0') ?? '',
    /^version mismatch.*0\.9\.0.*1\.0\.0/,
  );
  assert.match(
    refusal(hello(TOKEN, nonce, '1.0.0', AGENT_PROTOCOL + 1), TOKEN, nonce, '1.0.0') ?? '',
    /^version mismatch/,
  );
  for (const reason of [refusal(hello('another-token-xxxxxxxx', nonce), TOKEN, nonce, '1.0.0') ?? ''])
    assert.ok(!reason.includes(TOKEN), 'the refusal line never carries the token');
});

test('parseMessage takes JSON objects with a type and nothing else', () => {
  assert.deepEqual(parseMessage('{"type":"bye"}'), { type: 'bye' });
  assert.equal(parseMessage('not json'), null);
  assert.equal(parseMessage('[1]'), null);
  assert.equal(parseMessage('{"id":1}'), null);
});
