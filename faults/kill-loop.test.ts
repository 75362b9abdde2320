/**
 * kill -9 loops: while traffic flows, each stage (sessionize, window, score) in turn is killed
 * with SIGKILL and started again, several times, under at-least-once and under exactly-once; the
 * final scores equal the offline pipeline's (and so an uninterrupted run's). Runs on the shared
 * servers: no server is stopped. CI kills each stage twice; `pnpm chaos` ten times.
 */
import { after, test } from 'node:test';
import type { Bus } from '@weir/stream';
import { STAGES, kafkaBus, requireServers, waitForProgress, type PipelineRun } from '@weir/testing';
import { LONG, faultRun, postingRounds, progress, recordsIn, report, type FaultRun } from './scenario.js';

const KILLS = LONG ? 10 : 1;
/** How long neither the restarted stage nor the pipeline may move before the wait fails as stuck. */
const STALL_MS = 120_000;

/** Records every service has taken in, summed: moves while any of them works. */
async function pipelineRecordsIn(pipeline: PipelineRun): Promise<number> {
  const counts = await Promise.all([...pipeline.services.values()].map((s) => recordsIn(s)));
  return counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
}
/** About how long one kill and restart (a new member joining, the state restored) takes on a busy machine, to spread the traffic over the loop. */
const RESTART_MS = 30_000;
/**
 * Longest pause between posting rounds: well under sessionize's idle close (20 s below), which
 * the offline pipeline does not have. Ten kills per stage in rounds of 250 lines paused 56 s, so
 * every partition closed its sessions idle between rounds: with no kill at all, 21 lines ended in
 * no final session and the scores could not equal the offline ones.
 */
const MAX_PAUSE_MS = 5_000;

/** Lines per customer a round: small enough that the rounds spread over `spreadMs` pause at most MAX_PAUSE_MS. */
function postingChunk(lines: Map<string, string[]>, spreadMs: number): number {
  const longest = Math.max(...[...lines.values()].map((l) => l.length));
  return Math.min(250, Math.max(1, Math.floor(longest / Math.ceil(spreadMs / MAX_PAUSE_MS))));
}

let bus: Bus | undefined;
const runs: FaultRun[] = [];

after(async () => {
  for (const run of runs) await run.pipeline.stop().catch(() => undefined);
  await bus?.close();
});

for (const delivery of ['at-least-once', 'exactly-once'] as const) {
  test(`${delivery}: each stage killed ${KILLS} times under load, the final scores unchanged`, { timeout: LONG ? 3_600_000 : 600_000 }, async () => {
    requireServers();
    const started = Date.now();
    const name = `kill-loop ${delivery}`;
    bus ??= await kafkaBus();
    const run = await faultRun(bus, delivery === 'exactly-once' ? 'killeos' : 'killalo', { delivery, sessionizeIdle: '20s', windowIdle: '30s' });
    runs.push(run);
    const { pipeline } = run;
    await pipeline.startStages();
    const restarts: number[] = [];
    const spreadMs = KILLS * STAGES.length * RESTART_MS;
    const chunk = postingChunk(run.lines, spreadMs);
    const pauseMs = Math.round(spreadMs / postingRounds(run.lines, chunk));
    const accepted = await run.postAll({
      chunk,
      pauseMs,
      at: {
        fraction: 0.1,
        run: async () => {
          for (let round = 1; round <= KILLS; round++) {
            for (const stage of STAGES) {
              const victim = pipeline.services.get(stage)!;
              // Killed while working: once it has taken in records since it started.
              // As long as it starts (logs) or the pipeline moves: a saturated machine took over
              // 120 s to bring a restarted stage to its first record, which is slow, not stuck.
              await waitForProgress(
                `${stage} to take in records`,
                async () => ((await recordsIn(victim)) ?? 0) > 0,
                async () => `${victim.output().length} bytes logged, ${await pipelineRecordsIn(pipeline)} records in`,
                STALL_MS,
              );
              victim.child.kill('SIGKILL');
              await victim.exited;
              const killed = Date.now();
              // Back when it has joined its group and restored its partitions' state ("stage started").
              await pipeline.restart(stage);
              restarts.push((Date.now() - killed) / 1000);
              progress(name, `kill ${round}/${KILLS} of ${stage}: started again ${restarts.at(-1)!.toFixed(1)} s after the kill`);
            }
          }
        },
      },
    });
    const { sessions, largest } = await run.verify(accepted);
    // Stopped now, not after the file: an idle pipeline left running (four services polling the
    // broker) loaded the saturated machine through the next test.
    runs.splice(runs.indexOf(run), 1);
    await pipeline.stop();
    const worst = Math.max(...restarts);
    const mean = restarts.reduce((a, b) => a + b, 0) / restarts.length;
    report({ fault: `kill -9 x${KILLS} per stage (${delivery})`, recovery: `restarted in mean ${mean.toFixed(1)}s, worst ${worst.toFixed(1)}s`, sessions, largestDiff: largest, seconds: Math.round((Date.now() - started) / 1000) });
  });
}
