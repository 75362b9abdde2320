/** Progress lines for slow steps: a start line, a heartbeat while it runs, and the elapsed time. */
export type Log = (line: string) => void;

const HEARTBEAT_MS = 15_000;

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;
}

export async function step<T>(log: Log, label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${label} ...`);
  // A cold download can take minutes; a silent terminal looks hung.
  const heartbeat = setInterval(() => log(`${label}: still working (${seconds(started)})`), HEARTBEAT_MS);
  try {
    const result = await work();
    log(`${label}: done in ${seconds(started)}`);
    return result;
  } catch (err) {
    log(`${label}: failed after ${seconds(started)}`);
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}
