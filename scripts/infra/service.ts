/**
 * What every server has in common: reuse it when it already answers, otherwise install (cached),
 * start detached, and wait until it answers; stop it; say what state it is in.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, type InfraConfig } from './config.js';
import { infraError } from './errors.js';
import { tail } from './exec.js';
import { runningFrom, spawnDetached, stopFrom, isOurs } from './process.js';
import { tcpOpen, waitUntilReady, type Readiness } from './probe.js';
import { seconds, type Log } from './progress.js';

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface ServiceContext {
  config: InfraConfig;
  log: Log;
}

export interface Service {
  /** Directory and file name stem: `kafka`, `registry`, `elasticsearch`. */
  name: string;
  title: string;
  port: number;
  /** Ports the server also binds, with the variable that moves them, for a clear "busy" error. */
  otherPorts: { port: number; movedBy: string }[];
  movedBy: string;
  /** How long a start may go without answering and without writing to its log before it counts as stuck. */
  startStallMs: number;
  /** The variables that point clients at this server. */
  env: Record<string, string>;
  readiness: Readiness;
  /** Downloads and builds into the cache what is missing; fast when everything is there. */
  install(ctx: ServiceContext): Promise<void>;
  /** Lays out a fresh state directory (`dir`) and says how to start the server in it. */
  prepare(ctx: ServiceContext, dir: string, marker: string): Promise<Launch>;
}

export type ServiceState =
  | { kind: 'ours'; pid: number }
  | { kind: 'foreign' }
  | { kind: 'stopped' };

const GRACE_MS = 20_000;

export function paths(config: InfraConfig, service: Service) {
  return {
    dir: join(config.stateDir, service.name),
    pidFile: join(config.stateDir, `${service.name}.pid`),
    logFile: join(config.stateDir, 'logs', `${service.name}.log`),
    previousLog: join(config.stateDir, 'logs', `${service.name}.previous.log`),
  };
}

function markerFor(config: InfraConfig, service: Service): string {
  return `-Dweir.infra=${service.name}@${config.stateDir}`;
}

function logTail(logFile: string): string {
  return existsSync(logFile) ? tail(readFileSync(logFile, 'utf8')) : '(no log written)';
}

export async function inspect(config: InfraConfig, service: Service): Promise<ServiceState> {
  const running = runningFrom(paths(config, service).pidFile);
  if (running) return { kind: 'ours', pid: running.pid };
  return (await tcpOpen(HOST, service.port)) ? { kind: 'foreign' } : { kind: 'stopped' };
}

/** Resolves once our process answers; rejects with the log's tail when it dies or times out. */
async function awaitReady(ctx: ServiceContext, service: Service, pid: number, since: number, how: string): Promise<void> {
  const { pidFile, logFile } = paths(ctx.config, service);
  const record = runningFrom(pidFile);
  const result = await waitUntilReady(service.readiness, {
    stallMs: service.startStallMs,
    alive: () => record !== undefined && isOurs(record),
    // A server busy starting logs as it goes (Kafka: its logs loaded, the quorum, the broker's
    // registration): what it wrote is its progress.
    progress: () => (existsSync(logFile) ? statSync(logFile).size : 0),
  });
  if (result.ready) {
    ctx.log(`${service.title}: ${how} on ${HOST}:${service.port} (pid ${pid}, ${seconds(since)})`);
    return;
  }
  const what = result.died ? 'exited before it answered' : `neither answered nor wrote to its log for ${service.startStallMs / 1000}s`;
  throw infraError(
    'WEIR_INFRA_START',
    `${service.title} (pid ${pid}) ${what}: ${result.reason}\nlast lines of ${logFile}:\n${logTail(logFile)}`,
  );
}

/** Makes the server answer; returns what it found. Call `service.install` first when it may start one. */
export async function ensureRunning(ctx: ServiceContext, service: Service): Promise<ServiceState['kind']> {
  const state = await inspect(ctx.config, service);
  if (state.kind === 'ours') {
    // Usually answers at once; may still be booting if an earlier `up` was interrupted.
    await awaitReady(ctx, service, state.pid, Date.now(), 'already running');
    return 'ours';
  }
  if (state.kind === 'foreign') {
    const why = await service.readiness().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (why !== undefined) {
      throw infraError(
        'WEIR_INFRA_PORT_BUSY',
        `port ${service.port} is taken by something that is not a working ${service.title} (${why}); ` +
          `free it or choose another port with ${service.movedBy}`,
      );
    }
    ctx.log(`${service.title}: using the server already answering on ${HOST}:${service.port} (not started by this checkout)`);
    return 'foreign';
  }
  for (const other of service.otherPorts) {
    if (await tcpOpen(HOST, other.port)) {
      throw infraError(
        'WEIR_INFRA_PORT_BUSY',
        `${service.title} also needs port ${other.port}, which is taken; choose other ports with ${other.movedBy}`,
      );
    }
  }
  await start(ctx, service);
  return 'stopped';
}

async function start(ctx: ServiceContext, service: Service): Promise<void> {
  const { dir, pidFile, logFile, previousLog } = paths(ctx.config, service);
  const since = Date.now();
  // Every start is a fresh one: the registry keeps its schemas in memory, so Kafka records and
  // indices from an earlier run would refer to schema ids that no longer exist.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(ctx.config.stateDir, 'logs'), { recursive: true });
  // Keep one previous log: it explains a crash that happened since the last start.
  if (existsSync(logFile)) renameSync(logFile, previousLog);
  const marker = markerFor(ctx.config, service);
  const launch = await service.prepare(ctx, dir, marker);
  // Kept for `restartKeepingState`: the same command on the same data.
  writeFileSync(join(dir, LAUNCH_FILE), JSON.stringify(launch));
  ctx.log(`${service.title}: starting on ${HOST}:${service.port} (log: ${logFile})`);
  const record = spawnDetached({ ...launch, cwd: dir, logFile, pidFile, marker });
  await awaitReady(ctx, service, record.pid, since, 'answers');
}

const LAUNCH_FILE = 'launch.json';

/**
 * Starts a stopped server again on the data of its last start (a broker restart, as opposed to
 * the fresh start `ensureRunning` makes). Fault tests use it on their private servers.
 */
export async function restartKeepingState(ctx: ServiceContext, service: Service): Promise<void> {
  const { dir, pidFile, logFile } = paths(ctx.config, service);
  const launchFile = join(dir, LAUNCH_FILE);
  if (!existsSync(launchFile)) throw infraError('WEIR_INFRA_START', `${service.title} was never started from ${ctx.config.stateDir}: nothing to restart`);
  if (runningFrom(pidFile)) throw infraError('WEIR_INFRA_START', `${service.title} is still running: stop it first`);
  const launch = JSON.parse(readFileSync(launchFile, 'utf8')) as Launch;
  const since = Date.now();
  const record = spawnDetached({ ...launch, cwd: dir, logFile, pidFile, marker: markerFor(ctx.config, service) });
  await awaitReady(ctx, service, record.pid, since, 'restarted');
}

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) our running server: it keeps its sockets and memory but
 * answers nothing, as a hung or partitioned server does. False when it is not ours or not running.
 */
export function freeze(ctx: ServiceContext, service: Service, frozen: boolean): boolean {
  const record = runningFrom(paths(ctx.config, service).pidFile);
  if (!record) return false;
  process.kill(-record.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  return true;
}

/** Stops our server if it runs; true when one was stopped. */
export async function stop(ctx: ServiceContext, service: Service): Promise<boolean> {
  return stopFrom(paths(ctx.config, service).pidFile, GRACE_MS);
}
