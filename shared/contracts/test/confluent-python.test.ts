/**
 * Independent cross-check on the real servers: records our serde writes to Kafka are read back by
 * Confluent's own Python client (confluent_kafka's AvroDeserializer + fastavro), which parses the
 * wire format and fetches the writer schema from the registry without any of our code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createSerde } from '../src/create-serde.js';
import type { RequestEvent } from '../src/records.js';
import { logsTopic } from '../src/topics.js';
import { FAR_FUTURE, fullRequest, sparseRequest } from './samples.js';
import { kafkaBrokers, registryUrl, uniqueName, weirPython } from './servers.js';

const script = join(import.meta.dirname, 'python', 'read_avro.py');
/** The script's own stall limit (--timeout): it gives up, with a reason, after this long without progress. */
const SCRIPT_STALL_S = 60;
/**
 * The script prints a progress line on each step, so it is only killed when silent for longer than
 * its own limit (a hang in a call that should have been bounded): on a saturated machine loading the client
 * alone took 7 s, and the wall-clock limit this replaced (90 s) killed a run that was only slow.
 */
const STALL_MS = (SCRIPT_STALL_S + 30) * 1000;
/** Time a silent script is given to print its threads' stacks before it is killed. */
const STACKS_GRACE_MS = 3000;

interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stalled: boolean;
  stdout: string;
  stderr: string;
}

function runUntilStalled(command: string, args: string[]): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lastOutput = Date.now();
    let stalled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      lastOutput = Date.now();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      lastOutput = Date.now();
    });
    const watch = setInterval(() => {
      if (stalled || Date.now() - lastOutput <= STALL_MS) return;
      stalled = true;
      // Where it hangs, first: the script prints every thread's stack on SIGUSR1.
      child.kill('SIGUSR1');
      setTimeout(() => child.kill('SIGKILL'), STACKS_GRACE_MS).unref();
    }, 1000);
    child.on('error', (err) => {
      clearInterval(watch);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(watch);
      resolve({ code, signal, stalled, stdout, stderr });
    });
  });
}

interface PythonLine {
  partition: number;
  offset: number;
  value: unknown;
}

test("Confluent's Python client reads the RequestEvents our RegistrySerde writes", async () => {
  const python = weirPython();
  const brokers = kafkaBrokers();
  const url = registryUrl();
  const topic = logsTopic(uniqueName('pycheck'));
  const sent: RequestEvent[] = [
    fullRequest,
    sparseRequest,
    { ...sparseRequest, eventTime: FAR_FUTURE, path: '/ünïcødé/☕', extra: { k: 'v' }, requestTimeMs: 0.125 },
  ];

  const kafka = new Kafka({ clientId: 'weir-contracts-test', brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await producer.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const serde = createSerde<RequestEvent>({
      schemaRegistryUrl: url,
      schemaRegistryUsername: process.env.SCHEMA_REGISTRY_USERNAME,
      schemaRegistryPassword: process.env.SCHEMA_REGISTRY_PASSWORD,
    });
    const messages = await Promise.all(sent.map(async (r) => ({ key: r.clientIp, value: await serde.encode(topic, r) })));
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }

  const result = await runUntilStalled(python, [script, '--bootstrap', brokers.join(','), '--registry', url, '--topic', topic, '--count', String(sent.length), '--timeout', String(SCRIPT_STALL_S)]);
  if (result.code !== 0) {
    assert.fail(`read_avro.py (${python}) failed with ${result.code ?? result.signal}${result.stalled ? ` after ${STALL_MS} ms without output` : ''}:\n${result.stderr}`);
  }
  const { stdout } = result;
  const lines = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as PythonLine)
    .sort((a, b) => a.offset - b.offset);
  assert.equal(lines.length, sent.length);
  // Every field as sent: nulls, maps, unicode, doubles, and timestamps (Python saw datetimes; the
  // script prints them back as epoch ms).
  assert.deepStrictEqual(
    lines.map((l) => l.value),
    sent,
  );
});
