// The live progress line: everything the issue asks for when there is room, the least useful parts
// left out when there is not, never wider than the terminal, never a cut colour code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { cycleLogLine, progressObserver, renderLiveLine, type LiveState } from '../../../src/cli/progress.js';

const NOW = 1_000_000;
const state: LiveState = {
  scenario: 'connect-churn',
  position: '1/2',
  phase: 'measured',
  detail: 'cycle 7/10',
  clients: 20,
  opsPerSecond: 1234.5,
  rss: 57.3 * 1024 * 1024,
  slopePerOp: 4200,
  endsAt: NOW + 18_000,
};
const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

test('wide terminal: phase, cycle, clients, ops/s, memory, running slope, time left', () => {
  assert.equal(
    renderLiveLine(state, NOW, 200, plain),
    '[connect-churn 1/2] · measured cycle 7/10 · 20 clients · 1,235 ops/s · rss 57.3 MB · ' +
      'slope +4.1 KB/op · ~18 s left',
  );
});

test('narrow terminals: parts are left out least useful first, the line never wraps', () => {
  const full = renderLiveLine(state, NOW, 200, plain);
  for (let width = 20; width <= full.length + 2; width++) {
    const line = renderLiveLine(state, NOW, width, colour);
    const visible = line.replace(ANSI, '');
    assert.ok(visible.length <= Math.max(19, width - 1), `width ${width}: ${visible}`);
    assert.equal(
      line.split('\u001b').length - 1,
      (line.match(ANSI) ?? []).length,
      `width ${width}: no cut escape code`,
    );
  }
  assert.equal(
    renderLiveLine(state, NOW, 90, plain),
    '[connect-churn 1/2] · measured cycle 7/10 · rss 57.3 MB · slope +4.1 KB/op · ~18 s left',
  );
  assert.equal(
    renderLiveLine(state, NOW, 80, plain),
    '[connect-churn 1/2] · measured cycle 7/10 · rss 57.3 MB · slope +4.1 KB/op',
  );
  assert.equal(renderLiveLine(state, NOW, 60, plain), '[connect-churn 1/2] · measured cycle 7/10 · rss 57.3 MB');
});

test('before anything is known: only what is, no placeholders', () => {
  const early: LiveState = {
    ...state,
    phase: 'baseline',
    detail: 'idle 3 s',
    clients: null,
    opsPerSecond: null,
    rss: null,
    slopePerOp: null,
    endsAt: NOW + 61_400,
  };
  assert.equal(renderLiveLine(early, NOW, 200, plain), '[connect-churn 1/2] · baseline: idle 3 s · ~61 s left');
  assert.match(renderLiveLine({ ...state, slopePerOp: -512 }, NOW, 200, plain), /slope −512 B\/op/);
});

test('no terminal: one plain log line per cycle, with the running slope', () => {
  const line = cycleLogLine(
    {
      scenario: 'connect-churn',
      index: 6,
      total: 10,
      warmup: false,
      operations: 1000,
      failures: 3,
      opsPerSecond: 950,
      floors: { 'proc.rss': 60 * 1024 * 1024 },
      remainingMs: 12_000,
      cumulativeOps: 7000,
    },
    4096,
    0,
  );
  assert.equal(
    line,
    '  cycle 7/10: 1,000 ops @ 950/s, 3 failed, rss floor 60 MB, slope so far +4 KB/op, 0 clients, ~12 s left',
  );
});

test('the observer: a running Theil–Sen slope of the measured rss floors, warm-up left out', () => {
  const written: string[] = [];
  const stream = {
    isTTY: false,
    columns: 100,
    write: (text: string) => written.push(text),
  } as unknown as NodeJS.WriteStream;
  const observer = progressObserver(stream, plain, () => NOW);
  observer.scenarioStart?.('connect-churn', 0, 1, 30_000);
  const cycle = (index: number, warmup: boolean, rss: number): void =>
    observer.cycleDone?.({
      scenario: 'connect-churn',
      index,
      total: 5,
      warmup,
      operations: 1000,
      failures: 0,
      opsPerSecond: 1000,
      floors: { 'proc.rss': rss },
      remainingMs: 1000,
      cumulativeOps: (index + 1) * 1000,
    });
  cycle(0, true, 1e9); // a warm-up floor far off the line must not count
  cycle(1, false, 2_000_000);
  cycle(2, false, 2_500_000);
  assert.doesNotMatch(written.join(''), /slope so far/, 'no slope from two floors');
  cycle(3, false, 3_000_000);
  assert.match(written.at(-1) ?? '', /cycle 4\/5: .*slope so far \+500 B\/op/);
});
