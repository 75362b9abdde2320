/**
 * `ensureInfra`: what `pnpm test` calls before running tests. Servers already named in the
 * environment and answering are used as they are; the others are started (installed first if
 * needed) and left running for the next run. Also makes the Python venv for cross-checks.
 */
import { loadConfig, type InfraConfig } from './config.js';
import { infraError } from './errors.js';
import { liveFromEnvironment } from './external.js';
import { withLock } from './lock.js';
import type { Log } from './progress.js';
import { ensureVenv } from './python.js';
import { ensureRunning, inspect, type Service, type ServiceContext } from './service.js';
import { allServices } from './services.js';

/** Starts what is not running among `services`; returns their client variables. */
export async function upServers(ctx: ServiceContext, services: Service[]): Promise<Record<string, string>> {
  // Installs one at a time (concurrent mvn runs race on the local repository), then starts all
  // together: the JVMs boot faster side by side than one after another.
  for (const service of services) {
    if ((await inspect(ctx.config, service)).kind === 'stopped') await service.install(ctx);
  }
  const results = await Promise.allSettled(services.map((service) => ensureRunning(ctx, service)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    throw infraError('WEIR_INFRA_START', messages.join('\n\n'));
  }
  return Object.assign({}, ...services.map((s) => s.env)) as Record<string, string>;
}

function notNamedIn(found: Record<string, string>): (service: Service) => boolean {
  return (service) => !Object.keys(service.env).every((name) => name in found);
}

export async function ensureInfra(opts: { log: (line: string) => void }): Promise<Record<string, string>> {
  const config: InfraConfig = loadConfig();
  const ctx: ServiceContext = { config, log: opts.log };
  const external = await liveFromEnvironment(process.env);
  return withLock(config.stateDir, opts.log, async () => {
    const started = await upServers(ctx, allServices(config).filter(notNamedIn(external)));
    const python = process.env.WEIR_PYTHON?.trim() || (await ensureVenv(config.repoRoot, opts.log));
    return { ...started, ...external, WEIR_PYTHON: python };
  });
}
