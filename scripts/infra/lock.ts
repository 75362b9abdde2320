/**
 * One `up`/`down` at a time per checkout: two test runs starting together must not both launch a
 * Kafka on the same port and data directory. The lock is a directory (mkdir is atomic) holding the
 * owner's pid; a lock whose owner has died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { infraError } from './errors.js';
import type { Log } from './progress.js';

const WAIT_MS = 20 * 60_000; // a cold install downloads several hundred MB

type Owner = 'alive' | 'dead' | 'unknown';

function owner(lockDir: string): Owner {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lockDir, 'owner'), 'utf8').trim());
  } catch {
    return 'unknown'; // the owner may be between mkdir and writing its pid
  }
  if (!Number.isInteger(pid) || pid <= 0) return 'unknown';
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}

export async function withLock<T>(stateDir: string, log: Log, work: () => Promise<T>): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const lockDir = join(stateDir, 'lock');
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  let unknownSince: number | undefined;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'owner'), `${process.pid}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const state = owner(lockDir);
    if (state !== 'unknown') unknownSince = undefined;
    else unknownSince ??= Date.now();
    if (state === 'dead' || (unknownSince !== undefined && Date.now() - unknownSince > 5_000)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!told) {
      log(`waiting for another infra command in this checkout (${lockDir})`);
      told = true;
    }
    if (Date.now() > deadline) {
      throw infraError('WEIR_INFRA_LOCK', `${lockDir} is still held after ${WAIT_MS / 60_000} minutes`);
    }
    await sleep(500);
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
