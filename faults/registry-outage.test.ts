/**
 * The schema registry down mid-stream, on a private registry: frozen (SIGSTOP: it accepts
 * connections and answers nothing, as a hung or partitioned server does) while traffic flows, and
 * sessionize killed and started again during the outage, so that it starts with no schema cached
 * and must wait for the registry. Nothing is dead-lettered, every stage resumes, and every final
 * score equals the offline pipeline's. CI: 20 s; `pnpm chaos`: 60 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STAGES } from '@weir/testing';
import { privateFault } from './private-fault.js';
import { LONG, counters, deadLetters, progress, recoveryTimes, report } from './scenario.js';

const DOWN_MS = LONG ? 60_000 : 20_000;
const NAME = 'registry-outage';

const startFault = privateFault();

test(`schema registry down ${DOWN_MS / 1000} s mid-stream, sessionize restarted meanwhile: nothing dead-lettered, the stages resume`, { timeout: 900_000 }, async () => {
  // The window stage's idle close must outlast sessionize's downtime (outage + restart): its input
  // is quiet then, and an idle close would close windows that sessions are still to reach.
  const { servers, bus, run, pipeline, started } = await startFault({
    name: NAME,
    basePort: 21600,
    servers: ['registry'],
    kind: 'regdown',
    sessionizeIdle: '10s',
    windowIdle: LONG ? '150s' : '60s',
    // The test's own readers decode through the same (private) registry as the services.
    onServers: (ours) => void (process.env.SCHEMA_REGISTRY_URL = ours.env.SCHEMA_REGISTRY_URL),
  });
  // Ingest has its schema cached before the outage and never waits; the stages are what must resume.
  const names = STAGES;
  let recovery = new Map<string, number>();
  const accepted = await run.postAll({
    // Traffic that outlasts the outage, so that there is input to resume on.
    pauseMs: LONG ? 2500 : 1000,
    at: {
      fraction: 0.3,
      run: async () => {
        progress(NAME, `freezing the registry for ${DOWN_MS / 1000} s`);
        servers.freeze('registry', true);
        const frozen = Date.now();
        const sessionize = pipeline.services.get('sessionize')!;
        sessionize.child.kill('SIGKILL');
        await sessionize.exited;
        const restarting = pipeline.restart('sessionize');
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, DOWN_MS - (Date.now() - frozen))));
        const before = await counters(pipeline, names);
        servers.freeze('registry', false);
        const back = Date.now();
        progress(NAME, 'the registry answers again');
        await restarting;
        recovery = await recoveryTimes(pipeline, names, back, before, 60_000);
        progress(NAME, `resumed: ${[...recovery].map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}`);
      },
    },
  });
  const { sessions, largest } = await run.verify(accepted);
  const dead = await deadLetters(bus, pipeline);
  assert.deepEqual(Object.values(dead).filter((n) => n > 0), [], `nothing dead-lettered: ${JSON.stringify(dead)}`);
  report({ fault: `registry frozen ${DOWN_MS / 1000} s, sessionize restarted`, recovery: [...recovery].map(([n, s]) => `${n} ${s.toFixed(1)}s`).join(', '), sessions, largestDiff: largest, seconds: Math.round((Date.now() - started) / 1000) });
});
