/**
 * The window stage's second phase: the pieces of a customer's window that the partitions of
 * `weir.sessions` sent (`weir.window-partials`, keyed by customer) merged into the summary one
 * instance reading every partition would publish to `weir.windows` — exactly: the aggregates are
 * exact sums and sketch bins (feature-aggregate.ts), so no merge order shows in the result.
 *
 * When a window is final. In one partition a window closes when that partition's watermark of
 * the customer passes its end; overall, the window is final at the first moment (Kafka
 * timestamp of the session record, `passedAt`) any partition saw the customer's watermark pass
 * its end or closed it. The merge waits until (1) every partition that announced a piece of the
 * window (a partition announces one as the window opens there) has sent its closed piece, and
 * (2) every partition has read all its records stamped before `passedAt` (its progress). A record
 * stamped after that moment belongs, as in one ordered stream of the customer's records, after
 * the watermark passed: it is late wherever it lands. This needs no knowledge of which partitions
 * hold which customers, and it does not depend on how far other customers' clocks are. A piece
 * that arrives for a window already published closed is counted, never merged into a published
 * final summary.
 */
import type { WindowPartial, WindowSummary } from '@weir/contracts';
import { mergePieceAggregates, mergePieces, type PieceAggregates } from '@weir/features';
import type { OutputRecord, Stage, StageContext, StateView } from '@weir/stream';
import { createHash } from 'node:crypto';


export type MergeEntry =
  /** How far each partition of `weir.sessions` has been read (null: closed idle, everything), and their count. */
  | { kind: 'progress'; partitions: number; by: Record<string, number | null> }
  /** Per customer: its newest watermark, when it was reached, the open windows and the recently closed ones. */
  | { kind: 'customer'; customer: string; watermark: number; watermarkAt: number; open: number[]; closed: number[] }
  /**
   * An open window: the closed pieces merged so far (one aggregate per feature, however many
   * partitions), the partitions they came from, and the partitions whose piece is still open.
   * Open pieces themselves are kept in memory only, for running summaries.
   */
  | {
      kind: 'window';
      customer: string;
      windowStart: number;
      windowEnd: number;
      passedAt: number | null;
      done: PieceAggregates | null;
      closedParts: number[];
      /**
       * `partition:digest` of every closed piece merged: a partition closed idle sends a second
       * piece of a window when a session of it comes after the idle close, and only the digest
       * tells that new piece from an at-least-once repeat of the first. Absent in state written
       * before it: every closed piece of a partition there counts as a repeat.
       */
      closedPieces?: string[];
      openParts: number[];
    };

export interface WindowMergeOptions {
  /** `weir.windows` (namespaced). */
  topic: string;
  quantiles?: readonly number[];
  /** Told of every piece that arrived after its window was published closed. */
  onLatePiece?: (piece: WindowPartial) => void;
}

/** Closed windows remembered per customer, to recognise late pieces (bounded memory). */
const CLOSED_KEPT = 1_000;

const PROGRESS = 'progress';
const customerKey = (customer: string) => `c:${customer}`;
const windowKey = (customer: string, start: number) => `w:${customer}\u0000${start}`;

type Progress = Extract<MergeEntry, { kind: 'progress' }>;
type Customer = Extract<MergeEntry, { kind: 'customer' }>;
type Window = Extract<MergeEntry, { kind: 'window' }>;

function progressOf(state: StateView<MergeEntry>): Progress {
  const entry = state.get(PROGRESS);
  return entry?.kind === 'progress' ? entry : { kind: 'progress', partitions: 0, by: {} };
}

function storedCustomer(state: StateView<MergeEntry>, customer: string): Customer {
  const entry = state.get(customerKey(customer));
  return entry?.kind === 'customer'
    ? entry
    : { kind: 'customer', customer, watermark: Number.MIN_SAFE_INTEGER, watermarkAt: 0, open: [], closed: [] };
}

function final(window: Window, progress: Progress): boolean {
  if (window.passedAt === null || progress.partitions === 0) return false;
  if (window.openParts.length > 0) return false;
  for (let p = 0; p < progress.partitions; p++) {
    const read = progress.by[p];
    if (read === null) continue;
    if (read === undefined || read < window.passedAt) return false;
  }
  return true;
}

function summaryOf(window: Window, open: Iterable<PieceAggregates>, closed: boolean, quantiles: readonly number[] | undefined): WindowSummary {
  const bounds = { customer: window.customer, windowStart: window.windowStart, windowEnd: window.windowEnd, closed };
  return mergePieces(bounds, [...(window.done ? [window.done] : []), ...open], quantiles);
}

const earliest = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));

/** A closed piece's identity: its partition and content (a repeat has the same sessions, so the same aggregates). */
function pieceDigest(record: WindowPartial): string {
  const content = createHash('sha1').update(JSON.stringify([record.sessionCount, record.aggregates])).digest('hex');
  return `${record.partition}:${content}`;
}

/** Whether a piece of `record`'s partition repeats one already merged (at-least-once), rather than adding sessions. */
function repeated(window: Window, record: WindowPartial): boolean {
  if (!window.closedParts.includes(record.partition)) return false;
  // State from before closedPieces: the old rule, any piece after the partition's closed one.
  if (!window.closedPieces) return true;
  // An open piece after the partition's closed one: a new piece (after an idle close) or a
  // repeat; taken as open either way, and a repeated closed piece clears it again below.
  if (!record.closed) return false;
  return window.closedPieces.includes(pieceDigest(record));
}

