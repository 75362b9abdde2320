/**
 * How `pnpm bench peers` starts each engine's job as child processes, and stops it. Every engine
 * gets the same two cores, and only those: each of its processes (and every thread of theirs: the
 * JVMs' GC and client threads too) is pinned to the same CPUs with `taskset`, and the engines run
 * one at a time. Within them, Spark runs `local[2]` (and 2 shuffle partitions), Kafka Streams 2
 * stream threads, weir one process per stage (three single-threaded Node processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../scripts/infra/config.js';
import { ensureKafkaStreamsJob, ensurePySpark, SPARK_KAFKA_PACKAGE } from '../../scripts/infra/peers.js';
import type { Log } from '../../scripts/infra/progress.js';
import { READY_LINE, STAGES } from './weir-job.js';

export const ENGINES = ['spark', 'kafka-streams', 'weir'] as const;
export type Engine = (typeof ENGINES)[number];
export const CORES = 2;

/**
 * The CPUs every engine is pinned to: WEIR_PEERS_CPUS (a taskset list, e.g. `2,3`) or the first
 * CORES of the machine. The bench's own producer and follower are not pinned: they are the same for all.
 */
export function engineCpus(env: NodeJS.ProcessEnv = process.env): string {
  const list = env.WEIR_PEERS_CPUS ?? Array.from({ length: CORES }, (_, i) => i).join(',');
  const count = list.split(',').reduce((n, part) => {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !(Number.isInteger(to) && to >= from!))) throw new Error(`WEIR_PEERS_CPUS: ${list} is not a CPU list such as 0,1 or 2-3`);
    return n + (to === undefined ? 1 : to - from! + 1);
  }, 0);
  if (count !== CORES) throw new Error(`WEIR_PEERS_CPUS: ${list} names ${count} CPUs; every engine gets ${CORES}`);
  return list;
}

export interface JobSpec {
  brokers: string;
  /** weir's stages are separate processes: they must share one registry to read each other's records. */
  registry: string;
  input: string;
  /** The peers' output topic (weir writes `<run>.weir.windows`). */
  output: string;
  /** Unique per run: consumer groups, application ids, state and checkpoint directories. */
  run: string;
  stateDir: string;
}

export interface RunningJob {
  /** Resolves with Date.now() once every process printed its ready line. */
  ready: Promise<number>;
  stop(): Promise<void>;
}

interface Installed {
  spark: { pythonPath: string; ivyDir: string };
  kafkaStreams: { classpath: string };
}

const repoRoot = join(import.meta.dirname, '..', '..');

/** Installs (or finds in the cache) the peers; downloads show progress on `log`. */
export async function installPeers(log: Log): Promise<Installed> {
  const { cacheDir } = loadConfig();
  const spark = await ensurePySpark(cacheDir, log);
  const kafkaStreams = await ensureKafkaStreamsJob(join(import.meta.dirname, 'kafka-streams'), cacheDir, log);
  return { spark, kafkaStreams };
}

