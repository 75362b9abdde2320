/**
 * A stage told to stop before it has started (SIGTERM while a service is still connecting, or
 * Ctrl-C while `weir start` loads its model) returns instead of running on. It used to run for
 * ever: the stop came as an already-aborted signal, and the stage wiring only listened for the
 * 'abort' event, which an aborted signal never fires again. A service process then answered
 * /readyz with "draining" and never exited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmbeddedBus } from '@weir/stream';
import { BaselineScorer, runScore, runSessionize, runWindow, type StageRunOptions } from '../src/index.js';

const STAGES: Record<string, (options: StageRunOptions) => Promise<void>> = {
  sessionize: runSessionize,
  window: runWindow,
  score: (options) => runScore({ ...options, stage: { scorer: () => new BaselineScorer(), thresholds: () => ({ suspicious: 0.5, bot: 0.8 }) } }),
};

for (const [name, run] of Object.entries(STAGES)) {
  // The timeout is what makes a stage that runs on fail here rather than hang the suite.
  test(`${name}: a stop that came before the start ends the run`, { timeout: 60_000 }, async () => {
    const bus = createEmbeddedBus();
    const abort = new AbortController();
    abort.abort(new Error('stopped before the start'));
    try {
      let ended = false;
      await run({ bus, registry: {}, signal: abort.signal, handleSignals: false, partitions: 2, namespace: `early-${name}` }).finally(() => (ended = true));
      assert.equal(ended, true);
    } finally {
      await bus.close();
    }
  });
}
