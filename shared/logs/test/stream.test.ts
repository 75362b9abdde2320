import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { ParseSummary, parseLines, parserFor, type ParseResult } from '../src/index.js';

const LINES = [
  '66.249.66.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 10 "-" "Googlebot/2.1"',
  '',
  '66.249.66.1 - - [10/Oct/2000:13:55:37 -0700] "GET /a HTTP/1.1" 20 10 "-" "Googlebot/2.1"',
  'not a log line',
  '2001:db8::1 - - [10/Oct/2000:13:55:38 -0700] "GET /b HTTP/1.1" 404 - "-" "curl/8.4.0"\r',
  '   ',
  '2001:db8::1 - - [10/Oct/2000:13:55:39 -0700] "GET /c HTTP/1.1" 200 1x "-" "curl/8.4.0"',
];

async function collect(source: AsyncIterable<ParseResult>): Promise<ParseResult[]> {
  const out: ParseResult[] = [];
  for await (const r of source) out.push(r);
  return out;
}

test('parseLines yields events and rejections in order, with line numbers; blank lines are counted only', async () => {
  const summary = new ParseSummary();
  const results = await collect(parseLines(LINES, { format: 'combined', customer: 'acme', summary }));
  assert.deepEqual(
    results.map((r) => [r.line, r.ok ? r.event.path : r.code]),
    [
      [1, '/'],
      [3, 'bad_status'],
      [4, 'layout'],
      [5, '/b'],
      [7, 'bad_bytes'],
    ],
  );
  assert.equal(summary.lines, 7);
  assert.equal(summary.parsed, 2);
  assert.equal(summary.blank, 2);
  assert.equal(summary.rejected, 3);
  assert.deepEqual(summary.rejectedByReason, { bad_status: 1, layout: 1, bad_bytes: 1 });
  assert.deepEqual(
    summary.examples.map((r) => r.line),
    [3, 4, 7],
  );
  assert.equal(summary.toString(), '7 lines: 2 parsed, 3 rejected (bad_status 1, layout 1, bad_bytes 1), 2 blank');
});

test('parseLines reads an async source (readline over a stream) with a parser built once, from a later line', async () => {
  const parser = parserFor('combined', { customer: 'acme' });
  const input = createInterface({ input: Readable.from([LINES.join('\n')]), crlfDelay: Infinity });
  const generator = parseLines(input, { parser, firstLine: 101 });
  const results: ParseResult[] = [];
  let step = await generator.next();
  while (!step.done) {
    results.push(step.value);
    step = await generator.next();
  }
  // The generator's return value is the summary, for callers that drive it by hand.
  assert.equal(step.value.parsed, 2);
  assert.deepEqual(
    results.map((r) => r.line),
    [101, 103, 104, 105, 107],
  );
  const first = results[0];
  assert.ok(first?.ok);
  assert.equal(first.event.customer, 'acme');
  assert.equal(first.event.eventTime, 971211336000);
});
