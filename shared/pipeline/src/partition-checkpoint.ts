import type { InputRecord, StageContext, StateView } from '@weir/stream';

/**
 * How a stateful processor (a Sessionizer, a WindowBaseline) is written to the runner's keyed
 * state: its snapshot split into one small `meta` object and many parts (one per session, one per
 * customer), so a batch rewrites only the parts it changed, not the whole state.
 */
export interface SnapshotParts<P, Snap, Part> {
  create(): P;
  snapshot(processor: P): Snap;
  restore(snapshot: Snap): P;
  split(snapshot: Snap): { meta: Omit<Snap, never>; parts: Array<[string, Part]> };
  join(meta: Snap, parts: Part[]): Snap;
}

export type CheckpointEntry<Snap, Part> =
  | { kind: 'meta'; generation: number; nextOffset: number; meta: Snap }
  | { kind: 'part'; part: Part };

interface Held<P> {
  processor: P;
  generation: number;
  /** First input offset not yet applied: records below it were applied before a crash or rebalance. */
  nextOffset: number;
  /** Part key → the JSON last written, to skip unchanged parts. */
  written: Map<string, string>;
}

const META = 'meta';
const partKey = (key: string) => `p:${key}`;

/**
 * One processor per input partition, kept in memory between batches and restored from the
 * changelog-backed state when this instance did not write the latest checkpoint itself (first
 * batch after a start or a rebalance: the meta entry's generation tells).
 */
export class PartitionCheckpoints<P, Snap, Part> {
  private readonly held = new Map<string, Held<P>>();

  constructor(private readonly parts: SnapshotParts<P, Snap, Part>) {}

  /** The partition's processor, restored if needed, and the records it has not applied yet. */
  acquire<In>(
    records: readonly InputRecord<In>[],
    ctx: StageContext<CheckpointEntry<Snap, Part>>,
  ): { processor: P; fresh: InputRecord<In>[] } {
    const held = this.current(ctx);
    return { processor: held.processor, fresh: records.filter((r) => r.offset >= held.nextOffset) };
  }

  /** The partition's processor for a timer call. */
  processorFor(ctx: StageContext<CheckpointEntry<Snap, Part>>): P {
    return this.current(ctx).processor;
  }

  /** Writes what changed; `nextOffset` moves past the batch's last record when one is given. */
  checkpoint(ctx: StageContext<CheckpointEntry<Snap, Part>>, lastOffset?: number): void {
    const held = this.current(ctx);
    const { meta, parts } = this.parts.split(this.parts.snapshot(held.processor));
    const seen = new Set<string>();
    for (const [key, part] of parts) {
      seen.add(key);
      const json = JSON.stringify(part);
      if (held.written.get(key) === json) continue;
      held.written.set(key, json);
      ctx.state.set(partKey(key), { kind: 'part', part });
    }
    for (const key of held.written.keys()) {
      if (seen.has(key)) continue;
      held.written.delete(key);
      ctx.state.delete(partKey(key));
    }
    held.generation++;
    if (lastOffset !== undefined) held.nextOffset = Math.max(held.nextOffset, lastOffset + 1);
    ctx.state.set(META, { kind: 'meta', generation: held.generation, nextOffset: held.nextOffset, meta });
  }

  private current(ctx: StageContext<CheckpointEntry<Snap, Part>>): Held<P> {
    const id = `${ctx.topic}:${ctx.partition}`;
    const stored = ctx.state.get(META);
    const held = this.held.get(id);
    if (held && (stored === undefined ? held.generation === 0 : stored.kind === 'meta' && stored.generation === held.generation)) {
      return held;
    }
    const restored = this.restore(ctx.state, stored);
    this.held.set(id, restored);
    return restored;
  }

  private restore(state: StateView<CheckpointEntry<Snap, Part>>, stored: CheckpointEntry<Snap, Part> | undefined): Held<P> {
    if (stored === undefined || stored.kind !== 'meta') {
      return { processor: this.parts.create(), generation: 0, nextOffset: 0, written: new Map() };
    }
    const parts: Part[] = [];
    const written = new Map<string, string>();
    for (const [key, entry] of state.entries()) {
      if (entry.kind !== 'part') continue;
      parts.push(entry.part);
      written.set(key.slice(2), JSON.stringify(entry.part));
    }
    const processor = this.parts.restore(this.parts.join(stored.meta, parts));
    return { processor, generation: stored.generation, nextOffset: stored.nextOffset, written };
  }
}
