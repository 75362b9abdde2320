/**
 * Readiness: can this instance do its job right now (its broker, registry, store reachable)?
 * Probes come every few seconds from every load balancer and kubelet, so the checks are cheap,
 * bounded by a timeout, and their answer is cached briefly and shared by concurrent probes.
 */

export interface ReadinessCheckResult {
  ok: boolean;
  /** How long the check took, ms. */
  ms: number;
  /** Why it failed, when it did. */
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessCheckResult>;
}

/** Resolves when the dependency is usable; throws (anything) when it is not. */
export type ReadinessCheck = () => Promise<unknown>;

export type Readiness = () => Promise<ReadinessReport>;

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
    return code + err.message;
  }
  return String(err);
}

async function timed(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessCheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs named checks side by side, each within `timeoutMs`; ready when every one passed. */
export function readinessOf(checks: Record<string, ReadinessCheck>, opts: { timeoutMs?: number } = {}): Readiness {
  const timeoutMs = opts.timeoutMs ?? 2000;
  return async () => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => timed(checks[name]!, timeoutMs)));
    const report: ReadinessReport = { ready: results.every((r) => r.ok), checks: {} };
    names.forEach((name, i) => (report.checks[name] = results[i]!));
    return report;
  };
}

/**
 * The same answer for `ttlMs` after it was computed, and one computation at a time: a burst of
 * probes (or a slow broker) never turns into a burst of metadata requests.
 * A readiness function that throws counts as not ready.
 */
export function cachedReadiness(readiness: Readiness, ttlMs = 1500, now: () => number = Date.now): Readiness {
  let cached: { report: ReadinessReport; at: number } | undefined;
  let pending: Promise<ReadinessReport> | undefined;
  return () => {
    if (cached && now() - cached.at < ttlMs) return Promise.resolve(cached.report);
    pending ??= readiness()
      .catch((err: unknown): ReadinessReport => ({ ready: false, checks: { readiness: { ok: false, ms: 0, error: describe(err) } } }))
      .then((report) => {
        cached = { report, at: now() };
        return report;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
