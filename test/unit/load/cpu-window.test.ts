import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCpuWindow } from '../../../src/load/pacing/cpu-window.js';

/** A pid far above any kernel's pid_max: never a live process. */
const NO_SUCH_PID = 2 ** 31 - 2;

test(
  "startCpuWindow: a process's share is what it used of one core, a vanished one is left " +
    'out, an unseen broker is null',
  async () => {
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const end = await startCpuWindow([process.pid, NO_SUCH_PID], null);
    const until = Date.now() + 300;
    let spins = 0;
    while (Date.now() < until) spins++;
    const shares = await end();
    const own = process.cpuUsage(cpuBefore);
    const expected = (own.user + own.system) / 1000 / (Date.now() - started);
    assert.ok(spins > 0);
    assert.equal(shares.generatorCpu.length, 1, 'only the live process');
    // The same CPU time as the process's own count, within /proc's 10 ms ticks over a 300 ms window
    // (however busy the machine is: a starved process uses less, and both say so).
    assert.ok(Math.abs((shares.generatorCpu[0] ?? 0) - expected) < 0.15, `${shares.generatorCpu[0]} vs ${expected}`);
    assert.equal(shares.brokerCpu, null);

    const idle = await startCpuWindow([], process.pid);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { brokerCpu } = await idle();
    assert.ok(brokerCpu !== null && brokerCpu < 0.3, `an idle process reads near 0: ${brokerCpu}`);
  },
);
