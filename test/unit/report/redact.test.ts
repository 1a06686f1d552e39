// No credential reaches a report: URL user info, secret flags, secret-named fields, wherever they are.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { RunReport } from '../../../src/core/report-model.js';
import { isSecretName, REDACTED, redactReport, redactString } from '../../../src/report/redact.js';

const SECRET = 's3cr3t-Pa55';

test('URLs lose their user info, flags and assignments their secret values', () => {
  assert.equal(redactString(`mqtt://alice:${SECRET}@127.0.0.1:1883`), `mqtt://${REDACTED}@127.0.0.1:1883`);
  assert.equal(redactString('mqtts://alice@broker:8883/x'), `mqtts://${REDACTED}@broker:8883/x`);
  assert.equal(
    redactString(`mosquitto -c conf --password ${SECRET} -p 1884`),
    `mosquitto -c conf --password ${REDACTED} -p 1884`,
  );
  assert.equal(redactString(`broker --api-token=${SECRET}`), `broker --api-token=${REDACTED}`);
  assert.equal(redactString(`--username 'bob smith' --port 1`), `--username ${REDACTED} --port 1`);
  assert.equal(
    redactString(`auth failed: password=${SECRET}, user: bob`),
    `auth failed: password=${REDACTED}, user: ${REDACTED}`,
  );
  assert.equal(redactString(`connect-churn:password=${SECRET}`), `connect-churn:password=${REDACTED}`);
  // Left alone: figures and words that only look related.
  for (const plain of [
    '--set thresholds.rss=128',
    'mqtt://127.0.0.1:1883',
    'rss: rss grows 5.36 KB/op',
    '--threshold connect-churn:rss<=64B/op',
    'keepalive=30',
  ]) {
    assert.equal(redactString(plain), plain);
  }
});

test('secret names: by their last word, not anywhere', () => {
  for (const name of [
    'password',
    'brokerPassword',
    'broker-password',
    'api_key',
    'apiKey',
    'bearerToken',
    'username',
    'user',
    'secret',
    'credentials',
    'tls.passphrase'.split('.')[1] as string,
  ]) {
    assert.ok(isSecretName(name), name);
  }
  for (const name of ['clientsPerUser', 'maxTokens', 'thresholds', 'keepalive', 'rss', 'operationsPerCycle', 'passes'])
    assert.ok(!isSecretName(name), name);
});

test('a real report with credentials in every place they could come in keeps none of them', async () => {
  const report = JSON.parse(
    await readFile(new URL('../../fixtures/reports/quick-leak.json', import.meta.url), 'utf8'),
  ) as RunReport;
  const dirty = structuredClone(report);
  dirty.settings.command = [
    'node',
    'mqleak.js',
    'run',
    '--broker',
    `mqtt://alice:${SECRET}@127.0.0.1:1883`,
    '--password',
    SECRET,
    `--token=${SECRET}`,
    '--set',
    `password=${SECRET}`,
  ];
  dirty.settings.commandLine = `mqleak run --broker mqtt://alice:${SECRET}@127.0.0.1:1883 --password ${SECRET}`;
  if (dirty.target !== null) {
    dirty.target.url = `mqtt://alice:${SECRET}@127.0.0.1:1883`;
    dirty.target.command = `mosquitto --password ${SECRET}`;
    dirty.target.outputTail = [`connecting to mqtt://bob:${SECRET}@upstream:1883`];
  }
  const scenario = dirty.scenarios[0];
  assert.ok(scenario);
  scenario.parameters = { ...scenario.parameters, password: SECRET, username: 'alice', brokerToken: 12345 };
  dirty.error = { kind: 'target', message: `mqtt://alice:${SECRET}@127.0.0.1:1883 is unreachable`, hint: null };

  const clean = redactReport(dirty);
  const text = JSON.stringify(clean);
  assert.ok(!text.includes(SECRET), 'the secret appears nowhere');
  assert.ok(!text.includes('alice'), 'nor the user name');
  assert.ok(!text.includes('12345'), 'numeric secrets too');
  assert.deepEqual(clean.settings.command.slice(3), [
    '--broker',
    `mqtt://${REDACTED}@127.0.0.1:1883`,
    '--password',
    REDACTED,
    `--token=${REDACTED}`,
    '--set',
    `password=${REDACTED}`,
  ]);
  assert.equal(clean.scenarios[0]?.parameters.password, REDACTED);
  // Everything else is untouched, and the input is not modified.
  assert.deepEqual(clean.scenarios[0]?.samples, report.scenarios[0]?.samples);
  assert.deepEqual(clean.scenarios[0]?.metrics, report.scenarios[0]?.metrics);
  assert.equal(dirty.scenarios[0]?.parameters.password, SECRET);
  assert.deepEqual(redactReport(report), report, 'a report without credentials comes out equal');
});
