/** Shared by the ingest tests: an app on the embedded bus and registry, and reading a topic back. */
import { gzipSync } from 'node:zlib';
import { EmbeddedRegistry, RegistrySerde, type RequestEvent, type Serde } from '@weir/contracts';
import { pino } from 'pino';
import { ApiKeys } from '../src/api-keys.js';
import { buildIngestApp, type IngestApp, type IngestAppDeps } from '../src/app.js';
import type { Bus, BusAdmin, BusProducer, OutgoingMessage, RecordMetadata } from '@weir/stream';
import { createEmbeddedBus } from '@weir/stream';

export const KEYS = {
  acme: 'acme-key-0123456789abcdef',
  globex: 'globex-key-0123456789abcdef',
  globexNew: 'globex-key-rotated-0123456789',
} as const;

export const quietLogger = () => pino({ level: process.env.WEIR_TEST_LOG_LEVEL ?? 'silent' });

export interface TestApp extends IngestApp {
  bus: Bus;
  serde: Serde<RequestEvent>;
  keys: ApiKeys;
}

export function testApp(overrides: Partial<IngestAppDeps> = {}): TestApp {
  const bus = overrides.bus ?? createEmbeddedBus();
  const serde = overrides.serde ?? new RegistrySerde<RequestEvent>(new EmbeddedRegistry());
  const keys =
    overrides.keys ??
    new ApiKeys(
      new Map([
        ['acme', [KEYS.acme]],
        ['globex', [KEYS.globex, KEYS.globexNew]],
      ]),
    );
  const app = buildIngestApp({ logger: quietLogger(), ...overrides, bus, serde, keys });
  return { ...app, bus, serde, keys };
}

/** Every record of a topic, decoded, with where it landed; in partition then offset order. */
export async function readTopic(
  bus: Bus,
  serde: Serde<RequestEvent>,
  topic: string,
): Promise<Array<{ partition: number; offset: number; key: string | null; event: RequestEvent }>> {
  const offsets = await bus.admin.fetchTopicOffsets(topic);
  const reader = await bus.partitionReader(topic);
  const out: Array<{ partition: number; offset: number; key: string | null; event: RequestEvent }> = [];
  try {
    for (const { partition, low, high } of offsets) {
      if (high <= low) continue;
      await reader.read({ topic, partition, offset: low }, async (messages) => {
        for (const m of messages) {
          if (m.offset >= high) return true;
          out.push({ partition, offset: m.offset, key: m.key?.toString('utf8') ?? null, event: await serde.decode(topic, m.value!) });
        }
        return messages.length === 0 ? false : messages[messages.length - 1]!.offset >= high - 1;
      });
    }
  } finally {
    await reader.close();
  }
  return out;
}

export const gzip = (text: string): Buffer => gzipSync(Buffer.from(text, 'utf8'));

/**
 * A bus whose producer's send is replaced: to fail (Kafka down), hang, or wait for a signal.
 * Topics, reading and everything else are the inner bus's (the embedded one unless given).
 */
export function busWithSend(
  send: (messages: OutgoingMessage[], real: BusProducer) => Promise<RecordMetadata[]>,
  opts: { listTopics?: () => Promise<string[]>; inner?: Bus } = {},
): Bus {
  const inner = opts.inner ?? createEmbeddedBus();
  const { listTopics } = opts;
  const admin: BusAdmin = listTopics
    ? new Proxy(inner.admin, { get: (target, prop, receiver) => (prop === 'listTopics' ? listTopics : Reflect.get(target, prop, receiver)) })
    : inner.admin;
  return {
    kind: inner.kind,
    admin,
    consumer: (options) => inner.consumer(options),
    partitionReader: (topic) => inner.partitionReader(topic),
    close: () => inner.close(),
    async producer() {
      const real = await inner.producer();
      return {
        send: (messages) => send(messages, real),
        beginTransaction: () => real.beginTransaction(),
        close: () => real.close(),
      };
    },
  };
}

/** Combined Log Format lines, one per (ip, user agent, path). */
export function combinedLine(ip: string, ua: string, path = '/', status = 200, time = '10/Oct/2024:13:55:36 +0000'): string {
  return `${ip} - - [${time}] "GET ${path} HTTP/1.1" ${status} 512 "-" "${ua}"`;
}

export function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
