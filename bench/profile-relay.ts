/**
 * CPU profile of the runner's bare relay on the real broker: `npx tsx bench/profile-relay.ts
 * [kafkajs|confluent]` writes relay-<client>.cpuprofile (in WEIR_PROFILE_DIR, else the system's temp directory; open it in Chrome's DevTools) covering
 * the relay only, not the set-up, and prints the functions with the most self time.
 * Not a *.bench.ts: `pnpm bench` does not run it.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { logsTopic, type RequestEvent } from '../shared/contracts/src/index.js';
import { sessionKeyer } from '../shared/features/src/index.js';
import { createBusFromEnv } from '../shared/stream/src/index.js';
import { produce, relay, simulatedEvents, timeStage } from './pipeline.bench.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Self time per function, as shares of all samples. */
export function topSelf(profile: Profile, count: number): Array<{ share: number; where: string }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<string, number>();
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^file:\/\/.*\/(shared|bench)\//, '$1/')}:${lineNumber + 1}`;
    hits.set(where, (hits.get(where) ?? 0) + 1);
  }
  return [...hits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, n]) => ({ share: n / profile.samples.length, where }));
}

const client = process.argv[2] ?? 'confluent';
const events = simulatedEvents(Number(process.env.WEIR_BENCH_MINUTES ?? 45));
const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka', KAFKA_CLIENT: client });
const suffix = randomUUID().slice(0, 8);
const input = logsTopic(`bench-${suffix}`);
await produce(bus, input, events.map((e): RequestEvent => ({ ...e, customer: `bench-${suffix}` })), sessionKeyer('ip_ua'));
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
// WEIR_RELAY_CONCURRENCY / WEIR_RELAY_MAX_RECORDS: the runner's partitions at once and records per chunk (defaults 2 / 500).
const tuning = {
  ...(process.env.WEIR_RELAY_CONCURRENCY ? { concurrency: Number(process.env.WEIR_RELAY_CONCURRENCY) } : {}),
  ...(process.env.WEIR_RELAY_MAX_RECORDS ? { batch: { maxRecords: Number(process.env.WEIR_RELAY_MAX_RECORDS) } } : {}),
};
const seconds = await timeStage(bus, input, relay<RequestEvent>(`relay-${client}`, logsTopic(`relay-${suffix}`)), false, tuning);
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
const out = join(process.env.WEIR_PROFILE_DIR ?? tmpdir(), `relay-${client}.cpuprofile`);
writeFileSync(out, JSON.stringify(profile));
console.log(`profile: ${out}`);
console.log(`relay on ${client} ${JSON.stringify(tuning)}: ${events.length} records in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds)} records/s (profiler on)`);
for (const { share, where } of topSelf(profile, 25)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
await bus.admin.deleteTopics([input, logsTopic(`relay-${suffix}`)]).catch(() => undefined);
await bus.close();
