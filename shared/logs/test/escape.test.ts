import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unescapeLogValue } from '../src/escape.js';
import { parserFor } from '../src/index.js';

test('unescapeLogValue: Apache, nginx default and nginx json escapes', () => {
  assert.equal(unescapeLogValue(String.raw`a\"b\\c`), 'a"b\\c');
  assert.equal(unescapeLogValue(String.raw`tab\there\nnl`), 'tab\there\nnl');
  assert.equal(unescapeLogValue(String.raw`\x22quoted\x22 \x5C`), '"quoted" \\');
  assert.equal(unescapeLogValue(String.raw`caf\xC3\xA9 \xE2\x80\x99`), 'café ’');
  assert.equal(unescapeLogValue(String.raw`\u001b[31m`), '\u001b[31m');
  // Control bytes are valid UTF-8 and decode; bytes that are not UTF-8 stay escaped, so nothing is lost.
  assert.equal(unescapeLogValue(String.raw`\x16\x03 then \xFF\xFE`), '\u0016\u0003 then \\xFF\\xFE');
  // Unknown or cut-off escapes are kept as written.
  const odd = 'C:\\path \\q \\x4 \\u12 end\\';
  assert.equal(unescapeLogValue(odd), odd);
  // Only the given range.
  assert.equal(unescapeLogValue(String.raw`xx\"yy\"zz`, 2, 6), '"yy');
});

test('a byte-order mark before the first line is not part of the client address', () => {
  const combined = parserFor('combined', { customer: 'c' });
  const r = combined.parseLine('\uFEFF192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 0 "-" "-"', 1);
  assert.ok(r?.ok);
  assert.equal(r.event.clientIp, '192.0.2.1');
  const json = parserFor('json', { customer: 'c' });
  const j = json.parseLine('\uFEFF{"time":1697040000,"remote_addr":"192.0.2.1","status":200,"uri":"/"}\r', 1);
  assert.ok(j?.ok);
  assert.equal(j.event.clientIp, '192.0.2.1');
});

test('an escaped quote inside the request line (Apache %r) stays in the path', () => {
  const combined = parserFor('combined', { customer: 'c' });
  const r = combined.parseLine(
    String.raw`192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /search?q=\"><script> HTTP/1.1" 400 0 "-" "-"`,
    1,
  );
  assert.ok(r?.ok);
  assert.deepEqual([r.event.path, r.event.query, r.event.protocol], ['/search', 'q="><script>', 'HTTP/1.1']);
});
