// Certificates for TLS tests, made by the test with the openssl CLI (Debian's `openssl`, installed by .ci/run):
// a CA, a server certificate for 127.0.0.1/localhost signed by it, and a client certificate signed by it.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  remove(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** `serverIps`: more addresses the server certificate is valid for (a test's network-namespace hub, say). */
export async function makeTestCertificates(serverIps: readonly string[] = []): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-tls-'));
  const days = '2';
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    days,
    '-subj',
    '/CN=mqleak test CA',
  ]);
  const altNames = ['DNS:localhost', 'IP:127.0.0.1', ...serverIps.map((ip) => `IP:${ip}`)];
  await writeFile(path.join(dir, 'server.ext'), `subjectAltName=${altNames.join(',')}\n`);
  for (const [name, subject] of [
    ['server', '/CN=localhost'],
    ['client', '/CN=mqleak test client'],
  ] as const) {
    await openssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ]);
    const extensions = name === 'server' ? ['-extfile', 'server.ext'] : [];
    await openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      days,
      ...extensions,
    ]);
  }
  // Mosquitto started as root reads its files as the `mosquitto` user: the test's files must be readable to it.
  await chmod(dir, 0o755);
  for (const file of await readdir(dir)) await chmod(path.join(dir, file), 0o644);
  const at = (file: string): string => path.join(dir, file);
  return {
    dir,
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
