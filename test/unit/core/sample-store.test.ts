import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '../../../src/core/metrics.js';
import { CHUNK_SAMPLES, SampleStore } from '../../../src/core/sample-store.js';

/**
 * Samples like a run's: a 100 ms clock with jitter, page-sized RSS, counts, a fractional cpu %, a heap figure now and
 * then.
 */
function runLike(count: number, from = 0): Sample[] {
  const samples: Sample[] = [];
  for (let k = from; k < from + count; k++) {
    const values: Sample['values'] = {
      'proc.rss': 120_000_000 + Math.floor(k / 7) * 4096 * (k % 3),
      'proc.rssAnon': 80_000_000 + (k % 11) * 4096,
      'proc.fds': 25 + (k % 4),
      'proc.threads': 11,
      'proc.swap': 0,
      'proc.cpu': ((k * 37) % 1000) / 7,
      'node.heap': 20_000_000 + ((k * 7919) % 100_003),
    };
    if (k % 60 === 0) values['node.liveHeap'] = 19_500_000 + k;
    samples.push({ t: k * 100 + (k % 5), lateMs: k % 3, values });
  }
  return samples;
}

test('sample store: what goes in comes back, bit for bit, across chunk boundaries', () => {
  const samples = runLike(CHUNK_SAMPLES * 3 + 17);
  const store = new SampleStore(samples);
  assert.equal(store.length, samples.length);
  assert.deepEqual(store.toArray(), samples);
  assert.deepEqual(
    [...store].slice(CHUNK_SAMPLES - 2, CHUNK_SAMPLES + 2),
    samples.slice(CHUNK_SAMPLES - 2, CHUNK_SAMPLES + 2),
  );
  assert.deepEqual(store.last(), samples.at(-1));
  assert.deepEqual(store.tail(5), samples.slice(-5));
  assert.deepEqual(
    store.tail(CHUNK_SAMPLES + 40),
    samples.slice(-(CHUNK_SAMPLES + 40)),
    'a tail reaching into a sealed chunk',
  );
});

test('sample store: a time range comes back as the samples in it, also across a chunk boundary', () => {
  const samples = runLike(CHUNK_SAMPLES * 2 + 5);
  const store = new SampleStore(samples);
  for (const [fromMs, toMs] of [
    [0, 0],
    [500, 1500],
    [(CHUNK_SAMPLES - 10) * 100, (CHUNK_SAMPLES + 10) * 100],
    [CHUNK_SAMPLES * 2 * 100, 1e12],
    [-10, -1],
  ] as const) {
    const expected = samples.filter((sample) => sample.t >= fromMs && sample.t <= toMs);
    assert.deepEqual(store.between(fromMs, toMs), expected, `[${fromMs}, ${toMs}]`);
    assert.equal(store.countBetween(fromMs, toMs), expected.length);
  }
  assert.equal(new SampleStore().last(), undefined);
  assert.deepEqual(new SampleStore().between(0, 1e9), []);
});

test('sample store: a metric that appears late, and values missing here and there, read back absent', () => {
  const samples: Sample[] = [];
  for (let k = 0; k < CHUNK_SAMPLES + 300; k++) {
    const values: Sample['values'] = { 'proc.rss': 1000 + k };
    if (k >= CHUNK_SAMPLES + 100) values['http.late'] = k * 0.25;
    if (k % 2 === 0) values['proc.fds'] = 7;
    if (k % 3 === 0) values['odd.fraction'] = k / 3 + Math.PI;
    samples.push({ t: k * 100, lateMs: 0, values });
  }
  const store = new SampleStore(samples);
  assert.deepEqual(store.toArray(), samples);
  assert.deepEqual(store.metricNames, ['proc.rss', 'proc.fds', 'odd.fraction', 'http.late']);
  assert.equal(
    store.between(0, 100 * 50).some((sample) => 'http.late' in sample.values),
    false,
  );
  // An out-of-order sample (a reading that finished after a later one) keeps its place and its range.
  const late = new SampleStore([...samples.slice(0, 5), { t: 50, lateMs: 0, values: { 'proc.rss': 1 } }]);
  assert.deepEqual(late.between(40, 60), [{ t: 50, lateMs: 0, values: { 'proc.rss': 1 } }]);
});

test('sample store: values that are not small integers come back exactly too (negative, huge, fractional, -0)', () => {
  const awkward = [-5, 2 ** 52, -(2 ** 50), 0.1, 1e-300, -0, 3.5, Number.MAX_VALUE, 123456.789];
  const samples = Array.from(
    { length: CHUNK_SAMPLES + 1 },
    (_, k): Sample => ({ t: k, lateMs: 0.5 * (k % 2), values: { x: awkward[k % awkward.length] as number, y: -k } }),
  );
  const store = new SampleStore(samples);
  const back = store.toArray();
  assert.equal(back.length, samples.length);
  for (const [k, sample] of back.entries()) {
    assert.ok(
      Object.is(sample.values.x, samples[k]?.values.x),
      `x at ${k}: ${sample.values.x} vs ${samples[k]?.values.x}`,
    );
    assert.equal(sample.values.y, -k);
    assert.equal(sample.lateMs, samples[k]?.lateMs);
  }
});

test(
  'sample store: its byte size is the open chunk plus the encoded chunks, and a run-like ' +
    'sample costs a few bytes per figure',
  () => {
    const store = new SampleStore();
    assert.equal(store.bytes, 2 * CHUNK_SAMPLES * 8, "empty: the open chunk's time and lateness columns");
    const samples = runLike(CHUNK_SAMPLES * 9);
    store.append(samples[0] as Sample);
    const open = (2 + 8) * CHUNK_SAMPLES * 8; // the first sample has node.liveHeap too
    assert.equal(store.bytes, open, 'one sample: a Float64 column per metric seen, at full chunk size');
    for (const sample of samples.slice(1, CHUNK_SAMPLES)) store.append(sample);
    assert.equal(store.bytes, open, 'no growth while the open chunk fills');
    for (const sample of samples.slice(CHUNK_SAMPLES)) store.append(sample);
    const perSample = (store.bytes - open) / (CHUNK_SAMPLES * 8);
    // Eight sealed chunks of ten columns: a Float64 per figure would be 80 B; cpu stays a float (8 B).
    assert.ok(perSample > 9 && perSample < 24, `${perSample.toFixed(1)} B per sealed sample`);
  },
);
