import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC } from '@weir/contracts';
import type { Bus, TopicSpec } from '@weir/stream';

export interface PipelineTopicsOptions {
  /** Partitions of each topic this creates; the most instances of a stage that can share the work. Default 6. */
  partitions?: number;
}

/**
 * The topics between stages, created when missing so that every service can start in any order.
 * `weir.windows` is compacted on (customer, window): its readers want each window's last summary.
 */
export function pipelineTopics(options: PipelineTopicsOptions = {}): TopicSpec[] {
  const partitions = options.partitions ?? 6;
  return [
    { topic: SESSIONS_TOPIC, partitions },
    { topic: WINDOWS_TOPIC, partitions, config: { 'cleanup.policy': 'compact' } },
    { topic: SCORES_TOPIC, partitions },
  ];
}

export async function ensurePipelineTopics(bus: Bus, options: PipelineTopicsOptions = {}): Promise<string[]> {
  return bus.admin.createTopics(pipelineTopics(options));
}
