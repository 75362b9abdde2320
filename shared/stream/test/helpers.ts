import { randomBytes } from 'node:crypto';
import type { Bus, BusConsumer, ConsumedMessage, MessageBatch } from '../src/bus.js';

/** Marks every name this test process makes, so its topics can be deleted at the end. */
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
let counter = 0;

/** Unique per test, so test files sharing one broker never see each other's topics or groups. */
export function uniqueName(prefix: string): string {
  return `weir-test.${prefix}.${RUN}x${counter++}`;
}

/** Deletes the topics this test process created (outputs, changelogs, dead letters included). */
export async function deleteTestTopics(bus: Bus): Promise<void> {
  const mine = (await bus.admin.listTopics()).filter((t) => t.includes(`.${RUN}x`));
  await bus.admin.deleteTopics(mine);
}

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs a consumer that records everything delivered; `handle` may add behaviour per batch. */
export class Collector {
  readonly messages: ConsumedMessage[] = [];

  constructor(private readonly handle: (batch: MessageBatch) => Promise<void> = async () => undefined) {}

  async start(consumer: BusConsumer): Promise<void> {
    await consumer.run(async (batch) => {
      if (batch.isStale()) return;
      this.messages.push(...batch.messages);
      await this.handle(batch);
    });
  }

  values(): string[] {
    return this.messages.map((m) => m.value?.toString() ?? '<null>');
  }

  async waitForCount(count: number, timeoutMs = 20_000): Promise<ConsumedMessage[]> {
    await waitFor(`${count} messages (have ${this.messages.length})`, () => this.messages.length >= count, timeoutMs);
    return this.messages;
  }
}

export function text(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}
