/**
 * CPU profile of ingest under the load `pnpm bench ingest` puts on it (same bodies, same
 * concurrency, the load loop in the same process): `npx tsx bench/profile-ingest.ts [embedded|kafka]`
 * writes ingest-<bus>.cpuprofile (in WEIR_PROFILE_DIR, else the system's temp directory) covering
 * the load only, not the set-up, and prints the functions with the most self time; with
 * WEIR_PROFILE_HEAP=1, also (sampled, which slows the run) the functions that allocated the most
 * bytes, collected or not: what the garbage collector's share comes from. `kafka` takes
 * the broker from KAFKA_BROKERS (client from KAFKA_CLIENT) and the registry from SCHEMA_REGISTRY_URL
 * (embedded when unset). WEIR_PROFILE_SECONDS sets the load's length (default 10).
 * Not a *.bench.ts: `pnpm bench` does not run it.
 */
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { createSerde, EmbeddedRegistry, logsTopic, RegistrySerde, type RequestEvent, type Serde } from '../shared/contracts/src/index.js';
import { busConfigFromEnv, createBus, createEmbeddedBus, createLogger, type Bus } from '../shared/stream/src/index.js';
import { bodies, ingestTarget, LINES_PER_REQUEST, load } from './ingest.bench.js';
import { saveProfile, topAllocations, topSelf, type HeapProfile, type Profile } from './profile.js';

const which = process.argv[2] ?? 'embedded';
const seconds = Number(process.env.WEIR_PROFILE_SECONDS ?? 10);
const customer = `bench-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const key = randomBytes(24).toString('base64url');
const bus: Bus =
  which === 'kafka'
    ? await createBus(busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka' }), createLogger('ingest-profile', { level: 'warn' }))
    : createEmbeddedBus();
const serde: Serde<RequestEvent> = which === 'kafka' ? createSerde<RequestEvent>() : new RegistrySerde<RequestEvent>(new EmbeddedRegistry());
const payloads = bodies(16);
const target = await ingestTarget(bus, serde, customer, key);
// A short warm-up (topic creation, schema registration, JIT) outside the profile.
await load(target.url, key, payloads, { requests: 8, ms: 2000 });

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const heapSampled = process.env.WEIR_PROFILE_HEAP === '1';
// Collected objects too: what costs the collector is what was allocated, not what is left.
if (heapSampled) {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const cpuBefore = process.cpuUsage();
const measured = await load(target.url, key, payloads, { requests: Number.MAX_SAFE_INTEGER, ms: seconds * 1000 });
const cpu = process.cpuUsage(cpuBefore);
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
const heap = heapSampled ? ((await session.post('HeapProfiler.stopSampling')) as { profile: HeapProfile }).profile : null;
const out = saveProfile(`ingest-${which}.cpuprofile`, profile);
console.log(`profile: ${out}`);
console.log(`ingest on ${which}: ${Math.round(measured.linesPerSecond)} lines/s (${LINES_PER_REQUEST} per request, profiler on)`);
// CPU time per line: less swayed by a loaded machine than the rate (the load loop's share included).
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(`cpu: ${cpuSeconds.toFixed(2)} s of ${seconds} s (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)}), ${((cpuSeconds * 1e6) / (measured.linesPerSecond * seconds)).toFixed(2)} µs per line`);
for (const { share, where } of topSelf(profile, 30)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
if (heap !== null) {
  console.log('allocated (sampled), by the function that allocated:');
  for (const { share, where } of topAllocations(heap, 15)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
}
await target.close();
if (which === 'kafka') await bus.admin.deleteTopics([logsTopic(customer)]).catch(() => undefined);
await bus.close();
