/**
 * Apache Kafka 3.9 as one KRaft node (broker and controller in one process), from its jars on
 * Maven Central. 3.9 rather than 4.x: 4.0 dropped the old protocol versions kafkajs still speaks.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedDir, cachePath } from './cache.js';
import { HOST, POD_HOST, type InfraConfig } from './config.js';
import { exec } from './exec.js';
import { findJava } from './java.js';
import { heap, jarsIn } from './jvm.js';
import { liveBrokerCount } from './kafka-protocol.js';
import { copyClasspath } from './maven.js';
import { step } from './progress.js';
import type { Service, ServiceContext } from './service.js';

const VERSION = '3.9.1';
const DEPENDENCIES = [
  { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: VERSION },
  // Kafka 3.9's POM names no logging backend; without one it logs nothing at all.
  { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
];

function libDir(config: InfraConfig): string {
  return cachePath(config.cacheDir, `kafka-${VERSION}`, 'libs');
}

function serverProperties(config: InfraConfig, dataDir: string): string {
  const { kafka, kafkaController, kafkaPods } = config.ports;
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${HOST}:${kafkaController}`,
    // PODS: for the pods of the local cluster (scripts/k8s), which cannot reach this machine's
    // loopback: bound on loopback too, advertised at the node's bridge address, where k8s:up
    // relays it. Clients on this machine never see it (they bootstrap from PLAINTEXT).
    listeners: `PLAINTEXT://${HOST}:${kafka},CONTROLLER://${HOST}:${kafkaController},PODS://${HOST}:${kafkaPods}`,
    'advertised.listeners': `PLAINTEXT://${HOST}:${kafka},PODS://${POD_HOST}:${kafkaPods}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PODS:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': dataDir,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // Fast tests: no wait before the first rebalance, few internal partitions to create on first
    // use, and short session timeouts allowed so tests can watch a consumer die quickly.
    'group.initial.rebalance.delay.ms': 0,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.num.partitions': 4,
    'group.min.session.timeout.ms': 1000,
    // One node is both broker and controller: fencing its only broker takes every partition
    // offline and every group's coordinator with it, which helps nothing. On a saturated machine
    // its heartbeat to its own controller timed out (the default allows 9 s) and it fenced itself
    // three times in four minutes, each time dropping every consumer group (issue #10's kill loop).
    'broker.session.timeout.ms': 60_000,
    'auto.create.topics.enable': true,
    'delete.topic.enable': true,
    'num.partitions': 1,
    // Two cores: fewer threads than the defaults, and a small cleaner buffer to fit the heap.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
  };
  return `${Object.entries(settings)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n')}\n`;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.storage=WARN
`;

/** A cluster id as Kafka writes them: 16 random bytes, base64url, never starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function kafkaService(config: InfraConfig): Service {
  const port = config.ports.kafka;
  return {
    name: 'kafka',
    title: 'Kafka',
    port,
    movedBy: 'WEIR_KAFKA_PORT',
    otherPorts: [
      { port: config.ports.kafkaController, movedBy: 'WEIR_KAFKA_PORT (controller = port + 1)' },
      { port: config.ports.kafkaPods, movedBy: 'WEIR_KAFKA_PORT (listener for the local cluster\'s pods = port + 2)' },
    ],
    startStallMs: 120_000,
    env: { KAFKA_BROKERS: `${HOST}:${port}` },
    readiness: async () => ((await liveBrokerCount(HOST, port)) > 0 ? undefined : 'no live broker registered yet'),

    async install(ctx: ServiceContext): Promise<void> {
      const dir = cachePath(ctx.config.cacheDir, `kafka-${VERSION}`);
      if (existsSync(dir)) return;
      await step(ctx.log, `Kafka ${VERSION}: downloading its classpath from Maven Central`, () =>
        cachedDir(dir, (scratch) => copyClasspath(DEPENDENCIES, scratch, join(scratch, 'libs'))),
      );
    },

    async prepare(ctx: ServiceContext, dir: string, marker: string) {
      const runtime = await findJava({ min: 17, cacheDir: ctx.config.cacheDir, log: ctx.log });
      const properties = join(dir, 'server.properties');
      const log4j = join(dir, 'log4j.properties');
      writeFileSync(properties, serverProperties(ctx.config, join(dir, 'data')));
      writeFileSync(log4j, LOG4J);
      const common = [`-Dlog4j.configuration=file:${log4j}`, `-Dkafka.logs.dir=${dir}`, '-cp', jarsIn(libDir(ctx.config))];
      // KRaft refuses to start on unformatted storage.
      await exec(runtime.java, [
        '-Xmx256m',
        ...common,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        properties,
        '--ignore-formatted',
      ]);
      return { command: runtime.java, args: [...heap(512), marker, ...common, 'kafka.Kafka', properties] };
    },
  };
}
