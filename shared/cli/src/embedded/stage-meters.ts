import type { DashboardModel } from '@weir/dashboard';
import { noopMetrics, type StageMetrics } from '@weir/stream';

/** Stage metrics that feed the dashboard's events/s per stage. */
export function dashboardMetrics(dashboard: DashboardModel, stage: string): StageMetrics {
  return { ...noopMetrics, recordsIn: (_topic, count) => dashboard.recordStage(stage, count) };
}
