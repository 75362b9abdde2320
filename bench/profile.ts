/** Reading V8 CPU profiles (`.cpuprofile`, from `node --cpu-prof` or the inspector) in the benches. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a profile as `name` in WEIR_PROFILE_DIR (created when missing), else the system's temp
 * directory; the path written.
 */
export function saveProfile(name: string, profile: Profile | HeapProfile): string {
  const dir = process.env.WEIR_PROFILE_DIR ?? tmpdir();
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name);
  writeFileSync(out, JSON.stringify(profile));
  return out;
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** A sampling heap profile (`HeapProfiler.stopSampling`): a tree of call frames with the bytes each allocated itself. */
export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
}

function frameName(frame: { functionName: string; url: string; lineNumber: number }): string {
  return `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^file:\/\/.*\/(shared|bench|services)\//, '$1/')}:${frame.lineNumber + 1}`;
}

/** Bytes allocated per function (sampled), as shares of all sampled bytes. */
export function topAllocations(profile: HeapProfile, count: number): Array<{ share: number; where: string }> {
  const bytes = new Map<string, number>();
  let total = 0;
  const stack = [profile.head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.selfSize > 0) {
      const where = frameName(node.callFrame);
      bytes.set(where, (bytes.get(where) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    stack.push(...node.children);
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, n]) => ({ share: n / total, where }));
}

/** Self time per function, as shares of all samples. */
export function topSelf(profile: Profile, count: number): Array<{ share: number; where: string }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<string, number>();
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^file:\/\/.*\/(shared|bench)\//, '$1/')}:${lineNumber + 1}`;
    hits.set(where, (hits.get(where) ?? 0) + 1);
  }
  return [...hits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, n]) => ({ share: n / profile.samples.length, where }));
}
