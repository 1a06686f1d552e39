// JUnit XML: one test case per scenario × metric, a failure for LEAK, skipped for INCONCLUSIVE, an
// error for a failed run, and valid XML whatever the report's text holds (parsed strictly by xmldom).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { DOMParser, onErrorStopParsing, type Document, type Element } from '@xmldom/xmldom';
import type { RunReport } from '../../../src/core/report-model.js';
import { renderJunit } from '../../../src/report/junit/render-junit.js';

async function report(name: string): Promise<RunReport> {
  return JSON.parse(await readFile(new URL(`../../fixtures/reports/${name}`, import.meta.url), 'utf8')) as RunReport;
}

/**
 * Parses strictly: any error of the parser fails the test (its warnings are about U+FFFD, which we put in on purpose).
 */
function parse(xml: string): Document {
  // xmldom only warns about a bare '&': check that by hand, along with what XML 1.0 forbids outright.
  assert.doesNotMatch(xml, /&(?!(?:amp|lt|gt|quot|apos|#\d+);)/, 'every & is escaped');
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, 'no control characters');
  return new DOMParser({ onError: onErrorStopParsing }).parseFromString(xml, 'text/xml');
}

function cases(doc: Document): Element[] {
  return Array.from(doc.getElementsByTagName('testcase'));
}

function child(element: Element, name: string): Element | undefined {
  return Array.from(element.childNodes).find(
    (node): node is Element => node.nodeType === 1 && (node as Element).tagName === name,
  );
}

test(
  'a real LEAK report: a case per scenario × metric, <failure> with the reason for LEAK, ' + 'thresholds as cases',
  async () => {
    const leak = await report('quick-leak.json');
    const doc = parse(renderJunit(leak));
    const root = doc.documentElement;
    assert.equal(root?.tagName, 'testsuites');
    const metricCases = cases(doc).filter((element) => element.getAttribute('classname') !== 'thresholds');
    const expected = leak.scenarios.flatMap((scenario) =>
      scenario.metrics.map((metric) => ({ scenario: scenario.name, metric })),
    );
    assert.equal(metricCases.length, expected.length);
    for (const [index, { scenario, metric }] of expected.entries()) {
      const element = metricCases[index] as Element;
      assert.equal(element.getAttribute('classname'), scenario);
      assert.equal(element.getAttribute('name'), metric.name);
      const failure = child(element, 'failure');
      assert.equal(failure !== undefined, metric.verdict === 'leak', `${metric.name}: failure iff LEAK`);
      if (failure !== undefined)
        assert.equal(
          failure.getAttribute('message'),
          metric.reason,
          'the message is the reason, unchanged after escaping',
        );
    }
    const thresholdCases = cases(doc).filter((element) => element.getAttribute('classname') === 'thresholds');
    assert.equal(thresholdCases.length, leak.thresholds?.length);
    const brokenCases = thresholdCases.filter((element) => child(element, 'failure') !== undefined).length;
    assert.equal(brokenCases, leak.thresholds?.filter((result) => result.status === 'fail').length);
    const failures = leak.scenarios.flatMap((s) => s.metrics).filter((m) => m.verdict === 'leak').length + brokenCases;
    assert.equal(root?.getAttribute('failures'), String(failures));
    assert.equal(root?.getAttribute('tests'), String(expected.length + thresholdCases.length));
  },
);

test('INCONCLUSIVE is <skipped> with the reason: not a failure, never a pass', async () => {
  const clean = await report('quick-clean.json');
  const doc = parse(renderJunit(clean));
  for (const metric of clean.scenarios.flatMap((scenario) => scenario.metrics)) {
    const element = cases(doc).find((candidate) => candidate.getAttribute('name') === metric.name) as Element;
    const skipped = child(element, 'skipped');
    assert.equal(skipped !== undefined, metric.verdict === 'inconclusive');
    if (skipped !== undefined) assert.match(skipped.getAttribute('message') ?? '', /^INCONCLUSIVE \(\w+\): /);
    assert.equal(child(element, 'failure'), undefined);
  }
});

test(
  'text that would break XML (markup, quotes, control characters, lone surrogates) stays ' + 'valid and readable',
  async () => {
    const nasty = structuredClone(await report('quick-leak.json'));
    const scenario = nasty.scenarios[0];
    assert.ok(scenario);
    scenario.name = `a<b>&"c'd`;
    const metric = scenario.metrics[0];
    assert.ok(metric);
    metric.verdict = 'leak';
    metric.reason = `grew <fast> & "far"\nsecond line\u0001\u001b[31m \ud800 end ]]>`;
    const doc = parse(renderJunit(nasty));
    const element = cases(doc)[0] as Element;
    assert.equal(element.getAttribute('classname'), `a<b>&"c'd`);
    assert.equal(
      child(element, 'failure')?.getAttribute('message'),
      'grew <fast> & "far"\nsecond line\ufffd\ufffd[31m \ufffd end ]]>',
    );
  },
);

test('a run that failed before any scenario: one <error> case with the message', async () => {
  const clean = await report('quick-clean.json');
  const failed: RunReport = {
    ...clean,
    verdict: 'error',
    exitCode: 3,
    scenarios: [],
    thresholds: [],
    error: { kind: 'target', message: 'mqtt://127.0.0.1:1 is unreachable (ECONNREFUSED)', hint: 'start the broker' },
  };
  const doc = parse(renderJunit(failed));
  const [only] = cases(doc);
  assert.equal(cases(doc).length, 1);
  assert.equal(only?.getAttribute('name'), 'run');
  assert.match(child(only as Element, 'error')?.getAttribute('message') ?? '', /unreachable \(ECONNREFUSED\)/);
  assert.equal(doc.documentElement?.getAttribute('errors'), '1');
});
