// The GitHub Actions example in docs/ is a workflow that parses and does what its page says.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse } from 'yaml';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}

test(
  'docs/mqleak-gate.yml: a broker service, mqleak run as the gate, the reports uploaded even ' + 'on failure',
  async () => {
    const workflow = parse(await readFile(new URL('../../../docs/mqleak-gate.yml', import.meta.url), 'utf8')) as {
      jobs: Record<string, { services: Record<string, { image: string; ports: string[] }>; steps: Step[] }>;
    };
    const job = Object.values(workflow.jobs)[0];
    assert.ok(job);
    const [service] = Object.values(job.services);
    assert.match(service?.image ?? '', /mosquitto/);
    assert.deepEqual(service?.ports, ['1883:1883']);
    const run = job.steps.find((step) => step.run?.includes('mqleak run'));
    assert.ok(run?.run);
    for (const flag of [
      '--broker mqtt://127.0.0.1:1883',
      '--pid "$BROKER_PID"',
      '--json reports/mqleak.json',
      '--html reports/mqleak.html',
      '--junit reports/mqleak.xml',
      '--threshold',
    ]) {
      assert.ok(run.run.includes(flag), flag);
    }
    const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'));
    assert.equal(upload?.with?.path, 'reports/');
    assert.match(upload?.if ?? '', /!cancelled\(\)/, 'uploaded when the gate failed too');
    assert.ok(job.steps.indexOf(upload) > job.steps.indexOf(run));
  },
);
