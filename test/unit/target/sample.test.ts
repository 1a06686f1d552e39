import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { floorsBetween } from '../../../src/run/phases.js';
import { SampleStore } from '../../../src/core/sample-store.js';
import { ProcProbe, ProcessGoneError } from '../../../src/sample/proc-probe.js';
import { Sampler } from '../../../src/sample/sampler.js';
import { parseBrokerUrl, isLoopbackHost } from '../../../src/net/broker-address.js';
import { findListeningPids } from '../../../src/target/find-listener.js';

test('broker URLs: mqtt:// and tcp://, default port 1883, others refused with what is accepted', () => {
  assert.deepEqual(parseBrokerUrl('mqtt://127.0.0.1:1884'), {
    url: 'mqtt://127.0.0.1:1884',
    host: '127.0.0.1',
    port: 1884,
  });
  assert.equal(parseBrokerUrl('localhost').port, 1883);
  assert.equal(parseBrokerUrl('tcp://[::1]:2000').host, '::1');
  assert.throws(() => parseBrokerUrl('http://x:1'), /protocol http is not supported/);
  assert.ok(isLoopbackHost('127.1.2.3') && isLoopbackHost('localhost') && !isLoopbackHost('10.0.0.1'));
});

test('the /proc probe reads this process: memory, fds, threads, then CPU', async () => {
  const probe = new ProcProbe(process.pid);
  const first = await probe.read(0);
  assert.ok((first.rss ?? 0) > 10 * 1024 * 1024, 'RSS in bytes');
  assert.ok((first.rssAnon ?? 0) > 0 && (first.rssAnon ?? 0) <= (first.rss ?? 0));
  assert.ok((first.fds ?? 0) >= 3);
  assert.ok((first.threads ?? 0) >= 1);
  assert.equal(first.cpu, undefined, 'CPU needs two readings');
  const second = await probe.read(1000);
  assert.ok((second.cpu ?? -1) >= 0);
});

test('a process that is gone is reported as such, not as a crash of the sampler', async () => {
  await assert.rejects(new ProcProbe(2 ** 22 + 12345).read(0), ProcessGoneError);
  const sampler = new Sampler(new ProcProbe(2 ** 22 + 12345), 10, () => Date.now());
  const failed = new Promise((resolve) => sampler.onFailure(resolve));
  // The sampler's timer is unref'd on purpose (it never keeps mqleak alive): keep this test alive instead.
  const keepAlive = setTimeout(() => undefined, 5000);
  sampler.start();
  assert.ok((await failed) instanceof ProcessGoneError);
  clearTimeout(keepAlive);
  assert.ok(sampler.failed !== null);
});

test('the sampler reads at its interval and records lateness', async () => {
  const sampler = new Sampler(new ProcProbe(process.pid), 20, () => Date.now());
  sampler.start();
  await new Promise((resolve) => setTimeout(resolve, 250));
  sampler.stop();
  const samples = sampler.store.toArray();
  assert.ok(samples.length >= 5, `${samples.length} samples`);
  assert.ok(samples.every((sample) => sample.lateMs >= 0));
  const times = samples.map((sample) => sample.t);
  assert.deepEqual(
    [...times].sort((a, b) => a - b),
    times,
    'in time order',
  );
});

test('floors come from the samples inside the window only', () => {
  const samples = new SampleStore(
    [0, 100, 200, 300, 400].map((t, i) => ({
      t,
      lateMs: 0,
      values: { 'proc.rss': [900, 500, 510, 505, 100][i], 'proc.fds': 7 },
    })),
  );
  const floors = floorsBetween(samples, 100, 300);
  const rss = floors['proc.rss'];
  assert.ok(rss !== undefined && rss >= 500 && rss <= 510);
  assert.equal(floors['proc.fds'], 7);
  assert.deepEqual(floorsBetween(samples, 1000, 2000), {});
});

test('the process listening on a port is found from /proc', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  assert.deepEqual(await findListeningPids(port), [process.pid]);
  server.close();
  assert.deepEqual(await findListeningPids(port), []);
});
