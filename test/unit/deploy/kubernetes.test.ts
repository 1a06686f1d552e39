// deploy/kubernetes/ validated offline against Kubernetes' own API schemas (kubernetes-models: the
// OpenAPI definitions of the API server, compiled to validators), and checked to fit together: the
// agents' Job is Indexed, the coordinator waits for as many agents as the Job starts, the Service port
// is where both sides meet, the token comes from the Secret, and memory requests cover the sessions.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

const DIR = new URL('../../../deploy/kubernetes/', import.meta.url);
/** Bytes per idle raw session in a load worker: the upper end of bench:generator's 2,641–2,991 B (README "Generator memory"). */
const BYTES_PER_SESSION = 3_000;
/** Fixed memory of one load process: bench:scale's 136 MB at 14,286 sessions, less those sessions at BYTES_PER_SESSION. */
const FIXED_PER_PROCESS = 136e6 - 14_286 * BYTES_PER_SESSION;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;

async function manifests(file: string): Promise<Manifest[]> {
  const text = await readFile(new URL(file, DIR), 'utf8');
  return parseAllDocuments(text).map((doc) => doc.toJSON() as Manifest);
}

function validate(manifest: Manifest): void {
  const models: Record<string, typeof Job | typeof Service | typeof Secret> = {
    'batch/v1 Job': Job,
    'v1 Service': Service,
    'v1 Secret': Secret,
  };
  const Model = models[`${manifest.apiVersion} ${manifest.kind}`];
  assert.ok(Model !== undefined, `${manifest.kind} ${manifest.apiVersion}: no model to check it against`);
  new Model(manifest as never).validate();
}

function argAfter(args: readonly string[], flag: string): string {
  const at = args.indexOf(flag);
  assert.ok(at >= 0 && args[at + 1] !== undefined, `${flag} in ${args.join(' ')}`);
  return args[at + 1] as string;
}

function bytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(match !== null, quantity);
  return Number(match[1]) * (match[2] === 'Gi' ? 2 ** 30 : 2 ** 20);
}

type Pod = {
  containers: {
    args: string[];
    resources: { requests: { memory: string } };
    volumeMounts: { mountPath: string; name: string }[];
  }[];
  volumes: { name: string; secret?: { secretName: string } }[];
};

test('every manifest in deploy/kubernetes validates against the Kubernetes API schema', async () => {
  const all = [
    ...(await manifests('secret.yaml')),
    ...(await manifests('coordinator.yaml')),
    ...(await manifests('agents.yaml')),
  ];
  assert.deepEqual(all.map((m) => m.kind).sort(), ['Job', 'Job', 'Secret', 'Service']);
  for (const manifest of all) validate(manifest);
});

test('the validation is real: a manifest with a wrong type is refused', async () => {
  const [agents] = await manifests('agents.yaml');
  const broken = structuredClone(agents) as Manifest & { spec: Record<string, unknown> };
  broken.spec.parallelism = 'four';
  assert.throws(() => validate(broken));
});

test('the parts fit: Indexed agents, as many as the coordinator awaits, a port, the Secret, sized memory', async () => {
  const [secret] = await manifests('secret.yaml');
  const [service, coordinator] = await manifests('coordinator.yaml');
  const [agents] = await manifests('agents.yaml');
  const agentSpec = (
    agents as unknown as {
      spec: { completionMode: string; parallelism: number; completions: number; template: { spec: Pod } };
    }
  ).spec;
  assert.equal(agentSpec.completionMode, 'Indexed', 'the completion index is the agent id');
  assert.equal(agentSpec.parallelism, agentSpec.completions, 'every agent runs at once');
  const coordinatorPod = (coordinator as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec;
  const coordinatorArgs = coordinatorPod.containers[0]?.args ?? [];
  assert.equal(Number(argAfter(coordinatorArgs, '--agents')), agentSpec.parallelism);
  const listenPort = Number(argAfter(coordinatorArgs, '--listen').split(':')[1]);
  const servicePort = (service as unknown as { spec: { ports: { port: number; targetPort: number }[] } }).spec.ports[0];
  assert.equal(servicePort?.targetPort, listenPort);
  const agentPod = agentSpec.template.spec;
  const agentArgs = agentPod.containers[0]?.args ?? [];
  assert.equal(agentArgs[0], 'agent');
  assert.equal(argAfter(agentArgs, '--coordinator'), `${service?.metadata.name}:${servicePort?.port}`);
  for (const [pod, args] of [
    [agentPod, agentArgs],
    [coordinatorPod, coordinatorArgs],
  ] as const) {
    const tokenFile = argAfter(args, '--token-file');
    const mount = pod.containers[0]?.volumeMounts.find((m) => tokenFile.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    assert.equal(volume?.secret?.secretName, secret?.metadata.name, `${tokenFile} is the Secret's`);
  }
  const clients = Number(argAfter(coordinatorArgs, '--set').replace('clients=', ''));
  const perAgent = Math.ceil(clients / agentSpec.parallelism);
  const needed = FIXED_PER_PROCESS + perAgent * BYTES_PER_SESSION;
  const requested = bytes(agentPod.containers[0]?.resources.requests.memory ?? '');
  assert.ok(requested >= needed, `agent memory request ${requested} B covers ${perAgent} sessions (${needed} B)`);
});
