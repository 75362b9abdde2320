/** Fetches jars and archives from Maven Central with the machine's own `mvn`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.js';

export interface Dependency {
  groupId: string;
  artifactId: string;
  version: string;
}

// Batch mode and no transfer chatter: the output is only read when something fails.
const MVN = ['-B', '-q', '-ntp', '-Dstyle.color=never'];

function throwawayPom(dependencies: readonly Dependency[]): string {
  const deps = dependencies
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId>` +
        `<version>${d.version}</version></dependency>`,
    )
    .join('\n');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>weir.infra</groupId>
  <artifactId>classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** Copies the runtime classpath of `dependencies` (transitively) into `outDir`. */
export async function copyClasspath(dependencies: readonly Dependency[], workDir: string, outDir: string): Promise<void> {
  writeFileSync(join(workDir, 'pom.xml'), throwawayPom(dependencies));
  await exec(
    'mvn',
    [...MVN, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outDir}`],
    { cwd: workDir },
  );
}

/**
 * Copies one artifact (`group:artifact:version[:type[:classifier]]`) into `outDir`, without its
 * dependencies: resolving those reaches for repositories other than Central, which fails here.
 */
export async function copyArtifact(coordinates: string, workDir: string, outDir: string): Promise<void> {
  await exec('mvn', [...MVN, 'dependency:get', `-Dartifact=${coordinates}`, '-Dtransitive=false'], { cwd: workDir });
  // Already in the local repository now, so the copy needs no network.
  await exec(
    'mvn',
    [...MVN, '-o', 'dependency:copy', `-Dartifact=${coordinates}`, `-DoutputDirectory=${outDir}`],
    { cwd: workDir },
  );
}
