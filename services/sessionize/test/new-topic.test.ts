/**
 * The sessionize service subscribes to a pattern: a customer whose `weir.logs.<customer>` topic
 * is created after the service started is picked up without a restart, and its sessions come out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { SCORES_TOPIC, SESSIONS_TOPIC, WINDOWS_TOPIC, logsTopic, type SessionFeatures } from '@weir/contracts';
import { finalSessions, ensurePipelineTopics, namespacedSerde, topicIn } from '@weir/pipeline';
import { changelogTopicName, deadLetterTopicName, type Bus } from '@weir/stream';
import { deleteTopics, kafkaBus, produceEvents, requireServers, simulatedEvents, stageStarted, startService, terminate, tailTopic, waitFor, type ServiceProcess } from '@weir/testing';

const run = `newtopic-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const early = `${run}-early`;
const late = `${run}-late`;
const group = `${run}-sessionize`;
let bus: Bus | undefined;
let service: ServiceProcess | undefined;

after(async () => {
  await service?.stop(5000);
  if (bus) {
    const ours = [SESSIONS_TOPIC, WINDOWS_TOPIC, SCORES_TOPIC].map((t) => topicIn(run, t));
    await deleteTopics(bus, [logsTopic(early), logsTopic(late), ...ours, changelogTopicName(group, 'sessions'), deadLetterTopicName(group)]);
    await bus.close();
  }
});

test('a customer topic created after the start is picked up and sessionized', { timeout: 150_000 }, async () => {
  requireServers();
  bus = await kafkaBus();
  const traffic = { durationMs: 10 * 60_000, ratePerMinute: 3 };
  const earlyEvents = simulatedEvents([early], { ...traffic, seed: `${run}-1` }).events;
  const lateEvents = simulatedEvents([late], { ...traffic, seed: `${run}-2` }).events;
  await produceEvents(bus, earlyEvents);
  await ensurePipelineTopics(bus, { namespace: run });
  const tail = await tailTopic(bus, topicIn(run, SESSIONS_TOPIC), namespacedSerde<SessionFeatures>(run));
  try {
    service = startService('sessionize', {
      WEIR_LOGS_TOPIC_PATTERN: `^weir\\.logs\\.${run}-.+$`,
      WEIR_TOPIC_NAMESPACE: run,
      WEIR_GROUP_PREFIX: run,
      WEIR_CLOSE_IDLE_AFTER: '2s',
      KAFKA_TOPIC_WATCH_INTERVAL: '1s',
    });
    await stageStarted(service);
    const closedOf = (customer: string) => tail.records.filter((r) => r.closed && r.customer === customer);
    await waitFor('the first customer\'s sessions', () => closedOf(early).length > 0, 60_000);

    // Only now does the second customer's topic exist.
    assert.ok(!(await bus.admin.listTopics()).includes(logsTopic(late)));
    await produceEvents(bus, lateEvents);
    const expected = [...finalSessions(lateEvents)].map((f) => f.session);
    const count = (records: SessionFeatures[]) => records.reduce((n, r) => n + r.requestCount, 0);
    await waitFor(`${late}'s sessions, closed`, () => count(closedOf(late)) >= lateEvents.length, 90_000);
    const closed = new Map(closedOf(late).map((r) => [r.sessionId, r]));
    assert.equal(closed.size, expected.length, 'as many sessions as offline');
    for (const session of expected) assert.equal(closed.get(session.sessionId)?.requestCount, session.requestCount, `session ${session.sessionId}`);
    assert.match(service.output(), new RegExp(`"topic":"weir\\.logs\\.${late}"`), 'the service took the new topic\'s partitions');
  } finally {
    await tail.stop();
  }

  // SIGTERM: the batch in hand is finished and committed, the group left, and the process exits by itself.
  assert.deepEqual(await terminate(service), { code: 0, signal: null }, service.output().slice(-3000));
});
