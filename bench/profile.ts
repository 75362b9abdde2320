/** Reading V8 CPU profiles (`.cpuprofile`, from `node --cpu-prof` or the inspector) in the benches. */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
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
