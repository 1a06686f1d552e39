import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseAgentCount, parseAgentWait, parseHostPort } from '../../../src/cli/options.js';
import { readAgentToken } from '../../../src/cli/validate.js';
import { isMqleakError } from '../../../src/core/errors.js';
import { mainCli } from '../../helpers/main-cli.js';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isMqleakError(error) && error.exitCode === 64);
    return error.message;
  }
  assert.fail('expected a usage error');
}

test('--listen / --coordinator: HOST:PORT, [V6]:PORT or a ws URL; else a usage error naming the flag', () => {
  assert.deepEqual(parseHostPort('10.0.0.5:7700', '--listen'), { host: '10.0.0.5', port: 7700 });
  assert.deepEqual(parseHostPort('[::1]:0', '--listen'), { host: '::1', port: 0 });
  assert.deepEqual(parseHostPort('wss://coord.svc:7700', '--coordinator'), { host: 'coord.svc', port: 7700 });
  assert.match(
    usage(() => parseHostPort('7700', '--listen')),
    /^--listen 7700: not HOST:PORT/,
  );
  assert.match(
    usage(() => parseHostPort('h:70000', '--coordinator')),
    /^--coordinator h:70000/,
  );
  assert.equal(parseAgentWait('5', '--agents-wait'), 5000);
  assert.match(
    usage(() => parseAgentWait('0', '--agents-wait')),
    /^--agents-wait 0/,
  );
  assert.equal(parseAgentCount('3'), 3);
  assert.match(
    usage(() => parseAgentCount('0')),
    /^--agents 0: not a number of agents/,
  );
});

test('the token comes from --token-file, else MQLEAK_TOKEN; errors never print it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-token-'));
  const file = path.join(dir, 'token');
  await writeFile(file, 'f00dfeedf00dfeedf00dfeed\n');
  assert.equal(await readAgentToken(file, {}), 'f00dfeedf00dfeedf00dfeed');
  assert.equal(await readAgentToken(undefined, { MQLEAK_TOKEN: 'from-the-environment-1' }), 'from-the-environment-1');
  await assert.rejects(readAgentToken(undefined, {}), /no shared token/);
  await assert.rejects(
    readAgentToken(path.join(dir, 'missing'), {}),
    /--token-file .*missing: cannot read it \(ENOENT\)/,
  );
  await writeFile(file, 'short-secret');
  await assert.rejects(readAgentToken(file, {}), (error: Error) => {
    assert.match(error.message, /shorter than 16/);
    assert.ok(!error.message.includes('short-secret'));
    return true;
  });
});

test('bad agent flags are one-line usage errors before any connection (exit 64)', async () => {
  for (const [args, message] of [
    [['agent'], /^mqleak: required option '--coordinator <host:port>' not specified/],
    [['agent', '--coordinator', 'x'], /^mqleak: --coordinator x: not HOST:PORT/],
    [['agent', '--coordinator', '127.0.0.1:1', '--id', 'a b'], /^mqleak: --id a b: not an agent id/],
    [['agent', '--coordinator', '127.0.0.1:1', '--wait', '0'], /^mqleak: --wait 0: not a wait in seconds/],
    [['agent', '--coordinator', '127.0.0.1:1'], /^mqleak: no shared token/],
    [['run', 'mass-connect', '--agents', '0'], /^mqleak: --agents 0: not a number of agents/],
    [['run', 'mass-connect', '--agents', '2'], /^mqleak: --agents without --listen/],
    [['run', 'mass-connect', '--listen', '127.0.0.1:0'], /^mqleak: --listen without --agents/],
    [
      ['run', 'mass-connect', '--agents', '2', '--listen', '127.0.0.1:0', '--listen-cert', 'c.pem'],
      /^mqleak: --listen-cert and --listen-key go together/,
    ],
  ] as const) {
    const result = await mainCli([...args]);
    assert.equal(result.code, 64, args.join(' '));
    assert.match(result.stderr, message, args.join(' '));
  }
});

test('a pattern that cannot run over agents is refused before listening, naming those that can', async () => {
  const result = await mainCli(['run', 'bridge-churn', '--agents', '2', '--listen', '127.0.0.1:0'], {
    MQLEAK_TOKEN: 'x'.repeat(32),
  });
  assert.equal(result.code, 64, result.stderr);
  assert.match(result.stderr, /^mqleak: --agents: bridge-churn cannot run over agents/);
  assert.match(result.stderr, /mass-connect/);
  assert.match(result.stderr, /connect-churn/);
});
