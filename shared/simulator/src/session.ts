/** What every session generator (human or bot) is given and what it returns. */
import type { Family } from './families.js';
import type { IpAllocator } from './ip.js';
import type { Rng } from './random.js';
import type { Site } from './catalogue.js';
import type { BrowserEra } from './user-agents.js';

/** One request of a session, before it is written as a log line. */
export interface PlannedRequest {
  /** Epoch ms. */
  time: number;
  method: string;
  /** Path and query. */
  target: string;
  protocol: string;
  status: number;
  /** Response body bytes; 0 is written as `-`. */
  bytes: number;
  referrer: string | null;
}

export interface SessionContext {
  rng: Rng;
  site: Site;
  /** When the session's first request is made (epoch ms). */
  start: number;
  /** End of the simulated period: requests at or after it are dropped, so generators may stop. */
  end: number;
  ips: IpAllocator;
  era: BrowserEra;
}

export interface SessionPlan {
  family: Family;
  clientIp: string;
  /** null when the client sent no User-Agent (logged as `-`). */
  userAgent: string | null;
  /** In time order, first at the context's start, none at or after its end. */
  requests: PlannedRequest[];
}

export type SessionGenerator = (ctx: SessionContext) => SessionPlan;

/**
 * Collects a session's requests. Generators add them in any order (a page's assets interleave
 * with nothing else, but fonts follow their stylesheet); `finish` sorts and trims to the period.
 */
export class SessionBuilder {
  private readonly requests: PlannedRequest[] = [];

  constructor(
    private readonly ctx: SessionContext,
    readonly protocol: string,
  ) {}

  /** True once time has passed the end of the period, so a generator can stop early. */
  done(time: number): boolean {
    return time >= this.ctx.end;
  }

  add(time: number, method: string, target: string, status: number, bytes: number, referrer: string | null): void {
    // Whole milliseconds keep ties (and so the merge order) exact; never before the session began.
    const t = Math.max(this.ctx.start, Math.round(time));
    if (t >= this.ctx.end) return;
    this.requests.push({ time: t, method, target, protocol: this.protocol, status, bytes, referrer });
  }

  get size(): number {
    return this.requests.length;
  }

  finish(family: Family, clientIp: string, userAgent: string | null): SessionPlan {
    // Array.prototype.sort is stable, so same-millisecond requests keep the order they were added.
    const requests = this.requests.sort((a, b) => a.time - b.time);
    return { family, clientIp, userAgent, requests };
  }
}
