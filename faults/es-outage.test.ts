/**
 * Elasticsearch down mid-stream (stopped, then started again on its data), on a private node:
 * scores keep flowing to Kafka meanwhile, the score service's sink waits instead of dead-lettering,
 * Elasticsearch catches up, and every score document arrives once: one document per session and
 * slot, holding the session's final score. CI: 20 s down; `pnpm chaos`: 2 minutes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { esFinalScores, finalScores, waitFor } from '@weir/testing';
import { privateFault } from './private-fault.js';
import { LONG, deadLetters, progress, report } from './scenario.js';

const DOWN_MS = LONG ? 120_000 : 20_000;
const NAME = 'es-outage';

const startFault = privateFault();

/** Documents of the run's index, by id (session id, `:shadow` for a shadow score). */
async function documentCount(es: string, index: string): Promise<number> {
  await fetch(`${es}/${index}/_refresh`, { method: 'POST' });
  const response = await fetch(`${es}/${index}/_count`);
  return response.ok ? ((await response.json()) as { count: number }).count : -1;
}

test(`Elasticsearch down ${DOWN_MS / 1000} s mid-stream: scores keep flowing to Kafka, ES catches up, every document arrives once`, { timeout: 900_000 }, async () => {
  // The test's bus is on the shared broker: the private servers are Elasticsearch alone.
  const { servers, bus, run, pipeline, started } = await startFault({ name: NAME, basePort: 21400, servers: ['elasticsearch'], kind: 'esdown', sessionizeIdle: '10s', windowIdle: '20s' });
  const es = servers.env.ELASTICSEARCH_URL!;
  let flowedWhileDown = 0;
  let caughtUp = 0;
  const accepted = await run.postAll({
    at: {
      fraction: 0.3,
      run: async () => {
        progress(NAME, `stopping Elasticsearch for ${DOWN_MS / 1000} s`);
        await servers.stop('elasticsearch');
        const scoresAtStop = pipeline.scores.records.length;
        await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
        flowedWhileDown = pipeline.scores.records.length - scoresAtStop;
        await servers.start('elasticsearch');
        progress(NAME, `Elasticsearch answers again; ${flowedWhileDown} scores reached Kafka while it was down`);
      },
    },
  });
  assert.ok(flowedWhileDown > 0, 'scores kept flowing to Kafka while Elasticsearch was down');
  const back = Date.now();
  const { sessions, largest } = await run.verify(accepted);
  const scores = finalScores(pipeline);
  // Every final score in ES, as in Kafka.
  await waitFor('every final score in Elasticsearch', async () => {
    const found = await esFinalScores(pipeline, es);
    return [...scores].every(([id, s]) => found.get(id)?.score === s.score) ? true : undefined;
  }, LONG ? 300_000 : 120_000);
  caughtUp = (Date.now() - back) / 1000;
  // Once: one document per session and slot, whatever was retried.
  const slots = new Set(pipeline.scores.records.map((s) => `${s.sessionId}:${s.shadow}`));
  assert.equal(await documentCount(es, pipeline.indexPrefix), slots.size, 'one document per session and slot');
  const dead = await deadLetters(bus, pipeline);
  assert.deepEqual(Object.values(dead).filter((n) => n > 0), [], `nothing dead-lettered: ${JSON.stringify(dead)}`);
  report({ fault: `Elasticsearch down ${DOWN_MS / 1000} s`, recovery: `${flowedWhileDown} scores to Kafka while down; ES complete ${caughtUp.toFixed(0)}s after the traffic settled`, sessions, largestDiff: largest, seconds: Math.round((Date.now() - started) / 1000) });
});
