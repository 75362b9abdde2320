/**
 * What the tests on the real broker share: services as child processes (as they are deployed),
 * simulated request events, producing them, and reading a topic back as it fills. Shared by every
 * package's tests through @weir/testing (a dev-only workspace package): no test reaches into
 * another package's test directory.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSerde, isSessionProgress, isTransient, logsTopic, type RequestEvent } from '@weir/contracts';
import { ipUaKey } from '@weir/features';
import { parserFor } from '@weir/logs';
import { simulateTraffic, type SimulatedSession } from '@weir/simulator';
import { createBusFromEnv, isStreamError, retryUntil, type Bus, type BusConsumer, type IsolationLevel, type Serde } from '@weir/stream';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

/** The real servers `pnpm test` provides; a test that needs them FAILS without them, never skips. */
export function requireServers(...extra: string[]): void {
  for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', ...extra]) {
    assert.ok(process.env[name], `${name} is not set: this test needs the real servers (run it with 'pnpm test')`);
  }
}

/**
 * Waits until `check` passes for as long as `progress` keeps changing, and fails once it has stood
 * still for `stallMs`: on a saturated machine work is only slow, and a wall-clock limit would
 * fail it, while a stall (nothing moving) is the bug worth failing for. The test's own timeout
 * stays the bound for progress that never ends.
 */
