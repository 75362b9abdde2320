/**
 * One bare relay of pipeline.bench.ts on the client named by argv[2], printed as JSON
 * ({"recordsPerSecond": n}) on its last line: pipeline.bench.ts runs it on Node 22 for
 * @platformatic/kafka. Records: WEIR_BENCH_MINUTES of the same seeded simulation.
 */
import { busConfigFromEnv } from '../shared/stream/src/index.js';
import { relayRun, simulatedEvents } from './pipeline.bench.js';

const config = busConfigFromEnv({ ...process.env, WEIR_BUS: 'kafka', KAFKA_CLIENT: process.argv[2] ?? '' });
if (config.kind !== 'kafka') throw new Error('unreachable: WEIR_BUS=kafka');
const events = simulatedEvents(Number(process.env.WEIR_BENCH_MINUTES ?? 15));
const recordsPerSecond = await relayRun(config.client, events);
console.log(JSON.stringify({ recordsPerSecond }));
