import type { ScoreLabel, ScoreReason } from '@weir/contracts';

/** What the page shows, sent to it once a second. */
export interface DashboardSnapshot {
  at: number;
  uptimeSeconds: number;
  stages: Array<{ stage: string; total: number; perSecond: number }>;
  customers: Array<{
    customer: string;
    events: number;
    eventsPerSecond: number;
    sessions: number;
    labels: Record<ScoreLabel, number>;
  }>;
  /** Latest score of every session seen, in `bins` equal-width bins over [0, 1]. */
  scoreHistogram: number[];
  labels: Record<ScoreLabel, number>;
  suspicious: SuspiciousSession[];
  baselines: CustomerBaseline[];
  /** Feature name → one-line definition, for tooltips. */
  featureDefinitions: Record<string, string>;
}

export interface SuspiciousSession {
  customer: string;
  sessionId: string;
  clientIp: string;
  userAgent: string | null;
  requestCount: number;
  score: number;
  label: ScoreLabel;
  lastTime: number;
  closed: boolean;
  reasons: ScoreReason[];
}

export interface CustomerBaseline {
  customer: string;
  windowStart: number;
  windowEnd: number;
  sessionCount: number;
  features: Array<{ feature: string; median: number; p95: number | null; mean: number }>;
}
