/**
 * Property-based tests (fast-check) of ingest bodies through the fastify app (`inject`): plain
 * and gzip, UTF-8 and latin-1, text and NDJSON, made of good lines, damaged ones, arbitrary
 * bytes (invalid UTF-8 included), over-long lines and blank ones. For each body: the service
 * answers 200 or 422, never 500; every line is accepted or rejected with a code and a reason;
 * accepted + rejected + blank = lines sent; and the topic holds exactly the accepted lines.
 * Seeds are fixed so a failure reproduces; WEIR_FUZZ_SEED explores others.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { logsTopic } from '@weir/contracts';
import fc from 'fast-check';
import type { IngestReport } from '../src/routes/logs.js';
import { auth, combinedLine, KEYS, readTopic, testApp } from './helpers.js';

const SEED = Number(process.env.WEIR_FUZZ_SEED ?? 20261206);
const MAX_LINE = 300;
const t = testApp({ limits: { maxLineBytes: MAX_LINE, maxListedRejections: 1_000_000 } });
after(async () => {
  await t.close();
  await t.bus.close();
});

const NEWLINE = 0x0a;
const noNewline = (bytes: Uint8Array) => Buffer.from(bytes.map((b) => (b === NEWLINE ? 0x20 : b)));
const good = fc
  .tuple(fc.ipV4(), fc.string({ maxLength: 30 }), fc.webPath(), fc.integer({ min: 100, max: 599 }))
  .map(([ip, ua, path, status]) => Buffer.from(combinedLine(ip, ua.replace(/["\\\n]/g, ''), path || '/', status)));
const jsonGood = fc
  .record({ time: fc.integer({ min: 0, max: 4e9 }), remote_addr: fc.ipV4(), uri: fc.webPath(), status: fc.integer({ min: 100, max: 599 }), http_user_agent: fc.string({ maxLength: 20 }) })
  .map((o) => Buffer.from(JSON.stringify(o)));

const lineOf = (wellFormed: fc.Arbitrary<Buffer>) =>
  fc.oneof(
    { weight: 5, arbitrary: wellFormed },
    // Damaged: cut short, or a byte changed (may break UTF-8).
    { weight: 2, arbitrary: fc.tuple(wellFormed, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([l, at, b]) => (at % 2 === 0 ? l.subarray(0, at % (l.length + 1)) : noNewline(Uint8Array.from(l).fill(b, at % l.length, (at % l.length) + 1)))) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 80 }).map(noNewline) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => noNewline(Buffer.from(s))) },
    { weight: 1, arbitrary: fc.integer({ min: MAX_LINE + 1, max: 3 * MAX_LINE }).map((n) => Buffer.alloc(n, 0x61)) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from(''), Buffer.from('\r'), Buffer.from('  \t')) },
  );

const body = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), lines: fc.array(lineOf(good), { maxLength: 40, size: 'max' }) }),
  fc.record({ kind: fc.constant('ndjson' as const), lines: fc.array(lineOf(jsonGood), { maxLength: 40, size: 'max' }) }),
);
const request = fc.record({
  body,
  finalNewline: fc.boolean(),
  gzip: fc.boolean(),
  latin1: fc.boolean(),
});

test('ingest bodies: 600 generated requests (~10k lines), each line accepted or rejected with a reason, the counts add up, the topic holds the accepted', async (context) => {
  let accepted = 0;
  let lines = 0;
  await fc.assert(
    fc.asyncProperty(request, async ({ body: { kind, lines: parts }, finalNewline, gzip, latin1 }) => {
      const raw = Buffer.concat(parts.flatMap((p, i) => (i < parts.length - 1 || finalNewline ? [p, Buffer.from('\n')] : [p])));
      // A final newline does not start another line: an empty last part without one is no line.
      const sent = !finalNewline && parts.length > 0 && parts[parts.length - 1]!.length === 0 ? parts.length - 1 : parts.length;
      const charset = latin1 ? 'iso-8859-1' : 'utf-8';
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/logs',
        headers: {
          ...auth(KEYS.acme),
          'content-type': `${kind === 'ndjson' ? 'application/x-ndjson' : 'text/plain'}; charset=${charset}`,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        payload: gzip ? gzipSync(raw) : raw,
      });
      assert.ok(res.statusCode === 200 || res.statusCode === 422, `${res.statusCode} ${res.body}`);
      const report = res.json() as IngestReport;
      assert.equal(report.lines, sent, res.body);
      assert.equal(report.accepted + report.rejectedCount + report.blank, report.lines);
      assert.equal(report.rejected.length, report.rejectedCount);
      for (const r of report.rejected) {
        assert.ok(r.line >= 1 && r.line <= sent, JSON.stringify(r));
        assert.ok(r.code.length > 0 && r.reason.trim().length > 0, JSON.stringify(r));
      }
      if (res.statusCode === 422) assert.equal(report.accepted, 0);
      if (!latin1) {
        for (const r of report.rejected.filter((x) => x.code === 'invalid_utf8')) {
          assert.equal(Buffer.from(parts[r.line - 1]!).toString('utf8').includes('\ufffd'), true, 'only lines that are not UTF-8');
        }
      }
      accepted += report.accepted;
      lines += sent;
    }),
    { numRuns: 600, seed: SEED },
  );
  context.diagnostic(`${lines} lines sent, ${accepted} accepted`);
  const written = await readTopic(t.bus, t.serde, logsTopic('acme'));
  assert.equal(written.length, accepted, 'the topic holds exactly the accepted lines');
  assert.ok(lines > 5000 && accepted > lines / 5, `${lines} lines sent, ${accepted} accepted`);
});
