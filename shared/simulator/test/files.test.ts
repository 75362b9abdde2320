import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { customerNames, labelsSessionKey, writeSimulation, type SimulationSummary, type WriteSimulationOptions } from '../src/index.js';
import { clfTimeToMs, parseLine } from './helpers.js';

const OPTIONS: Omit<WriteSimulationOptions, 'outDir'> = {
  customers: 3,
  durationMs: 30 * 60_000,
  seed: 'files-test',
  ratePerMinute: 12,
  botShare: 0.4,
  utcOffsets: [60, -300],
};

/** Minimal RFC 4180 line reader: labels.csv quotes the session field (User-Agents hold commas). */
function csvRow(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        assert.ok(q >= 0, `unterminated quote in ${line}`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

async function readDir(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
  return files;
}

describe('writeSimulation', () => {
  let root: string;
  let summary: SimulationSummary;
  let files: Map<string, Buffer>;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'weir-sim-'));
    summary = await writeSimulation({ ...OPTIONS, outDir: join(root, 'a') });
    files = await readDir(join(root, 'a'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes one log per customer, labels.csv and sessions.ndjson', () => {
    const names = customerNames(3);
    assert.deepEqual([...files.keys()].sort(), [...names.map((n) => `${n}.log`), 'labels.csv', 'sessions.ndjson'].sort());
    assert.deepEqual(summary.customers, names);
    for (const name of names) assert.ok((summary.linesByCustomer[name] ?? 0) > 1000, `${name} has few lines`);
  });

  it('gives byte-identical files for the same options and different ones for another seed', async () => {
    await writeSimulation({ ...OPTIONS, outDir: join(root, 'b') });
    const again = await readDir(join(root, 'b'));
    assert.deepEqual([...again.keys()], [...files.keys()]);
    for (const [name, bytes] of files) assert.ok(bytes.equals(again.get(name) as Buffer), `${name} differs between identical runs`);

    await writeSimulation({ ...OPTIONS, seed: 'another', outDir: join(root, 'c') });
    const other = await readDir(join(root, 'c'));
    for (const [name, bytes] of files) assert.ok(!bytes.equals(other.get(name) as Buffer), `${name} did not change with the seed`);
  });

  it('writes only valid Combined Log Format lines, in time order, in the customer offset', () => {
    const names = customerNames(3);
    let total = 0;
    for (const [i, name] of names.entries()) {
      const text = (files.get(`${name}.log`) as Buffer).toString('utf8');
      assert.ok(text.endsWith('\n'));
      const zone = i % 2 === 0 ? '+0100' : '-0500';
      let previous = -Infinity;
      for (const line of text.slice(0, -1).split('\n')) {
        const parsed = parseLine(line);
        assert.ok(parsed, `not Combined Log Format: ${line}`);
        assert.ok(parsed.time.endsWith(zone), `${name} time ${parsed.time} not in ${zone}`);
        const ms = clfTimeToMs(parsed.time);
        assert.ok(ms >= previous, `${name} goes back in time at ${line}`);
        assert.ok(ms >= summary.start && ms < summary.end, `outside the period: ${line}`);
        previous = ms;
        total++;
      }
    }
    assert.equal(total, summary.lines);
  });

  it('labels every line: each (IP, User-Agent) of the logs is one row of labels.csv', () => {
    const rows = (files.get('labels.csv') as Buffer).toString('utf8').slice(0, -1).split('\n');
    assert.equal(rows[0], 'session,label,family');
    const labels = new Map<string, { label: string; family: string }>();
    for (const row of rows.slice(1)) {
      const [session, label, family, ...rest] = csvRow(row);
      assert.equal(rest.length, 0, row);
      assert.ok(session && label && family, row);
      assert.ok(!labels.has(session), `session key ${session} labelled twice`);
      assert.ok((label === 'human') === (family === 'human') && (label === 'human' || label === 'bot'), row);
      labels.set(session, { label, family });
    }
    const counts = new Map<string, number>();
    for (const name of customerNames(3)) {
      for (const line of (files.get(`${name}.log`) as Buffer).toString('utf8').slice(0, -1).split('\n')) {
        const parsed = parseLine(line);
        assert.ok(parsed);
        const key = labelsSessionKey(parsed.ip, parsed.userAgent === '-' ? null : parsed.userAgent);
        assert.ok(labels.has(key), `no label for ${key}`);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    assert.equal(counts.size, labels.size, 'a labelled session has no lines');

    // sessions.ndjson agrees with labels.csv and with the logs.
    const sessions = (files.get('sessions.ndjson') as Buffer).toString('utf8').slice(0, -1).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(sessions.length, labels.size);
    for (const s of sessions) {
      assert.deepEqual(Object.keys(s), ['customer', 'clientIp', 'userAgent', 'firstTime', 'lastTime', 'label', 'family', 'requests']);
      const key = labelsSessionKey(s.clientIp as string, s.userAgent as string | null);
      assert.deepEqual(labels.get(key), { label: s.label, family: s.family });
      assert.equal(counts.get(key), s.requests);
      assert.ok((s.firstTime as number) <= (s.lastTime as number));
    }
    const total = Object.values(summary.sessions).reduce((a, b) => a + b, 0);
    assert.equal(total, labels.size);
  });
});
