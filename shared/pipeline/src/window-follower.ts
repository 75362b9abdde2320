import { randomUUID } from 'node:crypto';
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
}

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
  const ends = new Map((await options.bus.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  const behind = new Set([...ends].filter(([, high]) => high > 0).map(([partition]) => partition));
  let caughtUp!: () => void;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  if (behind.size === 0) caughtUp();

  const consumer: BusConsumer = options.bus.consumer({ groupId: `weir.windows.follower.${randomUUID()}`, startFrom: 'earliest' });
  await consumer.subscribe([topic]);
  await consumer.run(async (batch) => {
    for (const message of batch.messages) {
      if (message.value === null) continue;
      const summary = await options.serde.decode(batch.topic, message.value);
      options.table.upsert(summary);
      options.onSummary?.(summary);
    }
    const last = batch.messages[batch.messages.length - 1];
    if (last && behind.has(batch.partition) && last.offset + 1 >= (ends.get(batch.partition) ?? 0)) {
      behind.delete(batch.partition);
      if (behind.size === 0) caughtUp();
    }
  });
  await ready;
  return { stop: () => consumer.stop() };
}
