/**
 * The keyed state of one input partition, and the layers a batch writes into.
 * A batch works on a `StateLayer` over the store: reads fall through, writes stay in the layer
 * until the batch's outputs are durable, then `commit` applies them; a failed batch just drops
 * its layer. Layers nest, so one failing record of a batch can be rolled back alone.
 *
 * The partition's live object (see LiveSlot) moves the same way: a layer that reads it takes it
 * from below, and gives it back only on commit. A dropped layer takes it along, so whoever reads
 * next finds none and rebuilds it from the state, which no longer has the dropped changes.
 */
import type { LiveSlot, StateView } from '../stage.js';
import type { StateCodec } from './codec.js';

const DELETED = Symbol('deleted');
type Write<S> = S | typeof DELETED;

interface StateSource<S, L> {
  get(key: string): S | undefined;
  has(key: string): boolean;
  entries(): IterableIterator<[string, S]>;
  /** Hands the live object over (none is left behind). */
  takeLive(): L | undefined;
  putLive(value: L | undefined): void;
}

export class KeyedStateStore<S, L = never> implements StateSource<S, L> {
  private readonly values = new Map<string, S>();
  private live: L | undefined;

  constructor(readonly codec: StateCodec<S>) {}

  takeLive(): L | undefined {
    const live = this.live;
    this.live = undefined;
    return live;
  }

  putLive(value: L | undefined): void {
    this.live = value;
  }

  get(key: string): S | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  entries(): IterableIterator<[string, S]> {
    return this.values.entries();
  }

  get size(): number {
    return this.values.size;
  }

  /** Only for restores and committed layers. */
  put(key: string, value: S | undefined): void {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
  }

  layer(): StateLayer<S, L> {
    return new StateLayer(this, this.codec, (writes) => {
      for (const [key, value] of writes) this.put(key, value === DELETED ? undefined : value);
    });
  }
}

export class StateLayer<S, L = never> implements StateView<S>, StateSource<S, L> {
  private readonly writes = new Map<string, Write<S>>();
  /** Copies handed out for keys not written yet: the same object on every get within the layer. */
  private readonly copies = new Map<string, S>();
  /** Whether this layer holds the live object (taken from below, or set here). */
  private holdsLive = false;
  private liveValue: L | undefined;

  readonly live: LiveSlot<L> = {
    get: () => {
      if (!this.holdsLive) {
        this.liveValue = this.source.takeLive();
        this.holdsLive = true;
      }
      return this.liveValue;
    },
    // What lies below is untouched (nobody took it): it stays right if this layer is dropped.
    set: (value) => this.holdLive(value),
  };

  constructor(
    private readonly source: StateSource<S, L>,
    private readonly codec: StateCodec<S>,
    private readonly apply: (writes: Map<string, Write<S>>) => void,
  ) {}

  takeLive(): L | undefined {
    const live = this.live.get();
    this.liveValue = undefined;
    return live;
  }

  putLive(value: L | undefined): void {
    this.holdLive(value);
  }

  private holdLive(value: L | undefined): void {
    this.liveValue = value;
    this.holdsLive = true;
  }

  get(key: string): S | undefined {
    const written = this.writes.get(key);
    if (written !== undefined) return written === DELETED ? undefined : written;
    const copied = this.copies.get(key);
    if (copied !== undefined) return copied;
    const value = this.source.get(key);
    if (value === undefined) return undefined;
    const copy = this.codec.clone ? this.codec.clone(value) : this.codec.decode(this.codec.encode(value));
    this.copies.set(key, copy);
    return copy;
  }

  has(key: string): boolean {
    const written = this.writes.get(key);
    return written !== undefined ? written !== DELETED : this.source.has(key);
  }

  set(key: string, value: S): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, DELETED);
  }

  *entries(): IterableIterator<[string, S]> {
    for (const [key, value] of this.source.entries()) {
      if (this.writes.has(key)) continue;
      yield [key, this.copies.get(key) ?? value];
    }
    // A snapshot: keys written while iterating are not visited.
    for (const [key, value] of [...this.writes]) {
      if (value !== DELETED) yield [key, value];
    }
  }

  get size(): number {
    let size = 0;
    for (const _ of this.entries()) size++;
    return size;
  }

  /** A layer over this one, for one record's changes. */
  layer(): StateLayer<S, L> {
    return new StateLayer(this, this.codec, (writes) => {
      for (const [key, value] of writes) this.writes.set(key, value);
    });
  }

  /** The keys written, with their new values (undefined: deleted). */
  changes(): Array<[string, S | undefined]> {
    return [...this.writes].map(([key, value]) => [key, value === DELETED ? undefined : value]);
  }

  get changed(): boolean {
    return this.writes.size > 0;
  }

  /** Applies the writes to what this layer sits on. */
  commit(): void {
    this.apply(this.writes);
    this.writes.clear();
    this.copies.clear();
    if (this.holdsLive) this.source.putLive(this.liveValue);
    this.holdsLive = false;
    this.liveValue = undefined;
  }
}
