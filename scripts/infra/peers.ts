/**
 * The peer engines of `pnpm bench peers`, installed into the download cache:
 * - PySpark from PyPI, pinned to the release whose `spark-sql-kafka-0-10_2.12` connector resolves
 *   from Maven Central (3.5.4–3.5.6 and 4.0.0 do not); the connector itself is fetched by Spark's
 *   own Ivy through `spark.jars.packages`, into a cache directory of its own;
 * - the Kafka Streams job of bench/peers/kafka-streams, built with Maven, with its runtime classpath.
 */
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cachedDir } from './cache.js';
import { exec } from './exec.js';
import { step, type Log } from './progress.js';

export const SPARK_VERSION = '3.5.3';
/** Spark's Kafka source and sink, for the Scala build the PyPI wheel ships (2.12). */
export const SPARK_KAFKA_PACKAGE = `org.apache.spark:spark-sql-kafka-0-10_2.12:${SPARK_VERSION}`;
const PYSPARK = [`pyspark==${SPARK_VERSION}`, 'py4j==0.10.9.7'];

export interface PySpark {
  /** Directory to put on PYTHONPATH: pyspark and py4j, installed with `pip --target`. */
  pythonPath: string;
  /** Ivy's cache for spark.jars.packages (`spark.jars.ivy`), kept beside it. */
  ivyDir: string;
}

export async function ensurePySpark(cacheDir: string, log: Log): Promise<PySpark> {
  const pythonPath = await step(log, `PySpark ${SPARK_VERSION} from PyPI (about 320 MB, cached in ${cacheDir})`, () =>
    cachedDir(join(cacheDir, `pyspark-${SPARK_VERSION}`), async (scratch) => {
      await exec('python3', ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--target', scratch, ...PYSPARK]);
    }),
  );
  return { pythonPath, ivyDir: join(cacheDir, 'ivy') };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== 'target')
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

/** A hash of the Maven project's sources: a changed job is built again, into a cache entry of its own. */
function sourceHash(projectDir: string): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(projectDir).sort()) {
    hash.update(relative(projectDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

export interface KafkaStreamsJob {
  /** Directory holding the job's jar and every runtime dependency: `java -cp '<dir>/*'`. */
  classpath: string;
}

export async function ensureKafkaStreamsJob(projectDir: string, cacheDir: string, log: Log): Promise<KafkaStreamsJob> {
  const dir = join(cacheDir, 'peers', `kafka-streams-${sourceHash(projectDir)}`);
  const classpath = await step(log, `Kafka Streams job: mvn package (dependencies from Maven Central, cached in ${dir})`, () =>
    cachedDir(dir, async (scratch) => {
      // Built in the scratch copy: the checkout gets no target/ directory.
      const work = join(scratch, 'src-copy');
      cpSync(projectDir, work, { recursive: true, filter: (src) => !src.includes(`${projectDir}/target`) });
      const mvn = ['-B', '-q', '-ntp', '-Dstyle.color=never'];
      await exec('mvn', [...mvn, 'package', '-DskipTests'], { cwd: work });
      await exec('mvn', [...mvn, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(scratch, 'lib')}`], { cwd: work });
      for (const jar of readdirSync(join(work, 'target')).filter((f) => f.endsWith('.jar'))) cpSync(join(work, 'target', jar), join(scratch, 'lib', jar));
    }),
  );
  return { classpath: join(classpath, 'lib') };
}
