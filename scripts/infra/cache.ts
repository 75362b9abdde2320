/**
 * The download cache. Each entry is a directory that appears whole or not at all: it is built in a
 * scratch directory beside it and renamed into place, so an interrupted or concurrent install never
 * leaves a half-filled entry that a later run would trust.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function cachePath(cacheDir: string, ...parts: string[]): string {
  return join(cacheDir, ...parts);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Scratch directories of installs that were killed midway (Ctrl-C skips `finally`). */
function removeAbandoned(dir: string): void {
  const prefix = `${basename(dir)}.partial-`;
  for (const name of readdirSync(dirname(dir))) {
    if (name.startsWith(prefix) && !alive(Number(name.slice(prefix.length)))) {
      rmSync(join(dirname(dir), name), { recursive: true, force: true });
    }
  }
}

/** Returns `dir`, building it first with `build(scratch)` when it is missing. */
export async function cachedDir(dir: string, build: (scratch: string) => Promise<void>): Promise<string> {
  if (existsSync(dir)) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  removeAbandoned(dir);
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    await build(scratch);
    try {
      renameSync(scratch, dir);
    } catch (err) {
      // Another process finished the same entry first: theirs is as good as ours.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}
