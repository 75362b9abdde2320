/**
 * A stage reads some topics' partition counts once, at its start: the window stage those of
 * `weir.sessions` (every partition must report before a window is final) and of
 * `weir.window-partials` (each gets every progress record), every stateful stage its changelog's
 * (an input partition's checkpoints go to one changelog partition, found by that count), score
 * the partitions of `weir.windows` it follows. Partitions added to one of them later would be
 * left out (windows final too early, state restored from the wrong changelog partition, window
 * summaries never read), silently. So the counts are watched while the stage runs, and a change
 * stops it with WEIR_PARTITIONS_CHANGED, logged and counted: its restart reads the new counts.
 */
import { StreamError, type Bus, type Logger, type StageMetrics } from '@weir/stream';

export const DEFAULT_PARTITION_WATCH_MS = 30_000;

export interface PartitionChange {
  topic: string;
  from: number;
  to: number;
}

/** The partition counts of `topics` now; a topic that does not exist yet is left out. */
async function countsOf(bus: Bus, topics: readonly string[]): Promise<Map<string, number>> {
  const existing = new Set(await bus.admin.listTopics());
  const counts = new Map<string, number>();
  for (const topic of topics) if (existing.has(topic)) counts.set(topic, await bus.admin.partitionCount(topic));
  return counts;
}

/**
 * Runs `run` with a signal that also fires when a partition count of `topics` changes from the
 * one in `known` (or, for a topic not in it, from the first one seen), then throws
 * WEIR_PARTITIONS_CHANGED. A failed look-up (the broker away) is tried again at the next interval.
 */
export async function refusingPartitionChanges(
  options: { bus: Bus; signal: AbortSignal; logger: Logger; metrics: StageMetrics; intervalMs?: number },
  topics: readonly string[],
  known: ReadonlyMap<string, number>,
  run: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const counts = new Map(known);
  const stop = new AbortController();
  // any() rather than an 'abort' listener: a signal aborted already (SIGTERM during the start)
  // fires no event, and the stage would then run on after its process was told to stop.
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const found: { change: PartitionChange | null } = { change: null };
  const check = async () => {
    let now: Map<string, number>;
    try {
      now = await countsOf(options.bus, topics);
    } catch (err) {
      options.logger.debug({ err }, 'partition counts not read; tried again later');
      return;
    }
    for (const [topic, to] of now) {
      const from = counts.get(topic);
      if (from === undefined) counts.set(topic, to);
      else if (to !== from && found.change === null) {
        const change = { topic, from, to };
        found.change = change;
        options.metrics.partitionsChanged(topic, from, to);
        options.logger.error({ code: 'WEIR_PARTITIONS_CHANGED', ...change }, `${message(change)}: stopping`);
        stop.abort();
      }
    }
  };
  let checking: Promise<void> = check();
  const timer = setInterval(() => (checking = checking.then(check)), options.intervalMs ?? DEFAULT_PARTITION_WATCH_MS);
  try {
    await run(signal);
  } finally {
    clearInterval(timer);
    await checking;
  }
  if (found.change) throw new StreamError('WEIR_PARTITIONS_CHANGED', message(found.change));
}

function message({ topic, from, to }: PartitionChange): string {
  return `${topic} has ${to} partitions, ${from} when this stage started; it reads the count at its start only, so it must be restarted to use them`;
}
