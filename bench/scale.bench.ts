/**
 * `pnpm bench scale`: the window and score stages scaled within one customer, on the real broker.
 * Session records of one customer with about 90 % of the traffic and three small ones, keyed by
 * session over 6 partitions of weir.sessions; each stage run as 1 and as 3 service processes
 * (one consumer group) in a namespace of its own. The records are produced once every process
 * has joined the group (no rebalance inside the measure), and the run is timed from the first
 * record produced until the group has committed the end of weir.sessions. Score's namespace holds
 * the final window summaries before its sessions arrive, so closed sessions meet their windows. Prints each instance's share of the records it read and its CPU
 * (from /proc), and the total records/s; the 3-instance figure against the 1-instance baseline.
 * On a machine of two shared cores the processes compete for the same CPU: read the CPU column.
 *
 * Needs KAFKA_BROKERS and SCHEMA_REGISTRY_URL (`eval "$(pnpm -s infra:up)"`).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { SESSIONS_TOPIC, WINDOWS_TOPIC, type SessionFeatures, type WindowSummary } from '../shared/contracts/src/index.js';
import { OfflinePipeline, ensurePipelineTopics, namespacedSerde, topicIn } from '../shared/pipeline/src/index.js';
import { createBusFromEnv, type Bus, type Serde } from '../shared/stream/src/index.js';
import { deleteTopics, stageStarted, startService, waitFor, type ServiceProcess } from '../shared/testing/src/services.js';
import { parsedTraffic } from '../shared/testing/src/simulated-traffic.js';
import type { BenchResult } from './result.js';

const MINUTES = Number(process.env.WEIR_BENCH_SCALE_MINUTES ?? 20);
const PARTITIONS = 6;
const TICKS_PER_SECOND = 100;

/** Session records of `${run}-hot` (about 90 %) and three small customers, in the order sessionize would emit them. */
function sessionRecords(run: string): { records: SessionFeatures[]; windows: WindowSummary[] } {
  const records: SessionFeatures[] = [];
  const windows: WindowSummary[] = [];
  const pipeline = new OfflinePipeline({
    onSessionRecord: (r) => records.push(r),
    onWindowSummary: (w) => w.closed && windows.push(w),
  });
  const traffic = [
    { name: 'hot', customers: 1, ratePerMinute: 90 },
    { name: 'small', customers: 3, ratePerMinute: 3.3 },
  ];
  for (const { name, customers, ratePerMinute } of traffic) {
    const simulation = { customers, durationMs: MINUTES * 60_000, ratePerMinute, seed: `bench-scale-${name}` };
    for (const event of parsedTraffic(simulation, { customer: (simulated) => `${run}-${name}-${simulated}` })) pipeline.push(event, event.customer);
  }
  pipeline.finish();
  return { records, windows };
}

