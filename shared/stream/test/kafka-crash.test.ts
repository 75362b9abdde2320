/**
 * Crashes for real: the stage runs in a child process that is SIGKILLed (by the test, or by
 * itself at an exact point), then restarted; the outputs a read_committed reader sees are checked.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Bus } from '../src/bus.js';
import { assertExactCounts, parse, readTopic, requests, sendRequests } from './runner.contract.js';
import { kafkaTestBus } from './kafka-test-bus.js';
import { deleteTestTopics, uniqueName, waitFor } from './helpers.js';

const fixture = join(import.meta.dirname, 'fixtures', 'run-counter.ts');

interface Child {
  process: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  output: () => string;
}

function startChild(vars: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { process: child, exited, output: () => text };
}

async function started(child: Child): Promise<void> {
  await waitFor(`child start (output so far: ${child.output().slice(-2000)})`, () => child.output().includes('started'), 60_000);
}

let bus: Bus;
before(async () => {
  bus = await kafkaTestBus('kafka-crash-test');
});
after(async () => {
  await deleteTestTopics(bus);
  await bus.close();
});

async function setup(label: string) {
  const input = uniqueName(`${label}-in`);
  const output = uniqueName(`${label}-out`);
  const groupId = uniqueName(`${label}-group`);
  await bus.admin.createTopics([
    { topic: input, partitions: 3 },
    { topic: output, partitions: 3 },
  ]);
  return { INPUT: input, OUTPUT: output, GROUP: groupId };
}

test('at-least-once: a stage SIGKILLed mid-stream and restarted loses nothing and counts nothing twice', { timeout: 180_000 }, async () => {
  const topics = await setup('kill-alos');
  const inputs = requests(1500, 10);
  await sendRequests(bus, topics.INPUT, inputs);
  const out = await readTopic(bus, topics.OUTPUT);
  const first = startChild({ ...topics, DELIVERY: 'at-least-once', DELAY_MS: '2' });
  await started(first);
  await out.collector.waitForCount(300, 60_000);
  first.process.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  const seenAtKill = out.collector.messages.length;
  assert.ok(seenAtKill < 1500, `killed mid-stream (${seenAtKill} outputs so far)`);

  const second = startChild({ ...topics, DELIVERY: 'at-least-once' });
  await started(second);
  await waitFor('every input in the output', () => new Set(out.collector.messages.map((m) => parse(m).id)).size === 1500, 90_000);
  second.process.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  assertExactCounts(out.collector.messages.map(parse), inputs);
  await out.stop();
});

test('at-least-once: killed after producing and checkpointing, before committing: state does not double-count', { timeout: 180_000 }, async () => {
  const topics = await setup('kill-commit-alos');
  const inputs = requests(600, 6);
  await sendRequests(bus, topics.INPUT, inputs);
  const out = await readTopic(bus, topics.OUTPUT);
  const first = startChild({ ...topics, DELIVERY: 'at-least-once', KILL_AT_CONSUMER_COMMIT: '4' });
  assert.equal(await first.exited, 'SIGKILL', first.output());
  const second = startChild({ ...topics, DELIVERY: 'at-least-once' });
  await started(second);
  await waitFor('every input in the output', () => new Set(out.collector.messages.map((m) => parse(m).id)).size === 600, 90_000);
  second.process.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  assertExactCounts(out.collector.messages.map(parse), inputs);
  await out.stop();
});

test('exactly-once: killed between producing and committing, the restarted stage leaves no duplicate for read_committed readers', { timeout: 180_000 }, async () => {
  const topics = await setup('kill-eos');
  const inputs = requests(600, 6);
  await sendRequests(bus, topics.INPUT, inputs);
  const out = await readTopic(bus, topics.OUTPUT);
  const first = startChild({ ...topics, DELIVERY: 'exactly-once', KILL_AT_TRANSACTION_COMMIT: '5' });
  assert.equal(await first.exited, 'SIGKILL', first.output());
  const second = startChild({ ...topics, DELIVERY: 'exactly-once' });
  await started(second);
  await out.collector.waitForCount(600, 90_000);
  await new Promise((r) => setTimeout(r, 2000));
  second.process.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  const outputs = out.collector.messages.map(parse);
  assert.equal(outputs.length, 600, 'each input exactly once');
  assert.equal(new Set(outputs.map((o) => o.id)).size, 600);
  assertExactCounts(outputs, inputs);
  await out.stop();
});

test('exactly-once: SIGKILLed at an arbitrary moment mid-stream, then restarted: exactly once', { timeout: 180_000 }, async () => {
  const topics = await setup('kill-eos-mid');
  const inputs = requests(1500, 10);
  await sendRequests(bus, topics.INPUT, inputs);
  const out = await readTopic(bus, topics.OUTPUT);
  const first = startChild({ ...topics, DELIVERY: 'exactly-once', DELAY_MS: '2' });
  await started(first);
  await out.collector.waitForCount(200, 60_000);
  first.process.kill('SIGKILL');
  await first.exited;
  const second = startChild({ ...topics, DELIVERY: 'exactly-once' });
  await started(second);
  await out.collector.waitForCount(1500, 90_000);
  await new Promise((r) => setTimeout(r, 2000));
  second.process.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  const outputs = out.collector.messages.map(parse);
  assert.equal(outputs.length, 1500, 'each input exactly once');
  assertExactCounts(outputs, inputs);
  await out.stop();
});

test('exactly-once: a paused instance (a zombie) is fenced when its partitions move, and rejoins without duplicates', { timeout: 240_000 }, async () => {
  const topics = await setup('zombie-eos');
  const inputs = requests(1500, 10);
  await sendRequests(bus, topics.INPUT, inputs);
  const out = await readTopic(bus, topics.OUTPUT);
  const zombie = startChild({ ...topics, DELIVERY: 'exactly-once', DELAY_MS: '4' });
  await started(zombie);
  await out.collector.waitForCount(150, 60_000);
  zombie.process.kill('SIGSTOP');
  const seenAtPause = out.collector.messages.length;
  const successor = startChild({ ...topics, DELIVERY: 'exactly-once', DELAY_MS: '2' });
  await started(successor);
  // The group drops the paused member after its session timeout; the successor takes over.
  await out.collector.waitForCount(seenAtPause + 200, 90_000);
  zombie.process.kill('SIGCONT');
  await waitFor('every input in the output', () => new Set(out.collector.messages.map((m) => parse(m).id)).size === 1500, 120_000);
  await new Promise((r) => setTimeout(r, 2000));
  zombie.process.kill('SIGTERM');
  successor.process.kill('SIGTERM');
  assert.equal(await zombie.exited, 0, zombie.output());
  assert.equal(await successor.exited, 0, successor.output());
  const outputs = out.collector.messages.map(parse);
  assert.equal(outputs.length, 1500, 'each input exactly once');
  assertExactCounts(outputs, inputs);
  await out.stop();
});
