/**
 * Apicurio Registry 3.3 for its Confluent-compatible API (Confluent's own registry is not on Maven
 * Central). It runs from the unpacked Quarkus app archive and keeps schemas in memory.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cachedDir, cachePath } from './cache.js';
import { HOST, type InfraConfig } from './config.js';
import { infraError } from './errors.js';
import { exec } from './exec.js';
import { findJava } from './java.js';
import { heap } from './jvm.js';
import { copyArtifact } from './maven.js';
import { httpGet } from './probe.js';
import { step } from './progress.js';
import type { Service, ServiceContext } from './service.js';

const VERSION = '3.3.3';
const ARTIFACT = `io.apicurio:apicurio-registry-app:${VERSION}:tar.gz:all`;
const ARCHIVE = `apicurio-registry-app-${VERSION}-all.tar.gz`;
// The registry's classes are compiled for Java 21.
const JAVA_MIN = 21;

function entryDir(config: InfraConfig): string {
  return cachePath(config.cacheDir, `apicurio-registry-${VERSION}`);
}

/** The launcher's place inside the archive moved between releases, so look for it. */
function findRunner(dir: string, depth = 3): string | undefined {
  if (existsSync(join(dir, 'quarkus-run.jar'))) return join(dir, 'quarkus-run.jar');
  if (depth === 0) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const found = findRunner(join(dir, entry.name), depth - 1);
    if (found) return found;
  }
  return undefined;
}

export function registryService(config: InfraConfig): Service {
  const port = config.ports.registry;
  const base = `http://${HOST}:${port}/apis/ccompat/v7`;
  return {
    name: 'registry',
    title: 'Schema registry (Apicurio)',
    port,
    movedBy: 'WEIR_REGISTRY_PORT',
    otherPorts: [{ port: config.ports.registryManagement, movedBy: 'WEIR_REGISTRY_PORT (management = port + 10)' }],
    startStallMs: 180_000,
    env: { SCHEMA_REGISTRY_URL: base },
    readiness: async () => {
      const answer = await httpGet(`${base}/subjects`);
      return answer.status === 200 ? undefined : `GET /subjects answered ${answer.status}`;
    },

    async install(ctx: ServiceContext): Promise<void> {
      await findJava({ min: JAVA_MIN, cacheDir: ctx.config.cacheDir, log: ctx.log });
      const dir = entryDir(ctx.config);
      if (existsSync(dir)) return;
      await step(ctx.log, `Apicurio Registry ${VERSION}: downloading (about 160 MB) and unpacking`, () =>
        cachedDir(dir, async (scratch) => {
          const download = join(scratch, 'download');
          await copyArtifact(ARTIFACT, scratch, download);
          await exec('tar', ['-xzf', join(download, ARCHIVE), '-C', scratch]);
          rmSync(download, { recursive: true, force: true });
          if (!findRunner(scratch)) {
            throw infraError('WEIR_INFRA_INSTALL', `no quarkus-run.jar inside ${ARTIFACT}`);
          }
        }),
      );
    },

    async prepare(ctx: ServiceContext, _dir: string, marker: string) {
      const runtime = await findJava({ min: JAVA_MIN, cacheDir: ctx.config.cacheDir, log: ctx.log });
      const runner = findRunner(entryDir(ctx.config));
      if (!runner) throw infraError('WEIR_INFRA_INSTALL', `no quarkus-run.jar under ${entryDir(ctx.config)}`);
      const settings = {
        'quarkus.http.host': HOST,
        'quarkus.http.port': port,
        'quarkus.management.host': HOST,
        'quarkus.management.port': ctx.config.ports.registryManagement,
        // Without a global rule Apicurio reports NONE for a subject where Confluent answers 404,
        // and Confluent's clients then fail to register.
        'apicurio.rules.global.compatibility': 'BACKWARD',
        // Confluent's registry lets clients delete subjects and versions; tests clean up that way.
        'apicurio.rest.deletion.group.enabled': true,
        'apicurio.rest.deletion.artifact.enabled': true,
        'apicurio.rest.deletion.artifact-version.enabled': true,
      };
      const properties = Object.entries(settings).map(([k, v]) => `-D${k}=${String(v)}`);
      return { command: runtime.java, args: [...heap(512), marker, ...properties, '-jar', runner] };
    },
  };
}
