/**
 * Property-based tests (fast-check) of every log parser: combined, common, JSON lines, an nginx
 * log_format and an Apache LogFormat, on well-formed lines with hostile field values, on those
 * lines damaged, and on arbitrary text. About 110k generated lines in all. For each: parseLine
 * never throws; a line is an event, a rejection with a known code and a reason, or blank (and
 * then it is blank); and over a batch, parsed + rejected + blank = lines.
 * Seeds are fixed so a failure reproduces; WEIR_FUZZ_SEED explores others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseLines, parserFor, ParseSummary, type LogParser, type ParseResult, type RejectCode } from '../src/index.js';

const SEED = Number(process.env.WEIR_FUZZ_SEED ?? 20261206);
const REJECT_CODES: ReadonlySet<RejectCode> = new Set<RejectCode>(['layout', 'bad_time', 'bad_status', 'bad_bytes', 'bad_number', 'missing_field', 'bad_json']);

/** The property of one line: no throw, and one of the three outcomes, each well-formed. */
function checkLine(parser: LogParser, line: string, lineNo: number): ParseResult | null {
  let result: ParseResult | null;
  try {
    result = parser.parseLine(line, lineNo);
  } catch (err) {
    throw new Error(`${parser.spec}: parseLine threw on ${JSON.stringify(line)}: ${err instanceof Error ? err.stack : String(err)}`);
  }
  if (result === null) {
    assert.equal(line.trim(), '', `blank for a non-blank line ${JSON.stringify(line)}`);
  } else if (result.ok) {
    const e = result.event;
    const where = `${parser.spec}: ${JSON.stringify(line)} → ${JSON.stringify(e)}`;
    assert.equal(result.line, lineNo);
    assert.ok(Number.isSafeInteger(e.eventTime), where);
    assert.ok(Number.isInteger(e.status) && e.status >= 0, where);
    assert.ok(Number.isSafeInteger(e.bytes) && e.bytes >= 0, where);
    // The path may be empty ("GET ?q"): scanners' requests are kept as they came, not refused.
    // The address may be empty: '-' and the other redactions mean "no address" (client-address.test.ts).
    assert.ok(typeof e.clientIp === 'string' && typeof e.path === 'string', where);
    assert.equal(e.customer, 'fuzz');
    if (e.requestTimeMs !== null && e.requestTimeMs !== undefined) assert.ok(Number.isFinite(e.requestTimeMs) && e.requestTimeMs >= 0, where);
  } else {
    assert.ok(REJECT_CODES.has(result.code), `unknown code ${result.code}`);
    assert.equal(result.line, lineNo);
    assert.ok(result.reason.trim().length > 0, `a reason for ${JSON.stringify(line)}`);
  }
  return result;
}

// --- field values, including the ones that break naive parsers ---------------------------

const NASTY = ['"', '\\', '\\"', '[', ']', ' ', '\t', '\r', '-', '%', '$', '{', '}', '\u0000', '\u00e9', '\ufeff', '\ud83d\ude00', '\ud800'];
const text = (maxLength = 40) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(...NASTY, 'a', 'Z', '0', '/'), { maxLength: 12 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength }) },
  );
