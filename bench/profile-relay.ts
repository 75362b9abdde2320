/**
 * CPU profile of the runner's bare relay, or of a stage, on the real broker: `npx tsx
 * bench/profile-relay.ts [kafkajs|confluent|embedded] [relay|sessionize|score|score-model]` writes
 * <what>-<client>.cpuprofile (in WEIR_PROFILE_DIR, else the system's temp directory; open it in
 * Chrome's DevTools) covering the run only, not the set-up, and prints the functions with the most
 * self time and the share of time in garbage collection. `score-model` scores with the shipped model.
 * Not a *.bench.ts: `pnpm bench` does not run it.
 */
import { randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { logsTopic, type RequestEvent } from '../shared/contracts/src/index.js';
import { sessionKeyer } from '../shared/features/src/index.js';
import { createBusFromEnv, createEmbeddedBus } from '../shared/stream/src/index.js';
import { BaselineScorer, ModelScorer, WindowTable, scoreStage, sessionizeStage, sessionizeStateCodec } from '../shared/pipeline/src/index.js';
import type { Stage } from '../shared/stream/src/index.js';
import { saveProfile, topSelf, type Profile } from './profile.js';
import { SESSIONS_PREFIX, produce, relay, sessionRecords, shippedModel, simulatedEvents, timeStage, windowSummaries } from './pipeline.bench.js';

const client = process.argv[2] ?? 'confluent';
const what = process.argv[3] ?? 'relay';
const events = simulatedEvents(Number(process.env.WEIR_BENCH_MINUTES ?? 45));
// `embedded`: the in-process bus, the stage's own cost without a broker's.
const bus = client === 'embedded' ? createEmbeddedBus() : await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka', KAFKA_CLIENT: client });
const suffix = randomUUID().slice(0, 8);
const scored = what === 'score' || what === 'score-model';
const input = scored ? `${SESSIONS_PREFIX}${suffix}` : logsTopic(`bench-${suffix}`);
const output = scored ? `${SESSIONS_PREFIX}${suffix}-out` : logsTopic(`relay-${suffix}`);
const sessions = sessionRecords(events);
const count = scored ? sessions.length : events.length;
if (scored) await produce(bus, input, sessions, (s) => s.customer);
else await produce(bus, input, events.map((e): RequestEvent => ({ ...e, customer: `bench-${suffix}` })), sessionKeyer('ip_ua'));
const table = new WindowTable();
for (const w of windowSummaries(sessions)) table.upsert(w);
const model = what === 'score-model' ? await shippedModel('wasm') : null;
const scorer = model ? new ModelScorer(() => model) : new BaselineScorer();
const thresholds = () => ({ suspicious: 0.5, bot: 0.8 });
// Stage, and whether it keeps state (checkpointed through the changelog, as the bench runs it).
const [stage, stateful]: [Stage<never, never, never, never>, boolean] =
  what === 'sessionize'
    ? [sessionizeStage() as unknown as Stage<never, never, never, never>, true]
    : scored
      ? [scoreStage({ windows: table, scorer: () => scorer, thresholds }) as unknown as Stage<never, never, never, never>, true]
      : [relay<never>(`relay-${client}`, output), false];
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
// WEIR_RELAY_CONCURRENCY / WEIR_RELAY_MAX_RECORDS / WEIR_RELAY_WRITES_IN_FLIGHT: the runner's
// partitions at once, records per chunk and chunk writes in flight per partition (defaults 16 / 500 / 4).
const tuning = {
  ...(process.env.WEIR_RELAY_CONCURRENCY ? { concurrency: Number(process.env.WEIR_RELAY_CONCURRENCY) } : {}),
  ...(process.env.WEIR_RELAY_WRITES_IN_FLIGHT ? { writesInFlight: Number(process.env.WEIR_RELAY_WRITES_IN_FLIGHT) } : {}),
  ...(process.env.WEIR_RELAY_MAX_RECORDS ? { batch: { maxRecords: Number(process.env.WEIR_RELAY_MAX_RECORDS) } } : {}),
};
// Sessionize checkpoints through its service's changelog codec.
const cpuBefore = process.cpuUsage();
const seconds = await timeStage(bus, input, stage, stateful, tuning, what === 'sessionize' ? (sessionizeStateCodec() as never) : undefined);
const cpu = process.cpuUsage(cpuBefore);
const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
const out = saveProfile(`${what}-${client}.cpuprofile`, profile);
console.log(`profile: ${out}`);
console.log(`${what} on ${client} ${JSON.stringify(tuning)}: ${count} records in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} records/s (profiler on)`);
// CPU seconds of this process over the run (the broker's are not counted): less swayed by a loaded machine than the rate.
console.log(`cpu: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)})`);
for (const { share, where } of topSelf(profile, 30)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
model?.dispose();
await bus.admin.deleteTopics([input, output]).catch(() => undefined);
await bus.close();
