/**
 * The setup of a fault test on private servers: the servers it stops or freezes, the test's bus
 * (on them when the broker is one), and the whole pipeline on them with its stages started. The
 * test file's after() hook stops all of it, also after a failure: a server the failure left
 * frozen is thawed first, so that the services' stop does not wait on it.
 */
import { after } from 'node:test';
import type { Bus } from '@weir/stream';
import { kafkaBus, requireServers, type PipelineRun } from '@weir/testing';
import { startPrivateServers, type PrivateServers, type ServerName } from './private-servers.js';
import { faultRun, progress, tearDown, type FaultRun } from './scenario.js';

export interface PrivateFaultSetup {
  /** The test's name: its progress lines' tag and its servers' state directory. */
  name: string;
  /** The first port its servers try. */
  basePort: number;
  servers: ServerName[];
  /** The run's kind: its topics, groups and simulated traffic. */
  kind: string;
  sessionizeIdle: string;
  windowIdle: string;
  /** Runs once the servers answer, before the test's bus connects. */
  onServers?: (servers: PrivateServers) => void;
}

export interface PrivateFault {
  servers: PrivateServers;
  bus: Bus;
  run: FaultRun;
  pipeline: PipelineRun;
  /** When the test began (Date.now()), for its report. */
  started: number;
}

/** Call at the top of a test file (it registers the after() hook); the function it returns starts the fault's setup. */
export function privateFault(): (setup: PrivateFaultSetup) => Promise<PrivateFault> {
  const held: { servers: PrivateServers | undefined; bus: Bus | undefined; run: FaultRun | undefined } = { servers: undefined, bus: undefined, run: undefined };
  let ours: ServerName[] = [];
  after(async () => {
    for (const server of ours) thaw(held.servers, server);
    await tearDown(held);
  });
  return async ({ name, basePort, servers, kind, sessionizeIdle, windowIdle, onServers }) => {
    requireServers();
    const started = Date.now();
    const privateServers = (held.servers = await startPrivateServers(name, basePort, servers, (line) => progress(name, line)));
    ours = servers;
    onServers?.(privateServers);
    const bus = (held.bus = await kafkaBus(privateServers.env));
    // The product's default session timeout, not the harness's 30 s: a kafkajs consumer that
    // crashed on the outage rejoins as a new member and waits for its old member to expire, and
    // these tests hold every stage to taking in records again within 30 s of the server's return.
    const stageEnv = { KAFKA_SESSION_TIMEOUT: '10s' };
    const run = (held.run = await faultRun(bus, kind, { servers: privateServers.env, sessionizeIdle, windowIdle, stageEnv }));
    await run.pipeline.startStages();
    return { servers: privateServers, bus, run, pipeline: run.pipeline, started };
  };
}

/** A frozen server goes on; one that is stopped (the fault stops it) stays stopped. */
function thaw(servers: PrivateServers | undefined, name: ServerName): void {
  try {
    servers?.freeze(name, false);
  } catch {
    // Not running: nothing to thaw.
  }
}
