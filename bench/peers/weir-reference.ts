/**
 * What weir's own job must output in `pnpm bench peers`: its windows count sessions their own way
 * (a session in the window of each of its records' last event, with every feature's statistics),
 * so they are checked against weir's offline pipeline over the same records, read as the streaming
 * stages read them: one sessionizer per input partition, the partitions' records interleaved.
 */
import type { SessionizerConfig } from '../../shared/features/src/index.js';
import { OfflinePipeline } from '../../shared/pipeline/src/index.js';
import { partitionForKey } from '../../shared/stream/src/index.js';
import type { PeerInput } from './input.js';
import { weirLastWindows } from './input.js';
import { WINDOW_FIELDS, type PeerWindow } from './reference.js';

/** The aggregate of weir's windows the bench compares: the sessions each counts. */
export const WEIR_WINDOW_FIELDS = ['sessions'] as const satisfies readonly (typeof WINDOW_FIELDS)[number][];

/** A weir window summary as a PeerWindow carrying its session count only (the other fields 0). */
export function weirWindow(customer: string, windowStart: number, sessionCount: number): PeerWindow {
  const w = { customer, windowStart, ...Object.fromEntries(WINDOW_FIELDS.map((f) => [f, 0])) } as PeerWindow;
  w.sessions = sessionCount;
  return w;
}

/** weir's closed windows over the traffic (the sentinels' own left out), from its offline pipeline. */
export function weirReferenceWindows(input: PeerInput, partitions: number, sessionizer: SessionizerConfig): PeerWindow[] {
  const last = weirLastWindows(input);
  const windows = new Map<string, PeerWindow>();
  const pipeline = new OfflinePipeline({
    sessionizer,
    onWindowSummary: (s) => {
      if (s.closed && s.windowStart <= (last.get(s.customer) ?? -Infinity)) windows.set(`${s.customer}|${s.windowStart}`, weirWindow(s.customer, s.windowStart, s.sessionCount));
    },
  });
  for (const r of [...input.traffic, ...input.sentinels]) pipeline.push(r.event, String(partitionForKey(Buffer.from(r.key), partitions)));
  pipeline.finish();
  return [...windows.values()].sort((a, b) => a.customer.localeCompare(b.customer) || a.windowStart - b.windowStart);
}
