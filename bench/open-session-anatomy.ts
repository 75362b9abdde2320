/**
 * What one open session is made of, byte by byte: `npx tsx bench/open-session-anatomy.ts [N]`
 * opens N sessions (default 20,000) as `pnpm bench open-sessions` does, takes a V8 heap snapshot
 * before and after, and prints what the sessions added per session, by kind of heap object
 * (strings by length), largest first. Off-heap backing stores show as
 * `native:system / JSArrayBufferData`. Figures are self sizes; rows under 1 byte a session are left
 * out, and what loading modules adds meanwhile (a few tens of bytes a session at 20,000) is noise.
 */
import { getHeapSnapshot } from 'node:v8';
import { Sessionizer } from '../shared/features/src/index.js';
import { memoryEvent, USER_AGENTS } from './session-memory.js';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const SESSIONS = Number(process.argv[2] ?? 20_000);
const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** 1-16, 17-32, ...: strings grouped by length, so keys of many user agents make a few rows. */
function lengthBand(length: number): string {
  const top = Math.max(16, Math.ceil(length / 16) * 16);
  return `${top - 15}-${top}`;
}

/** Count and self bytes of the heap's objects by kind. */
async function heapByKind(): Promise<Map<string, { count: number; bytes: number }>> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const heap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt] as number] as string;
    const name = heap.strings[heap.nodes[i + nameAt] as number] as string;
    const kind = STRING_TYPES.has(type) ? `${type} of ${lengthBand(name.length)} chars` : type === 'number' ? 'heap number' : `${type}:${name.slice(0, 60)}`;
    const entry = kinds.get(kind) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[i + sizeAt] as number;
    kinds.set(kind, entry);
  }
  return kinds;
}

const config = { allowedLatenessMs: 0, updateEveryEvents: 0, updateAfterMs: 0 };
const warm = new Sessionizer(config);
for (let s = 0; s < USER_AGENTS.length; s++) warm.push(memoryEvent(s, 0));
const before = await heapByKind();
const sessionizer = new Sessionizer(config);
for (let request = 0; request < 2; request++) {
  for (let session = 0; session < SESSIONS; session++) sessionizer.push(memoryEvent(session, request));
}
const after = await heapByKind();
const rows: Array<{ kind: string; count: number; bytes: number }> = [];
for (const [kind, { count, bytes }] of after) {
  const was = before.get(kind) ?? { count: 0, bytes: 0 };
  const perSession = { kind, count: (count - was.count) / SESSIONS, bytes: (bytes - was.bytes) / SESSIONS };
  if (perSession.bytes >= 1) rows.push(perSession);
}
rows.sort((a, b) => b.bytes - a.bytes);
let total = 0;
for (const row of rows) {
  total += row.bytes;
  console.log(`${row.bytes.toFixed(1).padStart(8)} B  ${row.count.toFixed(2).padStart(6)} a session  ${row.kind}`);
}
console.log(`${total.toFixed(1).padStart(8)} B  in all, ${sessionizer.stats().openSessions.toLocaleString('en-US')} open sessions (self sizes; off-heap bookkeeping not shown)`);
