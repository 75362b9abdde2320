/**
 * Elasticsearch 7.17 from its server jars on Maven Central (no runnable distribution is published
 * there), started by a small launcher of ours (es/WeirElasticsearch.java) compiled into the cache.
 * 7.x because that is what can be embedded from the published jars; the Node client's major must
 * match it (client 8/9 send compatibility headers a 7.x server refuses).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cachedDir, cachePath } from './cache.js';
import { HOST, type InfraConfig } from './config.js';
import { exec } from './exec.js';
import { findJava, javacBeside } from './java.js';
import { heap, jarsIn } from './jvm.js';
import { copyClasspath } from './maven.js';
import { httpGet } from './probe.js';
import { step } from './progress.js';
import type { Service, ServiceContext } from './service.js';

const VERSION = '7.17.29';
const DEPENDENCIES = [
  { groupId: 'org.elasticsearch', artifactId: 'elasticsearch', version: VERSION },
  { groupId: 'org.elasticsearch.plugin', artifactId: 'transport-netty4-client', version: VERSION },
  { groupId: 'org.elasticsearch.plugin', artifactId: 'reindex-client', version: VERSION },
  { groupId: 'org.elasticsearch.plugin', artifactId: 'mapper-extras-client', version: VERSION },
  // The server logs through log4j's API only; the distribution ships the implementation.
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: '2.17.1' },
];
const LAUNCHER_SOURCE = join(import.meta.dirname, 'es', 'WeirElasticsearch.java');
const LAUNCHER_CLASS = 'WeirElasticsearch';
const INDEX_DEFAULTS_TEMPLATE = 'weir-single-node';

function libDir(config: InfraConfig): string {
  return cachePath(config.cacheDir, `elasticsearch-${VERSION}`, 'libs');
}

/** Keyed by the launcher's source, so an edited launcher is compiled afresh. */
function launcherDir(config: InfraConfig): string {
  const hash = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(VERSION).digest('hex');
  return cachePath(config.cacheDir, `elasticsearch-launcher-${hash.slice(0, 12)}`);
}

/** JVM options the Elasticsearch distribution sets in its jvm.options, minus heap and GC. */
function distributionOptions(javaMajor: number): string[] {
  return [
    // Clients since 7.14 check the product header; older ones look at the flavor, "default" for
    // the standard distribution (the jars leave it "unknown").
    '-Des.distribution.flavor=default',
    '-Des.distribution.type=tar',
    '-Des.networkaddress.cache.ttl=60',
    '-Dfile.encoding=UTF-8',
    '-Djna.nosys=true',
    '-XX:-OmitStackTraceInFastThrow',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dio.netty.allocator.numDirectArenas=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dlog4j2.formatMsgNoLookups=true',
    // 7.x parses dates with the pre-CLDR locale data, which Java 23 removed.
    ...(javaMajor <= 22 ? ['-Djava.locale.providers=SPI,COMPAT'] : []),
  ];
}

export function elasticsearchService(config: InfraConfig): Service {
  const port = config.ports.elasticsearch;
  const url = `http://${HOST}:${port}`;
  return {
    name: 'elasticsearch',
    title: 'Elasticsearch',
    port,
    movedBy: 'WEIR_ES_PORT',
    otherPorts: [{ port: config.ports.elasticsearchTransport, movedBy: 'WEIR_ES_PORT (transport = port + 100)' }],
    startStallMs: 240_000,
    env: { ELASTICSEARCH_URL: url },
    readiness: async () => {
      const root = await httpGet(url);
      if (root.status !== 200) return `GET / answered ${root.status}`;
      if (root.headers['x-elastic-product'] !== 'Elasticsearch') return 'GET / has no X-Elastic-Product header';
      const template = await httpGet(`${url}/_template/${INDEX_DEFAULTS_TEMPLATE}`);
      return template.status === 200 ? undefined : 'the single-node index defaults are not in place yet';
    },

    async install(ctx: ServiceContext): Promise<void> {
      const runtime = await findJava({ min: 17, cacheDir: ctx.config.cacheDir, log: ctx.log });
      const libs = libDir(ctx.config);
      if (!existsSync(libs)) {
        await step(ctx.log, `Elasticsearch ${VERSION}: downloading its server jars from Maven Central`, () =>
          cachedDir(join(libs, '..'), (scratch) => copyClasspath(DEPENDENCIES, scratch, join(scratch, 'libs'))),
        );
      }
      const classes = launcherDir(ctx.config);
      if (existsSync(classes)) return;
      await step(ctx.log, 'Elasticsearch: compiling the launcher', () =>
        cachedDir(classes, async (scratch) => {
          await exec(javacBeside(runtime), ['-proc:none', '-cp', jarsIn(libs), '-d', scratch, LAUNCHER_SOURCE]);
        }),
      );
    },

    async prepare(ctx: ServiceContext, dir: string, marker: string) {
      const runtime = await findJava({ min: 17, cacheDir: ctx.config.cacheDir, log: ctx.log });
      const settings = {
        'path.home': dir,
        'path.data': join(dir, 'data'),
        'path.logs': join(dir, 'logs'),
        'cluster.name': 'weir',
        'node.name': 'weir',
        'network.host': HOST,
        'http.port': port,
        'transport.port': ctx.config.ports.elasticsearchTransport,
        'discovery.type': 'single-node',
        // A nearly full disk would otherwise turn every index read-only in the middle of a test.
        'cluster.routing.allocation.disk.threshold_enabled': false,
        // Without a log4j config file the root level would stay at ERROR and hide why it failed.
        'logger.level': 'INFO',
      };
      const classpath = [jarsIn(libDir(ctx.config)), launcherDir(ctx.config)].join(delimiter);
      return {
        command: runtime.java,
        args: [
          ...heap(512),
          ...distributionOptions(runtime.major),
          marker,
          '-cp',
          classpath,
          LAUNCHER_CLASS,
          ...Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`),
        ],
      };
    },
  };
}