const ip = fc.oneof({ weight: 6, arbitrary: fc.ipV4() }, { weight: 2, arbitrary: fc.ipV6() }, { weight: 1, arbitrary: fc.constantFrom('-', '', 'localhost', '999.1.1.1') });
/** Real instants (around the epoch and far from it), for the well-formed formats. */
const instant = fc.date({ min: new Date(Date.UTC(1971, 0, 1)), max: new Date(Date.UTC(2999, 11, 31)), noInvalidDate: true });
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
const clfTime = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.tuple(instant, fc.integer({ min: -1400, max: 1400 })).map(([d, z]) => {
      const hhmm = `${two(Math.floor(Math.abs(z) / 100))}${two(Math.abs(z) % 60)}`;
      return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${z < 0 ? '-' : '+'}${hhmm}`;
    }),
  },
  { weight: 2, arbitrary: fc.record({ d: fc.integer({ min: 0, max: 32 }), m: fc.integer({ min: 0, max: 12 }), y: fc.integer({ min: 0, max: 99999 }), h: fc.integer({ min: 0, max: 25 }), mi: fc.integer({ min: 0, max: 61 }), s: fc.integer({ min: 0, max: 61 }), z: fc.integer({ min: -1500, max: 1500 }) }).map(
    ({ d, m, y, h, mi, s, z }) => `${two(d)}/${MONTHS[m] ?? 'Foo'}/${y}:${two(h)}:${two(mi)}:${two(s)} ${z < 0 ? '-' : '+'}${String(Math.abs(z)).padStart(4, '0')}`,
  ) },
  { weight: 1, arbitrary: text(30) },
);
const isoTime = fc.oneof(
  { weight: 8, arbitrary: instant.map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom('2024-02-30T25:61:61Z', '2024-10-11T16:23:07+02:00', '2024-10-11T16:23:07.123456789Z', '0000-01-01T00:00:00Z', '') },
  { weight: 1, arbitrary: text(30) },
);
const method = fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'PROPFIND', ''), text(8));
const target = fc.oneof(fc.webPath(), fc.webUrl(), fc.constantFrom('*', '/', '/a?b=1&c', '//x', '?q'), text(60));
const request = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(method, target, fc.constantFrom('HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0', '')).map(([m, t, p]) => [m, t, p].filter((s) => s !== '').join(' ')) },
  { weight: 1, arbitrary: text(60) },
);
const status = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 100, max: 599 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 1200 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-', '', '2OO', '200.5', '9999999999999999999') },
);
const bytes = fc.oneof(
  { weight: 8, arbitrary: fc.oneof(fc.nat().map(String), fc.constant('-')) },
  { weight: 1, arbitrary: fc.constantFrom('0', '-1', '1e9', '18446744073709551616', '9007199254740993', '9007199254740991') },
  { weight: 1, arbitrary: text(6) },
);
const quoted = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const requestTime = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => n.toFixed(3)) },
  { weight: 1, arbitrary: fc.constantFrom('-', '', '1e400', '-0.5', 'NaN', '0.001, 0.002') },
  { weight: 1, arbitrary: text(6) },
);

/** Damage a line as a truncated write or a bad shipper would: cut, insert, delete, duplicate. */
const damaged = (line: fc.Arbitrary<string>) =>
  fc.tuple(line, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), text(4)), { minLength: 1, maxLength: 4 })).map(([l, edits]) => {
    let out = l;
    for (const [at, kind, insert] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      if (kind === 0) out = out.slice(0, i);
      else if (kind === 1) out = out.slice(0, i) + insert + out.slice(i);
      else if (kind === 2) out = out.slice(0, i) + out.slice(i + 1 + (at % 5));
      else out = out.slice(0, i) + out.slice(0, i) + out.slice(i);
    }
    return out;
  });

/** Well-formed lines (hostile values), damaged ones and arbitrary text, mixed. */
const linesOf = (wellFormed: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 5, arbitrary: wellFormed },
    { weight: 3, arbitrary: damaged(wellFormed) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r', '\t \r', '\ufeff') },
  );

// --- the formats ----------------------------------------------------------------------------

const combinedLine = fc
  .record({ ip, user: fc.oneof(fc.constant('-'), text(10)), time: clfTime, request, status, bytes, referrer: text(), ua: text() })
  .map(({ ip: a, user, time, request: r, status: s, bytes: b, referrer, ua }) => `${a} - ${user} [${time}] "${quoted(r)}" ${s} ${b} "${quoted(referrer)}" "${quoted(ua)}"`);
const commonLine = fc
  .record({ ip, time: clfTime, request, status, bytes })
  .map(({ ip: a, time, request: r, status: s, bytes: b }) => `${a} - - [${time}] "${quoted(r)}" ${s} ${b}`);

const NGINX = '$remote_addr - $remote_user [$time_iso8601] "$request" $status $body_bytes_sent "$http_user_agent" rt=$request_time host=$host sid=$cookie_sid';
const nginxLine = fc
  .record({ ip, time: isoTime, request, status, bytes, ua: text(), rt: requestTime, host: text(12), sid: text(10) })
  .map(({ ip: a, time, request: r, status: s, bytes: b, ua, rt, host, sid }) => `${a} - - [${time}] "${quoted(r)}" ${s} ${b} "${quoted(ua)}" rt=${rt} host=${host} sid=${sid}`);

const APACHE = '%h %l %u %t "%r" %>s %b %D "%{Referer}i" "%{User-Agent}i" %{X-Forwarded-For}i';
const apacheLine = fc
  .record({ ip, time: clfTime, request, status, bytes, micros: fc.oneof(fc.nat().map(String), text(5)), referrer: text(), ua: text(), xff: fc.oneof(ip, text(20)) })
  .map(({ ip: a, time, request: r, status: s, bytes: b, micros, referrer, ua, xff }) => `${a} - - [${time}] "${quoted(r)}" ${s} ${b} ${micros} "${quoted(referrer)}" "${quoted(ua)}" ${xff}`);

const jsonValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));
const jsonLine = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          time: fc.oneof({ weight: 6, arbitrary: isoTime }, { weight: 2, arbitrary: instant.map((d) => d.getTime() / 1000) }, fc.double(), fc.integer(), clfTime, jsonValue),
          remote_addr: fc.oneof({ weight: 8, arbitrary: ip }, jsonValue),
          request: fc.oneof({ weight: 8, arbitrary: request }, jsonValue),
          uri: fc.oneof({ weight: 4, arbitrary: target }, jsonValue),
          status: fc.oneof({ weight: 6, arbitrary: status }, fc.integer({ min: 100, max: 599 }), fc.integer({ min: -5, max: 1200 }), jsonValue),
          body_bytes_sent: fc.oneof({ weight: 6, arbitrary: bytes }, fc.nat(), fc.integer(), jsonValue),
          http_user_agent: fc.oneof({ weight: 6, arbitrary: text() }, jsonValue),
          request_time: fc.oneof({ weight: 6, arbitrary: requestTime }, fc.double(), jsonValue),
          cookie: fc.oneof({ weight: 6, arbitrary: text() }, jsonValue),
        },
        { requiredKeys: ['time', 'remote_addr', 'status'] },
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: fc.json() },
);

const PARSERS: Array<{ spec: string; line: fc.Arbitrary<string>; runs: number }> = [
  { spec: 'combined', line: combinedLine, runs: 25_000 },
  { spec: 'common', line: commonLine, runs: 10_000 },
  { spec: 'json', line: jsonLine, runs: 25_000 },
  { spec: NGINX, line: nginxLine, runs: 20_000 },
  { spec: APACHE, line: apacheLine, runs: 20_000 },
];

for (const { spec, line, runs } of PARSERS) {
  test(`${spec.length > 20 ? spec.slice(0, 20) + '…' : spec}: ${runs} generated lines, each an event, a rejection with a reason, or blank`, (t) => {
    const parser = parserFor(spec, { customer: 'fuzz', ...(spec === NGINX ? { sessionIdField: 'cookie_sid' } : {}) });
    let n = 0;
    const outcomes = { parsed: 0, rejected: 0, blank: 0 };
    fc.assert(
      fc.property(linesOf(line), (l) => {
        const result = checkLine(parser, l, ++n);
        if (result === null) outcomes.blank++;
        else if (result.ok) outcomes.parsed++;
        else outcomes.rejected++;
      }),
      { numRuns: runs, seed: SEED },
    );
    t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
    // The generators reach every outcome: a fuzzer that only ever produced rejections tests little.
    assert.ok(outcomes.parsed > runs / 20, `${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.rejected > runs / 20, `${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.blank > 0, `${JSON.stringify(outcomes)}`);
  });
}

test('batches through parseLines: parsed + rejected + blank = lines, for every format (2,000 batches)', async () => {
  for (const { spec, line } of PARSERS) {
    await fc.assert(
      fc.asyncProperty(fc.array(linesOf(line), { maxLength: 12 }), async (lines) => {
        const summary = new ParseSummary();
        let yielded = 0;
        for await (const result of parseLines(lines, { format: spec, customer: 'fuzz', summary })) {
          assert.ok(result.ok || result.reason.length > 0);
          yielded++;
        }
        assert.equal(summary.lines, lines.length);
        assert.equal(summary.parsed + summary.rejected + summary.blank, lines.length);
        assert.equal(yielded, summary.parsed + summary.rejected);
      }),
      { numRuns: 400, seed: SEED },
    );
  }
});

test('what the fuzzer found: a byte count past 2^53 is rejected (bad_bytes), not rounded silently', () => {
  const combined = parserFor('combined', { customer: 'fuzz' });
  const line = (bytes: string) => `192.0.2.1 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 ${bytes} "-" "ua"`;
  const big = combined.parseLine(line('9007199254740993'), 1);
  assert.ok(big !== null && !big.ok && big.code === 'bad_bytes', JSON.stringify(big));
  const json = parserFor('json', { customer: 'fuzz' }).parseLine('{"time":1,"remote_addr":"192.0.2.1","status":200,"uri":"/","body_bytes_sent":"18446744073709551616"}', 1);
  assert.ok(json !== null && !json.ok && json.code === 'bad_bytes', JSON.stringify(json));
  const largest = combined.parseLine(line(String(Number.MAX_SAFE_INTEGER)), 1);
  assert.ok(largest?.ok && largest.event.bytes === Number.MAX_SAFE_INTEGER);
});
