/**
 * Independent cross-check on the real servers: records our serde writes to Kafka are read back by
 * Confluent's own Python client (confluent_kafka's AvroDeserializer + fastavro), which parses the
 * wire format and fetches the writer schema from the registry without any of our code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createSerde } from '../src/create-serde.js';
import type { RequestEvent } from '../src/records.js';
import { logsTopic } from '../src/topics.js';
import { FAR_FUTURE, fullRequest, sparseRequest } from './samples.js';
import { kafkaBrokers, registryUrl, uniqueName, weirPython } from './servers.js';

const run = promisify(execFile);
const script = join(import.meta.dirname, 'python', 'read_avro.py');

interface PythonLine {
  partition: number;
  offset: number;
  value: unknown;
}

test("Confluent's Python client reads the RequestEvents our RegistrySerde writes", { timeout: 120_000 }, async () => {
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

  let stdout: string;
  try {
    ({ stdout } = await run(
      python,
      [script, '--bootstrap', brokers.join(','), '--registry', url, '--topic', topic, '--count', String(sent.length), '--timeout', '60'],
      { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
    ));
  } catch (err) {
    const { stderr, code } = err as { stderr?: string; code?: unknown };
    assert.fail(`read_avro.py (${python}) failed with ${String(code)}:\n${stderr ?? String(err)}`);
  }
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
