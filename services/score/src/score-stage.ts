/**
 * The score stage as this service runs it: `weir.sessions` joined with each customer's window
 * summaries (`weir.windows` read in full as a table before the first session is scored, then
 * followed), scored, published to `weir.scores`; closed sessions waiting for their window's final
 * summary are checkpointed to `<group>.waiting.changelog`. `runScore` of @weir/pipeline with the
 * topics under WEIR_TOPIC_NAMESPACE.
 */
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, type ScoreRecord, type SessionFeatures, type WindowSummary } from '@weir/contracts';
import { WindowTable, followWindows, scoreStage, type Scoring, type WindowFollower, topicIn } from '@weir/pipeline';
import { runnerContext, type StageRunContext } from '@weir/service';
import { runStage, stageSerde } from '@weir/stream';
import type { ScoreConfig } from './config.js';
import { scoreTopicsSerde } from './topics.js';

/**
 * Starts following `weir.windows`, retried a few times: kafkajs's fetchTopicOffsets fails with a
 * TypeError ("Cannot destructure property 'partitions' of 'low.pop(...)'", kafkajs issue #461)
 * while a topic created a moment ago is not in its metadata yet — every service starting at once
 * on a new cluster creates the pipeline topics a moment before this runs.
 */
async function startFollowing(config: ScoreConfig, context: StageRunContext, table: WindowTable): Promise<WindowFollower> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await followWindows({ bus: context.bus, serde: scoreTopicsSerde<WindowSummary>(config.namespace), table, topic: topicIn(config.namespace, WINDOWS_TOPIC) });
    } catch (err) {
      if (attempt >= FOLLOW_ATTEMPTS || context.signal.aborted) throw err;
      context.logger.warn({ err, attempt }, 'cannot read the window summaries yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, attempt * 500));
    }
  }
}

const FOLLOW_ATTEMPTS = 6;

export async function runScoreStage(config: ScoreConfig, context: StageRunContext, scoring: Scoring): Promise<void> {
  const { bus, logger } = context;
  const table = new WindowTable();
  const follower = await startFollowing(config, context, table);
  try {
    await runStage({
      ...runnerContext(context),
      groupId: config.groupId,
      delivery: config.delivery,
      input: [topicIn(config.namespace, SESSIONS_TOPIC)],
      stage: scoreStage({
        windows: table,
        scorer: scoring.scorer,
        shadow: scoring.shadow,
        thresholds: scoring.thresholds,
        topic: topicIn(config.namespace, SCORES_TOPIC),
        maxWaitMs: config.maxWaitMs,
      }),
      serde: stageSerde(scoreTopicsSerde<SessionFeatures>(config.namespace), scoreTopicsSerde<ScoreRecord>(config.namespace)),
      state: { name: 'waiting' },
    });
  } finally {
    await follower.stop();
  }
}