export function windowMergeStage(options: WindowMergeOptions): Stage<WindowPartial, WindowSummary, MergeEntry> {
  /** Window key → partition → its latest open piece (memory only: for running summaries). */
  const openPieces = new Map<string, Map<number, PieceAggregates>>();
  function out(summary: WindowSummary): OutputRecord<WindowSummary> {
    return { topic: options.topic, key: `${summary.customer}|${summary.windowStart}`, value: summary };
  }

  return {
    name: 'window-merge',
    process(records, ctx: StageContext<MergeEntry>) {
      const progress = progressOf(ctx.state);
      let progressMoved = false;
      const customers = new Map<string, Customer>();
      const windows = new Map<string, Window>();
      /** Windows with a new piece (published as running summaries), and windows changed at all (written back). */
      const updated = new Set<string>();
      const changed = new Set<string>();
      const customerOf = (name: string) => {
        let customer = customers.get(name);
        if (!customer) customers.set(name, (customer = storedCustomer(ctx.state, name)));
        return customer;
      };
      const windowOf = (customer: string, start: number) => {
        const key = windowKey(customer, start);
        let window = windows.get(key);
        if (!window) {
          const stored = ctx.state.get(key);
          if (stored?.kind === 'window') windows.set(key, (window = stored));
        }
        return window;
      };

      for (const { value: record } of records) {
        progress.partitions = Math.max(progress.partitions, record.partitions);
        if (record.kind === 'progress') {
          progress.by[record.partition] = record.at;
          progressMoved = true;
          continue;
        }
        const at = record.at ?? 0;
        const customer = customerOf(record.customer);
        if (customer.closed.includes(record.windowStart)) {
          options.onLatePiece?.(record);
          continue;
        }
        if (record.watermark > customer.watermark) {
          customer.watermark = record.watermark;
          customer.watermarkAt = at;
          // The customer's watermark passed these windows' ends now (if not before).
          for (const start of customer.open) {
            const open = windowOf(customer.customer, start);
            if (open && open.windowEnd <= record.watermark && open.passedAt === null) {
              open.passedAt = at;
              changed.add(windowKey(customer.customer, start));
            }
          }
        }
        let window = windowOf(record.customer, record.windowStart);
        if (!window) {
          window = {
            kind: 'window',
            customer: record.customer,
            windowStart: record.windowStart,
            windowEnd: record.windowEnd,
            passedAt: null,
            done: null,
            closedParts: [],
            closedPieces: [],
            openParts: [],
          };
          if (customer.watermark >= window.windowEnd) window.passedAt = customer.watermarkAt;
          windows.set(windowKey(record.customer, record.windowStart), window);
          customer.open.push(record.windowStart);
        }
        const key = windowKey(record.customer, record.windowStart);
        // A closed piece already merged: an at-least-once repeat of it (ending any repeat of its open piece).
        if (repeated(window, record)) {
          if (record.closed && window.openParts.includes(record.partition)) {
            window.openParts = window.openParts.filter((p) => p !== record.partition);
            openPieces.get(key)?.delete(record.partition);
            changed.add(key);
          }
          continue;
        }
        const piece = { sessionCount: record.sessionCount, aggregates: record.aggregates };
        let open = openPieces.get(key);
        if (!open) openPieces.set(key, (open = new Map()));
        if (record.closed) {
          window.done = mergePieceAggregates(window.done ? [window.done, piece] : [piece], key);
          if (!window.closedParts.includes(record.partition)) window.closedParts.push(record.partition);
          window.closedPieces?.push(pieceDigest(record));
          window.openParts = window.openParts.filter((p) => p !== record.partition);
          window.passedAt = earliest(window.passedAt, at);
          open.delete(record.partition);
        } else {
          if (!window.openParts.includes(record.partition)) window.openParts.push(record.partition);
          open.set(record.partition, piece);
        }
        updated.add(key);
        changed.add(key);
      }
      ctx.state.set(PROGRESS, progress);

      // Which windows may be final now: the ones touched, and every open one when a partition moved on.
      if (progressMoved) {
        for (const [key, entry] of ctx.state.entries()) {
          if (entry.kind === 'window' && !windows.has(key)) windowOf(entry.customer, entry.windowStart);
        }
      }
      const outputs: OutputRecord<WindowSummary>[] = [];
      const ordered = [...windows].sort(([, a], [, b]) => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart || a.customer.localeCompare(b.customer));
      for (const [key, window] of ordered) {
        if (final(window, progress)) {
          outputs.push(out(summaryOf(window, [], true, options.quantiles)));
          openPieces.delete(key);
          const customer = customerOf(window.customer);
          customer.open = customer.open.filter((start) => start !== window.windowStart);
          customer.closed.push(window.windowStart);
          if (customer.closed.length > CLOSED_KEPT) customer.closed.splice(0, customer.closed.length - CLOSED_KEPT);
          ctx.state.delete(key);
        } else {
          if (changed.has(key)) ctx.state.set(key, window);
          if (updated.has(key)) outputs.push(out(summaryOf(window, openPieces.get(key)?.values() ?? [], false, options.quantiles)));
        }
      }
      for (const customer of customers.values()) ctx.state.set(customerKey(customer.customer), customer);
      return outputs;
    },
  };
}