export async function waitForProgress<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  progress: () => Promise<string | number> | string | number,
  stallMs: number,
): Promise<T> {
  let last = await progress();
  let since = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    const now = await progress();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new Error(`no progress for ${stallMs} ms waiting for ${what} (progress stuck at ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** CPU time (clock ticks) a process has used, from /proc; 0 where there is none. */
export function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** A bus on the servers of the environment, or on `servers` (KAFKA_BROKERS, ... of private ones). */
export async function kafkaBus(servers: Record<string, string> = {}): Promise<Bus> {
  return createBusFromEnv(undefined, { ...process.env, ...servers, WEIR_BUS: 'kafka' });
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it wrote (JSON log lines), stdout and stderr together. */
  output(): string;
  /** The URL its HTTP server listens on, once it does (ingest: its API). */
  url(): Promise<string>;
  /** Where /healthz, /readyz and /metrics answer: ingest's admin port, the one server of the others. */
  adminUrl(): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once its stdout and stderr have closed too: `output()` then holds its last words. */
  closed: Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Every service process still running, killed when the test process exits: a test that failed or
 * timed out mid-start (its cleanup never saw the service) must not leave it running on the machine.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `services/<name>/src/main.ts` as a child process, HTTP on free ports, logging at info. */
export function startService(name: string, env: Record<string, string>): ServiceProcess {
  // Ingest's admin port (/readyz, /metrics) is free too: tests run side by side.
  const freePorts = name === 'ingest' ? { PORT: '0', WEIR_ADMIN_PORT: '0' } : { PORT: '0' };
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    cwd: REPO_ROOT,
    env: { ...process.env, WEIR_BUS: 'kafka', ...freePorts, WEIR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  // WEIR_TEST_SERVICE_LOGS=<dir>: each service's whole log also goes to <dir>/<name>-<pid>.log, for
  // a failure whose cause is older than the last lines a test prints.
  const logDir = process.env.WEIR_TEST_SERVICE_LOGS;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const logFile = logDir ? join(logDir, `${name}-${child.pid}.log`) : null;
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  // As long as it starts (logs or uses CPU: loading its modules on a saturated machine is slow).
  const listening = (message: string) =>
    waitForProgress(
      `${name} to listen`,
      () => {
        const line = output.split('\n').find((l) => l.includes(message));
        if (line) return (JSON.parse(line) as { url: string }).url.replace('0.0.0.0', '127.0.0.1');
        if (exitedYet) throw new Error(`${name} exited before listening:\n${output.slice(-4000)}`);
        return undefined;
      },
      () => `${output.length} bytes logged, ${cpuTicks(child.pid)} CPU ticks`,
      60_000,
    );
  return {
    name,
    child,
    output: () => output,
    exited,
    closed,
    url: () => listening('"msg":"listening"'),
    adminUrl: () => listening(name === 'ingest' ? '"msg":"admin listening' : '"msg":"listening"'),
    async stop(graceMs = 20_000) {
      if (exitedYet) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Sends SIGTERM and waits for the exit (code, signal); throws if it has not exited within `timeoutMs`. */
export async function terminate(service: ServiceProcess, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  service.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${service.name} still running ${timeoutMs} ms after SIGTERM:\n${service.output().slice(-3000)}`)), timeoutMs);
  });
  try {
    return await Promise.race([service.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until the service has joined its group and started its stage ("stage started" in its
 * log, from the stage named as the service: the score service starts its Elasticsearch sink
 * stage first, and that one's line once passed for a score stage that never started), for as
 * long as it makes progress (writes its log or uses CPU: loading its modules on a saturated
 * machine can take minutes); fails once it has done neither for `stallMs`, or exited.
 */
export async function stageStarted(service: ServiceProcess, stallMs = 60_000): Promise<void> {
  const started = new RegExp(`"stage":"${service.name}",[^\\n]*"msg":"stage started"`);
  await waitForProgress(
    `${service.name}'s stage to start`,
    () => {
      if (started.test(service.output())) return true;
      if (service.child.exitCode !== null || service.child.signalCode !== null) throw new Error(`${service.name} exited before its stage started:\n${service.output().slice(-4000)}`);
      return undefined;
    },
    () => `${service.output().length} bytes logged, ${cpuTicks(service.child.pid)} CPU ticks`,
    stallMs,
  );
}

export interface SimulatedEvents {
  /** In time order, across customers. */
  events: RequestEvent[];
  /** Ground truth by `customer|clientIp|userAgent`. */
  sessions: Map<string, SimulatedSession>;
  /** The raw log lines per customer, for posting to ingest. */
  lines: Map<string, string[]>;
}

/**
 * Simulated traffic for `customers` (our own unique names, standing in for the simulator's), each
 * line parsed by the log library as ingest parses it.
 */
export function simulatedEvents(customers: string[], options: { durationMs: number; ratePerMinute: number; seed: string }): SimulatedEvents {
  const names = new Map<string, string>();
  const parsers = new Map(customers.map((c) => [c, parserFor('combined', { customer: c })]));
  const events: RequestEvent[] = [];
  const sessions = new Map<string, SimulatedSession>();
  const lines = new Map<string, string[]>(customers.map((c) => [c, []]));
  for (const line of simulateTraffic({ customers: customers.length, ...options })) {
    if (!names.has(line.customer)) names.set(line.customer, customers[names.size]!);
    const customer = names.get(line.customer)!;
    const ours = lines.get(customer)!;
    ours.push(line.line);
    const parsed = parsers.get(customer)!.parseLine(line.line, ours.length);
    assert.ok(parsed?.ok, `simulated line parses: ${line.line}`);
    events.push(parsed.event);
    sessions.set(`${customer}|${line.sessionRef.clientIp}|${line.sessionRef.userAgent ?? ''}`, line.sessionRef);
  }
  return { events, sessions, lines };
}

/** Produces events to their `weir.logs.<customer>` topics keyed by session (as ingest does), creating the topics. */
export async function produceEvents(bus: Bus, events: readonly RequestEvent[], partitions = 3): Promise<void> {
  const topics = [...new Set(events.map((e) => logsTopic(e.customer)))];
  await bus.admin.createTopics(topics.map((topic) => ({ topic, partitions })));
  const serde = createSerde<RequestEvent>();
  const producer = await bus.producer();
  try {
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500);
      const messages = await Promise.all(
        chunk.map(async (event) => ({ topic: logsTopic(event.customer), key: ipUaKey(event), value: await serde.encode(logsTopic(event.customer), event) })),
      );
      // A broker moving a new topic's leaders on a busy machine answers "not the leader" for a
      // while: that is an outage to wait out, as the stages do, not a failed test.
      await retryUntil(() => producer.send(messages), { policy: { initialMs: 200, maxMs: 2_000 }, retryable: isTransient, maxAttempts: 30 });
    }
  } finally {
    await producer.close();
  }
}

export interface TopicTail<T> {
  /** Every record read so far, in the order read. */
  readonly records: T[];
  /** Where each of `records` was read from, `partition:offset`, same order. */
  readonly positions: string[];
  stop(): Promise<void>;
}

/**
 * Reads a topic from its start as it fills, with a throwaway consumer group. A consumer that fails
 * for good (its onFailure: the test's bus logs nothing, so a tail that died went unnoticed and a
 * test waited on a stage that was working) is replaced by a new one, which reads from the start
 * again; the failure is printed.
 */
export async function tailTopic<T>(bus: Bus, topic: string, serde: Serde<T>, isolation: IsolationLevel = 'read_uncommitted'): Promise<TopicTail<T>> {
  const records: T[] = [];
  const positions: string[] = [];
  // The tail commits nothing, so a rejoin of its group (a busy machine misses a heartbeat) or a
  // new consumer delivers from the start again: a record is its partition and offset, kept once.
  const seen = new Set<string>();
  const failed = new Map<BusConsumer, Error>();
  let stopped = false;
  let current: BusConsumer | undefined;
  let replacing: Promise<void> | null = null;

  /** A consumer reading the topic; one that fails before it is running is stopped, and the start rejects. */
  const startOne = async (): Promise<BusConsumer> => {
    const consumer: BusConsumer = bus.consumer({
      groupId: `test-tail-${topic}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      startFrom: 'earliest',
      isolation,
      onFailure: (error) => {
        failed.set(consumer, error);
        if (consumer === current) replace(consumer);
      },
    });
    try {
      await consumer.subscribe([topic]);
      await consumer.run(async (batch) => {
        for (const message of batch.messages) {
          const position = `${batch.partition}:${message.offset}`;
          if (message.value === null || seen.has(position)) continue;
          seen.add(position);
          // The sessionize stage's progress records on weir.sessions are for the window stage, not sessions.
          if (isSessionProgress(message.headers)) continue;
          try {
            records.push(await serde.decode(batch.topic, message.value));
          } catch (err) {
            seen.delete(position); // delivered again, it is read again
            throw err;
          }
          positions.push(position);
        }
      });
      const failure = failed.get(consumer);
      if (failure) throw failure;
      return consumer;
    } catch (err) {
      await consumer.stop().catch(() => undefined);
      throw err;
    }
  };

  /** Makes `next` the tail's consumer, unless the tail stopped or it failed meanwhile. */
  const adopt = async (next: BusConsumer): Promise<boolean> => {
    if (stopped || failed.has(next)) {
      await next.stop().catch(() => undefined);
      return stopped;
    }
    current = next;
    return true;
  };

  const replace = (consumer: BusConsumer): void => {
    if (stopped || replacing) return;
    replacing = (async () => {
      console.error(`tail of ${topic}: its consumer failed (${failed.get(consumer)?.message}); reading on with a new one`);
      current = undefined;
      await consumer.stop().catch(() => undefined);
      while (!stopped) {
        try {
          if (await adopt(await startOne())) return;
        } catch (err) {
          if (isStreamError(err, 'WEIR_BUS_CLOSED')) return;
          console.error(`tail of ${topic}: a new consumer did not start (${(err as Error).message}); trying again`);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })().finally(() => (replacing = null));
  };

  const first = await startOne();
  if (!(await adopt(first))) replace(first);
  return {
    records,
    positions,
    stop: async () => {
      stopped = true;
      await replacing;
      await current?.stop();
    },
  };
}

/** Deletes what a test created; a failure here must not hide the test's own outcome. */
export async function deleteTopics(bus: Bus, topics: string[]): Promise<void> {
  const existing = new Set(await bus.admin.listTopics());
  await bus.admin.deleteTopics(topics.filter((t) => existing.has(t))).catch(() => undefined);
}