async function produce<T>(bus: Bus, topic: string, serde: Serde<T>, records: readonly T[], keyOf: (record: T) => string): Promise<void> {
  const producer = await bus.producer();
  for (let i = 0; i < records.length; i += 1000) {
    const chunk = records.slice(i, i + 1000);
    await producer.send(await Promise.all(chunk.map(async (r) => ({ topic, key: keyOf(r), value: await serde.encode(topic, r) }))));
  }
  await producer.close();
}

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function recordsRead(service: ServiceProcess, topic: string): Promise<number> {
  const text = await (await fetch(`${await service.adminUrl()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('weir_stage_records_in_total') && l.includes(`topic="${topic}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function committed(bus: Bus, groupId: string, topic: string): Promise<number> {
  const offsets = await bus.admin.fetchCommittedOffsets(groupId, [topic]);
  return offsets.reduce((sum, o) => sum + Math.max(0, o.offset), 0);
}

interface StageRun {
  recordsPerSecond: number;
  instances: Array<{ share: number; cpu: number }>;
}

async function runStage(bus: Bus, stage: 'window' | 'score', ns: string, instances: number, data: ReturnType<typeof sessionRecords>): Promise<StageRun> {
  const prefix = ns;
  const total = data.records.length;
  await ensurePipelineTopics(bus, { namespace: ns, partitions: PARTITIONS });
  const topic = topicIn(ns, SESSIONS_TOPIC);
  if (stage === 'score') {
    const windows = topicIn(ns, WINDOWS_TOPIC);
    await produce(bus, windows, namespacedSerde<WindowSummary>(ns), data.windows, (w) => `${w.customer}|${w.windowStart}`);
  }
  const env: Record<string, string> = {
    WEIR_TOPIC_NAMESPACE: ns,
    WEIR_GROUP_PREFIX: prefix,
    WEIR_LOG_LEVEL: 'info',
    // The services' default window settings (a 60 s lateness: a minute or two of windows open).
    ...(stage === 'window' ? { WEIR_CLOSE_IDLE_AFTER: '3s' } : { WEIR_SCORE_MAX_WAIT: '30s' }),
  };
  const services = Array.from({ length: instances }, () => startService(stage, env));
  try {
    await Promise.all(services.map((s) => stageStarted(s, 180_000)));
    const groupId = `${prefix}-${stage}`;
    await waitFor(`${instances} members in ${groupId}`, async () => (await bus.admin.groupMembers(groupId)) === instances, 120_000);
    const started = performance.now();
    const cpuAtStart = services.map((s) => cpuSeconds(s.child.pid));
    await produce(bus, topic, namespacedSerde<SessionFeatures>(ns), data.records, (r) => r.sessionId);
    let lastReport = started;
    await waitFor(
      `${stage} ×${instances} to read weir.sessions`,
      async () => {
        const done = await committed(bus, groupId, topic);
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          console.log(`    ${stage} ×${instances}: ${done} of ${total} records committed`);
        }
        return done >= total;
      },
      1_800_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const read = await Promise.all(services.map((s) => recordsRead(s, topic)));
    const sum = read.reduce((a, b) => a + b, 0) || 1;
    return {
      recordsPerSecond: total / seconds,
      instances: services.map((s, i) => ({ share: read[i]! / sum, cpu: (cpuSeconds(s.child.pid) - cpuAtStart[i]!) / seconds })),
    };
  } finally {
    await Promise.all(services.map((s) => s.stop(20_000)));
  }
}

export async function run(): Promise<BenchResult[]> {
  if (!process.env.KAFKA_BROKERS || !process.env.SCHEMA_REGISTRY_URL) {
    throw new Error('pnpm bench scale runs on the real broker and registry: eval "$(pnpm -s infra:up)" first');
  }
  const bus = await createBusFromEnv(undefined, { ...process.env, WEIR_BUS: 'kafka' });
  const run = `scale-${Date.now().toString(36)}`;
  try {
    const data = sessionRecords(run);
    const { records } = data;
    const hot = records.filter((r) => r.customer.startsWith(`${run}-hot-`)).length;
    console.log(`  ${records.length} session records, ${((100 * hot) / records.length).toFixed(1)} % of them the hot customer's, ${PARTITIONS} partitions`);

    const table: Array<[string, number, StageRun]> = [];
    for (const stage of ['window', 'score'] as const) {
      for (const n of [1, 3]) table.push([stage, n, await runStage(bus, stage, `${run}-${stage}${n}`, n, data)]);
    }

    console.log('  stage   instances  records/s  share of records per instance   CPU per instance (cores)');
    for (const [stage, n, result] of table) {
      const shares = result.instances.map((i) => `${(100 * i.share).toFixed(1)} %`).join(' / ');
      const cpu = result.instances.map((i) => i.cpu.toFixed(2)).join(' / ');
      console.log(`  ${stage.padEnd(7)} ${String(n).padStart(9)}  ${Math.round(result.recordsPerSecond).toString().padStart(9)}  ${shares.padEnd(30)}  ${cpu}`);
    }
    const results: BenchResult[] = [];
    for (const stage of ['window', 'score'] as const) {
      const one = table.find(([s, n]) => s === stage && n === 1)![2];
      const three = table.find(([s, n]) => s === stage && n === 3)![2];
      const name = `${stage} records/s, 1 instance`;
      results.push({ name, value: one.recordsPerSecond, unit: 'records/s' });
      results.push({ name: `${stage} records/s, 3 instances`, value: three.recordsPerSecond, unit: 'records/s', baseline: { name, value: one.recordsPerSecond } });
      results.push({ name: `${stage}: largest share of one of 3 instances`, value: 100 * Math.max(...three.instances.map((i) => i.share)), unit: '%', baseline: { name: 'even share', value: 100 / 3 } });
    }
    return results;
  } finally {
    const ours = (await bus.admin.listTopics()).filter((t) => t.startsWith(`${run}`));
    await deleteTopics(bus, ours);
    await bus.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { formatResult } = await import('./result.js');
  for (const result of await run()) console.log(formatResult(result));
}
