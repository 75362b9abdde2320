/**
 * The broker stopped mid-stream and started again (on its data, as an operator's restart or a
 * node reboot does), on a private Kafka: ingest answers "later" meanwhile and the client retries;
 * every stage (ingest, sessionize, window, score) takes in records again by itself within 30 s of
 * the broker's return; no final score is lost or changed against the offline pipeline. CI: down
 * 15 s; `pnpm chaos`: 60 s.
 * It once saw sessionize call its events "too late to place": kafkajs fetches a partition it keeps
 * again from the committed offset after a rejoin, and commits fail while the broker is away; the
 * runner now never applies a record below what a partition's task holds (runner contract test
 * "records delivered again ... not applied twice").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STAGES } from '@weir/testing';
import { privateFault } from './private-fault.js';
import { LONG, counters, deadLetters, progress, recoveryTimes, report } from './scenario.js';

const DOWN_MS = LONG ? 60_000 : 15_000;
const NAME = 'broker-restart';

const startFault = privateFault();

test(`broker stopped for ${DOWN_MS / 1000} s mid-stream and started again: every stage recovers by itself within 30 s, no final score lost or changed`, { timeout: 900_000 }, async () => {
  // Idle closes longer than the client's retry pauses, shorter than the test.
  const { servers, bus, run, pipeline, started } = await startFault({ name: NAME, basePort: 21000, servers: ['kafka'], kind: 'broker', sessionizeIdle: '10s', windowIdle: '20s' });
  const names = ['ingest', ...STAGES];
  let recovery = new Map<string, number>();
  let outage = 0;
  const accepted = await run.postAll({
    at: {
      fraction: 0.4,
      run: async () => {
        progress(NAME, `stopping Kafka for ${DOWN_MS / 1000} s`);
        await servers.stop('kafka');
        const stopped = Date.now();
        await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
        // Counted as the broker starts, not as it stopped: what a stage fetched before the outage
        // and took in during it is no sign of recovery.
        const before = await counters(pipeline, names);
        await servers.start('kafka');
        const back = Date.now();
        outage = (back - stopped) / 1000;
        progress(NAME, `Kafka answers again after ${outage.toFixed(0)} s down`);
        recovery = await recoveryTimes(pipeline, names, back, before, 30_000);
        progress(NAME, `recovered: ${[...recovery].map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}`);
      },
    },
  });
  const { sessions, largest } = await run.verify(accepted);
  const dead = await deadLetters(bus, pipeline);
  assert.deepEqual(Object.values(dead).filter((n) => n > 0), [], `nothing dead-lettered: ${JSON.stringify(dead)}`);
  for (const service of pipeline.services.values()) assert.equal(service.child.exitCode, null, `${service.name} is still running (recovered by itself)`);
  report({ fault: `broker stopped, restarted after ${DOWN_MS / 1000} s (down ${outage.toFixed(0)} s)`, recovery: [...recovery].map(([n, s]) => `${n} ${s.toFixed(1)}s`).join(', '), sessions, largestDiff: largest, seconds: Math.round((Date.now() - started) / 1000) });
});
