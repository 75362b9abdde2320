import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WINDOWS_TOPIC, type WindowSummary } from '@weir/contracts';
import type { Bus, BusConsumer, Serde } from '@weir/stream';
import type { WindowTable } from './window-table.js';

export interface WindowFollowerOptions {
  bus: Bus;
  serde: Serde<WindowSummary>;
  table: WindowTable;
  topic?: string;
  /** Called for each summary read, e.g. for the dashboard. */
  onSummary?: (summary: WindowSummary) => void;
  /**
   * Ends the wait for the catch-up: a stop (SIGTERM) that comes while the follower is still reading
   * the topic, which can take long on a big topic or a busy broker. The follower is returned as it
   * is then, and the stage it was to serve, given the same stop, never starts.
   */
  signal?: AbortSignal;
}

/** How often the follower looks whether it has read up to where the topic ended when it started. */
const CATCH_UP_POLL_MS = 50;

export interface WindowFollower {
  stop(): Promise<void>;
}

/**
 * Keeps a WindowTable current from `weir.windows`, as a global table: every score instance reads
 * every partition (a consumer group of its own, never committed), because a session may need any
 * customer's baseline. Resolves once the table holds everything that was in the topic at start,
 * so no session is scored against a baseline that is merely not read yet.
 */
export async function followWindows(options: WindowFollowerOptions): Promise<WindowFollower> {
  const topic = options.topic ?? WINDOWS_TOPIC;
  const ends = (await options.bus.admin.fetchTopicOffsets(topic)).filter((p) => p.high > 0);

  const consumer: BusConsumer = options.bus.consumer({ groupId: `weir.windows.follower.${randomUUID()}`, startFrom: 'earliest' });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    for (const message of batch.messages) {
      if (message.value === null) continue;
      const summary = await options.serde.decode(batch.topic, message.value);
      options.table.upsert(summary);
      options.onSummary?.(summary);
    }
  });
  // By the consumer's position, not by the last record read: the window stage publishes in
  // transactions under exactly-once, so a partition ends in a commit or abort marker (after
  // aborted records, when a killed instance's transaction was aborted), which no record reaches.
  // Waiting for a record at or past the end kept a restarted score instance from ever starting
  // its stage while the window stage had nothing new to publish.
  const caughtUp = () => ends.every(({ partition, high }) => (consumer.position({ topic, partition }) ?? 0) >= high);
  while (!caughtUp() && options.signal?.aborted !== true) await sleep(CATCH_UP_POLL_MS);
  return { stop: () => consumer.stop() };
}
