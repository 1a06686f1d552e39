// The live progress line on a real terminal: mqleak runs inside tmux (Debian's tmux), and the test
// reads the screen as a person would see it while the run goes on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/brokers.js';

const run = promisify(execFile);
/** Terminal size of the tmux window: wide enough for the whole line. */
const COLUMNS = 160;
const ROWS = 40;
/** How often the screen is read while the run goes on. */
const POLL_MS = 200;
/** Bound on the whole run inside tmux; it takes ~15 s. */
const RUN_BOUND_MS = 120_000;
const DONE = 'MQLEAK-EXIT=';

test(
  'on a terminal: one live line with phase, cycle, clients, ops/s, memory, running slope and ' + 'time left',
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mqleak-tty-'));
    // A tmux server of our own (its own socket): started and stopped here, nobody else's touched.
    const tmux = (...args: string[]): Promise<{ stdout: string }> =>
      run('tmux', ['-S', path.join(dir, 'tmux.sock'), ...args]);
    const command = [
      `cd ${JSON.stringify(REPO_ROOT)} &&`,
      `${JSON.stringify(process.execPath)} bin/mqleak.js run --quick health-check-churn`,
      '--set cycles=3 --set operationsPerCycle=500 --set baselineSeconds=1 --set recoverySeconds=2',
      `--no-html --out ${JSON.stringify(path.join(dir, 'reports'))};`,
      `echo ${DONE}$?; sleep 600`,
    ].join(' ');
    await tmux('new-session', '-d', '-s', 'mqleak', '-x', String(COLUMNS), '-y', String(ROWS), command);
    const screens: string[] = [];
    try {
      const deadline = Date.now() + RUN_BOUND_MS;
      while (Date.now() < deadline) {
        const { stdout } = await tmux('capture-pane', '-p', '-t', 'mqleak');
        screens.push(stdout);
        if (stdout.includes(DONE)) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } finally {
      await tmux('kill-server').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    const last = screens.at(-1) ?? '';
    assert.match(last, new RegExp(`${DONE}[02]`), `the run ended (exit 0 or 2):\n${last}`);
    const liveLines = screens
      .flatMap((screen) => screen.split('\n'))
      .filter((line) => line.startsWith('[health-check-churn 1/1]'));
    const measured = liveLines.filter((line) => / · measured cycle \d\/5 · /.test(line));
    assert.ok(measured.length > 0, `a live line during the measured cycles:\n${liveLines.join('\n')}`);
    assert.ok(
      measured.some((line) => /· \d+ clients · [\d,]+ ops\/s · rss [\d.]+ MB · .*~\d+ s left$/.test(line)),
      `clients, ops/s, memory and time left:\n${measured.join('\n')}`,
    );
    assert.ok(
      liveLines.some((line) => /· slope [+−][\d.]+ (B|KB)\/op/.test(line)),
      `the running slope once 3 measured floors are in:\n${liveLines.join('\n')}`,
    );
    assert.ok(
      liveLines.every((line) => line.length < COLUMNS),
      'the line never wraps',
    );
    // Redrawn in place: at any moment the screen holds at most one live line, and none once the run is done.
    assert.ok(
      screens.every(
        (screen) => screen.split('\n').filter((line) => line.startsWith('[health-check-churn')).length <= 1,
      ),
    );
    assert.ok(
      !last.split('\n').some((line) => line.startsWith('[health-check-churn')),
      'the live line is cleared at the end',
    );
    assert.match(last, /verdict: (PASS|INCONCLUSIVE) \(exit [02]\)/);
  },
);