interface Command {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * How weir's three stages are spread over processes: WEIR_PEERS_WEIR_PROCESSES, processes separated
 * by `/`, the stages of one by `,` (default `parse/sessionize/window`: one process per stage, as the
 * services run). Every stage exactly once.
 */
export function weirProcesses(env: NodeJS.ProcessEnv = process.env): string[] {
  const layout = env.WEIR_PEERS_WEIR_PROCESSES ?? STAGES.join('/');
  const processes = layout.split('/');
  const stages = processes.flatMap((p) => p.split(','));
  if (stages.length !== STAGES.length || !STAGES.every((s) => stages.includes(s))) {
    throw new Error(`WEIR_PEERS_WEIR_PROCESSES: ${layout} must name each of ${STAGES.join(', ')} once (processes split by /, stages by ,)`);
  }
  return processes;
}

/** WEIR_PEERS_CPU_PROF=<dir>: each weir process writes a V8 CPU profile of its whole run there, `<run>-<its stages>.cpuprofile`, on exit. */
export const cpuProfileDir = (): string | undefined => process.env.WEIR_PEERS_CPU_PROF || undefined;

function cpuProfileArgs(name: string): string[] {
  const dir = cpuProfileDir();
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}.cpuprofile`] : [];
}

function commands(engine: Engine, spec: JobSpec, installed: Installed): Command[] {
  switch (engine) {
    case 'spark':
      return [
        {
          command: 'python3',
          args: [join(import.meta.dirname, 'spark_job.py'), spec.brokers, spec.input, spec.output, join(spec.stateDir, 'checkpoint'), String(CORES)],
          env: {
            PYTHONPATH: installed.spark.pythonPath,
            // The connector from Maven Central through Spark's own Ivy, cached between runs.
            PYSPARK_SUBMIT_ARGS: `--packages ${SPARK_KAFKA_PACKAGE} --conf spark.jars.ivy=${installed.spark.ivyDir} pyspark-shell`,
          },
        },
      ];
    case 'kafka-streams':
      return [
        {
          command: 'java',
          args: [
            '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
            '-cp',
            `${installed.kafkaStreams.classpath}/*`,
            'weir.peers.PeersJob',
            spec.brokers,
            spec.input,
            spec.output,
            `weir-peers-${spec.run}`,
            join(spec.stateDir, 'streams'),
            String(CORES),
          ],
        },
      ];
    case 'weir':
      return weirProcesses().map((stages) => ({
        command: process.execPath,
        args: [...cpuProfileArgs(`${spec.run}-${stages}`), '--import', 'tsx', join(import.meta.dirname, 'weir-job.ts'), spec.input, spec.run, stages],
        env: { KAFKA_BROKERS: spec.brokers, SCHEMA_REGISTRY_URL: spec.registry },
      }));
  }
}

interface Started {
  child: ChildProcess;
  ready: Promise<number>;
  exited: Promise<void>;
  /** Set before the bench stops it: an exit after that is no failure (the JVM exits 143 on SIGTERM). */
  stopping: boolean;
}

function start(command: Command, cpus: string, label: string, log: Log): Started {
  // Its own process group: Spark's JVM is a child of the Python driver, and stopping the job stops both.
  // Pinned by taskset: the affinity is inherited by every thread and child (the driver's JVM too).
  const child = spawn('taskset', ['--cpu-list', cpus, command.command, ...command.args], {
    cwd: repoRoot,
    env: { ...process.env, ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const logDir = process.env.WEIR_PEERS_LOG_DIR;
  if (logDir) {
    // Everything the process writes, for finding what an outlier was (weir's logs: WEIR_PEERS_LOG_LEVEL).
    mkdirSync(logDir, { recursive: true });
    const file = createWriteStream(join(logDir, `${label}-${Date.now()}.log`));
    child.stdout!.pipe(file, { end: false });
    child.stderr!.pipe(file, { end: false });
    child.once('exit', () => file.end());
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(READY_LINE)) resolve(Date.now());
    });
    child.once('exit', (code, signal) => reject(new Error(`WEIR_PEERS_ENGINE: ${label} exited (${code ?? signal}) before it was ready:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  const started: Started = { child, ready, exited, stopping: false };
  child.once('exit', (code, signal) => {
    if (!started.stopping) log(`${label} exited with ${code ?? signal} before it was stopped: ${stderr.split('\n').slice(-20).join('\n')}`);
  });
  return started;
}

async function stopGroup({ child, exited }: Started): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  // The JVM a Python driver started may outlive it by a moment; the group goes with it.
  kill('SIGKILL');
}

export function launch(engine: Engine, spec: JobSpec, installed: Installed, log: Log): RunningJob {
  mkdirSync(spec.stateDir, { recursive: true });
  const cpus = engineCpus();
  const processes = commands(engine, spec, installed).map((c, i) => start(c, cpus, `${engine}[${i}]`, log));
  return {
    ready: Promise.all(processes.map((p) => p.ready)).then((times) => Math.max(...times)),
    stop: async () => {
      for (const p of processes) p.stopping = true;
      await Promise.all(processes.map(stopGroup));
    },
  };
}
