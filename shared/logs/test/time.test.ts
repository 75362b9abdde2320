import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClfTime, parseIsoTime } from '../src/index.js';
import { ClfTimeReader, daysFromCivil } from '../src/time.js';

const clf = (text: string): number => parseClfTime(text, 0, text.length);
const iso = (text: string): number => parseIsoTime(text, 0, text.length);

test('CLF times convert the server zone to UTC, to the exact millisecond', () => {
  // 13:55:36 at UTC-7 is 20:55:36 UTC.
  assert.equal(clf('10/Oct/2000:13:55:36 -0700'), 971211336000);
  assert.equal(clf('10/Oct/2000:13:55:36 +0000'), 971186136000);
  // Half-hour zone, crossing back over a year boundary.
  assert.equal(clf('01/Jan/2024:00:30:00 +0530'), 1704049200000);
  // Leap day, crossing forward into March.
  assert.equal(clf('29/Feb/2024:23:59:59 -1200'), 1709294399000);
  assert.equal(clf('01/Jan/2000:00:59:59 +0100'), 946684799000);
});

test('CLF times refuse anything but the exact layout', () => {
  for (const bad of [
    '10/Oct/2000:13:55:36', // no zone
    '10/oct/2000:13:55:36 -0700', // month names are case-sensitive in the C locale
    '10/Okt/2000:13:55:36 -0700',
    '29/Feb/2023:00:00:00 +0000', // not a leap year
    '31/Apr/2024:00:00:00 +0000',
    '10/Oct/2000:24:00:00 +0000',
    '10/Oct/2000:13:60:00 +0000',
    '10/Oct/2000:13:55:36 -07:0',
    '10/Oct/2000:13:55:36 +2400',
    '1/Oct/2000:13:55:36 -0700 ',
    '10/Oct/2000T13:55:36 -0700',
  ]) {
    assert.ok(Number.isNaN(clf(bad)), bad);
  }
});

test('CLF times agree with Date.UTC across four centuries of days', () => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  for (let ms = Date.UTC(1800, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 86_400_000 * 7 + 3_723_000) {
    const d = new Date(ms);
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const text = `${p2(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
    assert.equal(clf(text), ms, text);
  }
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(1969, 12, 31), -1);
});

test('ISO 8601 times: offsets, Z, fractions, space separator; no offset reads as UTC', () => {
  assert.equal(iso('2000-10-10T13:55:36-07:00'), 971211336000);
  assert.equal(iso('2000-10-10T20:55:36Z'), 971211336000);
  assert.equal(iso('2000-10-10T20:55:36+0000'), 971211336000);
  assert.equal(iso('2000-10-11T02:25:36+05:30'), 971211336000);
  assert.equal(iso('2000-10-10T22:55:36+02'), 971211336000);
  assert.equal(iso('2023-10-11T16:00:00.123Z'), 1697040000123);
  assert.equal(iso('2023-10-11T16:00:00.123456789Z'), 1697040000123);
  assert.equal(iso('2023-10-11 16:00:00.5'), 1697040000500);
  assert.equal(iso('2023-10-11T16:00:00'), 1697040000000);
  for (const bad of ['2023-10-11', '2023-13-11T16:00:00Z', '2023-10-11T16:00:00.Z', '2023-10-11T16:00:00 Z', '2023/10/11T16:00:00Z']) {
    assert.ok(Number.isNaN(iso(bad)), bad);
  }
});

test('ClfTimeReader: the minute cache gives what a full parse gives, across minutes, zones and bad input', () => {
  const reader = new ClfTimeReader();
  const seq = [
    '10/Oct/2000:13:55:36 -0700',
    '10/Oct/2000:13:55:59 -0700',
    '10/Oct/2000:13:55:00 -0700',
    '10/Oct/2000:13:55:36 +0000', // same minute text, other zone
    '10/Oct/2000:13:56:01 +0000',
    '10/Oct/2000:13:56:xx +0000', // same minute, bad seconds
    '10/Oct/2000:13:56:61 +0000',
    '10/Oct/2000:13:56:60 +0000', // leap second as printed
    '31/Dec/1999:23:59:59 -0000',
  ];
  for (const text of seq) {
    const cached = reader.read(`[${text}]`, 1, text.length + 1);
    const full = clf(text);
    assert.ok(Object.is(cached, full), `${text}: ${cached} vs ${full}`);
  }
});
