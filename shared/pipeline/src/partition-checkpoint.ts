import type { StageContext, StateView } from '@weir/stream';

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
  /**
   * Incremental checkpoints, for processors that record what they change: `track` starts the
   * record on a processor whose full snapshot the state already holds (a fresh or a restored one),
   * `changes` returns the parts written or removed since the previous call. Without them every
   * checkpoint snapshots the whole processor and compares each part with the one last written.
   */
  incremental?: {
    /** `restoredFrom`: the meta entry it was restored from, if any. */
    track(processor: P, restoredFrom: Snap | undefined): void;
    changes(processor: P): { meta: Snap; parts: Array<[string, Part]>; removed: string[] };
  };
}

export type CheckpointEntry<Snap, Part> =
  | { kind: 'meta'; generation: number; meta: Snap }
  | { kind: 'part'; part: Part };

/** A partition's processor, as the runner's live object of the partition (see LiveSlot). */
export interface Held<P> {
  processor: P;
  generation: number;
  /** Part key → the JSON last written, to skip unchanged parts (empty for incremental processors). */
  written: Map<string, string>;
}

const META = 'meta';
const partKey = (key: string) => `p:${key}`;

export type CheckpointContext<P, Snap, Part> = StageContext<CheckpointEntry<Snap, Part>, Held<P>>;

/**
 * One processor per input partition, kept in memory between batches as the runner's live object
 * of the partition, and restored from the changelog-backed state whenever the runner has none:
 * after a start or a rebalance, and after any rollback (a failed chunk, a dead-lettered record, a
 * batch not written), so a processor never holds records its state does not. Records applied
 * before a crash are not replayed into it: the runner's checkpoints record the input offset they cover.
 */
export class PartitionCheckpoints<P, Snap, Part> {
  constructor(private readonly parts: SnapshotParts<P, Snap, Part>) {}

  /** The partition's processor, restored if needed. */
  processorFor(ctx: CheckpointContext<P, Snap, Part>): P {
    return this.current(ctx).processor;
  }

  /** Writes the parts that changed since the last checkpoint, and the meta entry. */
  checkpoint(ctx: CheckpointContext<P, Snap, Part>): void {
    const held = this.current(ctx);
    const incremental = this.parts.incremental;
    if (incremental !== undefined) {
      const { meta, parts, removed } = incremental.changes(held.processor);
      for (const key of removed) ctx.state.delete(partKey(key));
      for (const [key, part] of parts) ctx.state.set(partKey(key), { kind: 'part', part });
      held.generation++;
      ctx.state.set(META, { kind: 'meta', generation: held.generation, meta });
      return;
    }
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
    ctx.state.set(META, { kind: 'meta', generation: held.generation, meta });
  }

  private current(ctx: CheckpointContext<P, Snap, Part>): Held<P> {
    const held = ctx.live.get();
    if (held) return held;
    const stored = ctx.state.get(META);
    const restored = this.restore(ctx.state, stored);
    this.parts.incremental?.track(restored.processor, stored?.kind === 'meta' ? stored.meta : undefined);
    ctx.live.set(restored);
    return restored;
  }

  private restore(state: StateView<CheckpointEntry<Snap, Part>>, stored: CheckpointEntry<Snap, Part> | undefined): Held<P> {
    if (stored === undefined || stored.kind !== 'meta') {
      return { processor: this.parts.create(), generation: 0, written: new Map() };
    }
    const parts: Part[] = [];
    const written = new Map<string, string>();
    // Incremental processors know what they change: no copy of every part to compare with.
    const compare = this.parts.incremental === undefined;
    for (const [key, entry] of state.entries()) {
      if (entry.kind !== 'part') continue;
      parts.push(entry.part);
      if (compare) written.set(key.slice(2), JSON.stringify(entry.part));
    }
    const processor = this.parts.restore(this.parts.join(stored.meta, parts));
    return { processor, generation: stored.generation, written };
  }
}
