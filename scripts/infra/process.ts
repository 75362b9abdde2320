/**
 * Server processes that outlive the command that started them: spawned detached with output to a
 * log file, remembered in a pid file, stopped with SIGTERM then SIGKILL.
 *
 * A pid file alone is not trusted: pids are reused. Every server gets a marker argument on its
 * command line, and a pid only counts as ours while /proc shows that marker.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { infraError } from './errors.js';

export interface PidRecord {
  pid: number;
  marker: string;
  startedAt: string;
}

export interface SpawnSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
  /** Must appear verbatim among `args`. */
  marker: string;
}

function procState(pid: number): { state: string; cmdline: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return { state, cmdline };
  } catch {
    return undefined;
  }
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and still the process we started (not a zombie, not a stranger that got the same pid). */
export function isOurs(record: PidRecord): boolean {
  if (!existsSync('/proc/self/stat')) return signalable(record.pid);
  const proc = procState(record.pid);
  return proc !== undefined && proc.state !== 'Z' && proc.cmdline.includes(record.marker);
}

export function readPidFile(pidFile: string): PidRecord | undefined {
  if (!existsSync(pidFile)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(pidFile, 'utf8')) as Partial<PidRecord>;
    if (typeof parsed.pid !== 'number' || typeof parsed.marker !== 'string') return undefined;
    return { pid: parsed.pid, marker: parsed.marker, startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** The live process recorded in `pidFile`, if there is one. */
export function runningFrom(pidFile: string): PidRecord | undefined {
  const record = readPidFile(pidFile);
  return record && isOurs(record) ? record : undefined;
}

export function spawnDetached(spec: SpawnSpec): PidRecord {
  if (!spec.args.includes(spec.marker)) throw new Error(`marker ${spec.marker} missing from the arguments`);
  const out = openSync(spec.logFile, 'a');
  try {
    // Detached into its own session so that it survives this command and Ctrl-C in its terminal.
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.on('error', () => undefined); // reported below through the missing pid
    if (child.pid === undefined) {
      throw infraError('WEIR_INFRA_START', `cannot start ${spec.command}: not found or not executable`);
    }
    child.unref();
    const record: PidRecord = { pid: child.pid, marker: spec.marker, startedAt: new Date().toISOString() };
    writeFileSync(spec.pidFile, `${JSON.stringify(record)}\n`);
    return record;
  } finally {
    closeSync(out);
  }
}

function kill(record: PidRecord, signal: NodeJS.Signals): void {
  try {
    // The whole process group: the server is its leader, and may have children of its own.
    process.kill(-record.pid, signal);
  } catch {
    try {
      process.kill(record.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Stops the process in `pidFile` if it is ours; true when one was stopped. */
export async function stopFrom(pidFile: string, graceMs: number): Promise<boolean> {
  const record = runningFrom(pidFile);
  if (!record) {
    rmSync(pidFile, { force: true });
    return false;
  }
  kill(record, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isOurs(record) && Date.now() < deadline) await sleep(200);
  if (isOurs(record)) {
    kill(record, 'SIGKILL');
    while (isOurs(record)) await sleep(100);
  }
  rmSync(pidFile, { force: true });
  return true;
}
