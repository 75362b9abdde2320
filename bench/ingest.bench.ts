/**
 * Ingest throughput: requests/s and lines/s of POST /v1/logs over real HTTP on loopback, with
 * simulated Combined Log Format lines, against the embedded bus and registry (always) and the
 * real broker (when KAFKA_BROKERS is set; the real registry too when SCHEMA_REGISTRY_URL is).
 * Baseline: a bare fastify route taking the same bodies (`buildBaselineApp`), measured in the
 * same runs. Each figure is the median of RUNS runs, each bounded in requests and time.
 * Lines per CPU second (the process's, load loop included, as for the baseline) is the figure a
 * busy machine sways least: the rate falls when other work takes the cores, the CPU per line not.
 *
 *   pnpm bench ingest        or        tsx bench/ingest.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createSerde, EmbeddedRegistry, logsTopic, RegistrySerde, type RequestEvent, type Serde } from '../shared/contracts/src/index.js';
import { simulateTraffic } from '../shared/simulator/src/index.js';
import { busConfigFromEnv, createBus, createEmbeddedBus, createLogger, type Bus } from '../shared/stream/src/index.js';
import { ApiKeys, buildIngestApp } from '../services/ingest/src/index.js';
import { buildBaselineApp } from './ingest-baseline.js';
import { formatResult, median, type BenchResult } from './result.js';

const RUNS = 5;
export const LINES_PER_REQUEST = 2000;
const CONCURRENCY = 4;
const MAX_REQUESTS = 60;
const MAX_RUN_MS = 4000;
export const MAX_BODY = 10 * 1024 * 1024;

export interface Measured {
  requestsPerSecond: number;
  linesPerSecond: number;
  /** Lines per second of this process's CPU time (user + system) over the run. */
  linesPerCpuSecond: number;
}

export interface Target {
  url: string;
  close(): Promise<void>;
}

/** Bodies of simulated traffic, cycled through by the load loop. */
export function bodies(count: number): Buffer[] {
  const out: Buffer[] = [];
  let lines: string[] = [];
  for (const simulated of simulateTraffic({ customers: 2, durationMs: 6 * 3_600_000, seed: 'bench', ratePerMinute: 10 })) {
    lines.push(simulated.line);
    if (lines.length === LINES_PER_REQUEST) {
      out.push(Buffer.from(lines.join('\n') + '\n'));
      lines = [];
      if (out.length === count) break;
    }
  }
  return out;
}

/** CONCURRENCY loops posting bodies until `limits` (requests, ms) is reached; every answer must be 200. */
export async function load(url: string, key: string, payloads: Buffer[], limits = { requests: MAX_REQUESTS, ms: MAX_RUN_MS }): Promise<Measured> {
  let sent = 0;
  let lines = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async () => {
    while (sent < limits.requests && performance.now() - started < limits.ms) {
      const body = payloads[sent++ % payloads.length]!;
      const response = await fetch(`${url}/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
        body,
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
      lines += LINES_PER_REQUEST;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { requestsPerSecond: sent / seconds, linesPerSecond: lines / seconds, linesPerCpuSecond: lines / ((cpu.user + cpu.system) / 1e6) };
}

async function baselineTarget(): Promise<Target> {
  const app = buildBaselineApp(MAX_BODY);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

export async function ingestTarget(bus: Bus, serde: Serde<RequestEvent>, customer: string, key: string): Promise<Target> {
  const ingest = buildIngestApp({
    bus,
    serde,
    keys: new ApiKeys(new Map([[customer, [key]]])),
    logger: createLogger('ingest-bench', { level: 'warn' }),
    port: 0,
    host: '127.0.0.1',
    limits: { maxBodyBytes: MAX_BODY, maxInflightBytes: 256 * 1024 * 1024 },
  });
  const url = await ingest.http.listen();
  return { url, close: () => ingest.close() };
}

/** RUNS alternating rounds of baseline and ingest, each ingest run on the bus `openBus` gives. */
async function measure(
  label: string,
  payloads: Buffer[],
  openBus: () => Promise<{ bus: Bus; serde: Serde<RequestEvent>; customer: string; done: () => Promise<void> }>,
): Promise<BenchResult[]> {
  const key = randomBytes(24).toString('base64url');
  const base: Measured[] = [];
  const ingest: Measured[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const baseline = await baselineTarget();
    base.push(await load(baseline.url, key, payloads).finally(() => baseline.close()));
    const { bus, serde, customer, done } = await openBus();
    const target = await ingestTarget(bus, serde, customer, key);
    try {
      ingest.push(await load(target.url, key, payloads));
    } finally {
      await target.close();
      await done();
    }
    const last = ingest[ingest.length - 1]!;
    process.stderr.write(
      `  ${label} run ${run}/${RUNS}: ingest ${Math.round(last.linesPerSecond).toLocaleString('en-US')} lines/s ` +
        `(${Math.round(last.linesPerCpuSecond).toLocaleString('en-US')} per CPU second), ` +
        `baseline ${Math.round(base[base.length - 1]!.linesPerSecond).toLocaleString('en-US')} lines/s ` +
        `(${Math.round(base[base.length - 1]!.linesPerCpuSecond).toLocaleString('en-US')} per CPU second)\n`,
    );
  }
  const medianOf = (values: Measured[], field: keyof Measured) => median(values.map((v) => v[field]));
  return [
    {
      name: `ingest ${label}: requests/s (${LINES_PER_REQUEST} combined lines each, ${CONCURRENCY} concurrent)`,
      value: medianOf(ingest, 'requestsPerSecond'),
      unit: 'req/s',
      baseline: { name: 'bare fastify route, same bodies', value: medianOf(base, 'requestsPerSecond') },
    },
    {
      name: `ingest ${label}: lines/s`,
      value: medianOf(ingest, 'linesPerSecond'),
      unit: 'lines/s',
      baseline: { name: 'bare fastify route, same bodies', value: medianOf(base, 'linesPerSecond') },
    },
    {
      name: `ingest ${label}: lines per CPU second`,
      value: medianOf(ingest, 'linesPerCpuSecond'),
      unit: 'lines/cpu-s',
      baseline: { name: 'bare fastify route, same bodies', value: medianOf(base, 'linesPerCpuSecond') },
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const payloads = bodies(16);
  process.stderr.write(`  ${payloads.length} bodies of ${LINES_PER_REQUEST} lines (${(payloads[0]!.length / 1024).toFixed(0)} KiB each)\n`);
  const results = await measure('embedded bus', payloads, async () => {
    const bus = createEmbeddedBus();
    return { bus, serde: new RegistrySerde<RequestEvent>(new EmbeddedRegistry()), customer: 'bench', done: () => bus.close() };
  });

  if (process.env.KAFKA_BROKERS) {
    const bus = await createBus(busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka' }), createLogger('ingest-bench', { level: 'warn' }));
    const serde = createSerde<RequestEvent>();
    const customers: string[] = [];
    try {
      results.push(
        ...(await measure(`Kafka (${process.env.SCHEMA_REGISTRY_URL ? 'real' : 'embedded'} registry)`, payloads, async () => {
          const customer = `bench-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
          customers.push(customer);
          return { bus, serde, customer, done: async () => undefined };
        })),
      );
    } finally {
      await bus.admin.deleteTopics(customers.map(logsTopic)).catch(() => undefined);
      await bus.close();
    }
  } else {
    process.stderr.write('  KAFKA_BROKERS not set: the real-broker figures are left out\n');
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const result of await run()) console.log(formatResult(result));
}
