// The JVM class histogram reader on a real `jcmd PID GC.class_histogram` of a small java process
// (test/fixtures/jvm/Hold.java holding 5000 Hold$HAConnection objects, each with a 1 KiB byte[]; JDK 17).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { classSeries, parseClassHistogram } from '../../../src/attribute/class-histogram.js';
import { REPO_ROOT } from '../../helpers/brokers.js';

const REAL = readFileSync(path.join(REPO_ROOT, 'test/fixtures/jvm/class-histogram.txt'), 'utf8');
const HELD = 5000;

test('a real histogram: the held class with its instances, byte arrays by their JVM name, rows add up to Total', () => {
  const totals = parseClassHistogram(REAL);
  assert.equal(totals.get('Hold$HAConnection')?.instances, HELD);
  assert.ok((totals.get('Hold$HAConnection')?.bytes ?? 0) >= HELD * 8);
  assert.ok((totals.get('[B')?.instances ?? 0) >= HELD, 'one byte[] per connection at least');
  const total = /^Total\s+(\d+)\s+(\d+)/m.exec(REAL);
  const sum = [...totals.values()].reduce((acc, entry) => acc + entry.bytes, 0);
  assert.equal(sum, Number(total?.[2]));
});

test('histograms at floors lined up per class: a class that grows, one that appears', () => {
  const floors = [
    parseClassHistogram(REAL),
    parseClassHistogram(REAL.replace(/^(\s*\d+:\s+)5000(\s+)80000(\s+Hold\$HAConnection)/m, '$16000$296000$3')),
  ];
  const series = new Map(classSeries(floors).map((entry) => [entry.name, entry]));
  assert.deepEqual(series.get('Hold$HAConnection')?.instances, [HELD, 6000]);
  assert.deepEqual(series.get('Hold$HAConnection')?.bytes, [80000, 96000]);
  const appears = classSeries([new Map(), floors[0] as Map<string, { instances: number; bytes: number }>]);
  assert.deepEqual(appears.find((entry) => entry.name === 'Hold$HAConnection')?.instances, [0, HELD]);
});

test('not a histogram (jcmd refused, or another command): an error quoting what came back', () => {
  assert.throws(
    () => parseClassHistogram('12345:\ncom.sun.tools.attach.AttachNotSupportedException: Unable to open socket file\n'),
    /not a class histogram .*12345:/,
  );
});
