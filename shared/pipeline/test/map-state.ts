/** Test support: a stage's keyed state over a plain Map (what the runner's state store is to a stage), the Map exposed. */
import type { StateView } from '@weir/stream';

export function mapState<S>(entries: Iterable<[string, S]> = []): StateView<S> & { map: Map<string, S> } {
  const map = new Map(entries);
  return {
    map,
    get: (k) => map.get(k),
    has: (k) => map.has(k),
    set: (k, v) => void map.set(k, v),
    delete: (k) => void map.delete(k),
    entries: () => map.entries(),
    get size() {
      return map.size;
    },
  };
}
