/**
 * What the stages of a process are waiting for. A stage whose dependency does not answer (the
 * schema registry, the broker, Elasticsearch) holds its records and retries them with backoff;
 * while it does, it is registered here, and the service's readiness check fails with the reason,
 * so a load balancer or an operator sees the outage instead of a dead-letter topic filling up.
 */
import { StreamError } from './errors.js';

export class StageHealth {
  /** `<stage> <operation>` → why it waits. */
  private readonly waits = new Map<string, string>();

  waiting(what: string, reason: string): void {
    this.waits.set(what, reason);
  }

  resumed(what: string): void {
    this.waits.delete(what);
  }

  /** Everything waited for now, with its reason. */
  get waitingFor(): ReadonlyMap<string, string> {
    return this.waits;
  }

  /** A readiness check: resolves when nothing is waited for, else rejects naming each wait. */
  async check(): Promise<void> {
    if (this.waits.size === 0) return;
    const what = [...this.waits].map(([name, reason]) => `${name}: ${reason}`).join('; ');
    throw new StreamError('WEIR_DEPENDENCY_UNAVAILABLE', `waiting for a dependency: ${what}`);
  }
}
