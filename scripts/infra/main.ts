/**
 * `pnpm infra:up | infra:down | infra:status` (tsx scripts/infra/main.ts ...).
 *
 *   up      installs what is missing into the cache, starts what is not running, waits until every
 *           server answers, and prints the client variables as `export KEY='value'` lines on
 *           stdout, so that after `eval "$(pnpm -s infra:up)"` the services started from that
 *           shell see them; progress goes to stderr
 *   down    stops the servers this checkout started (the cache stays)
 *   status  says, per server, whether it answers and who started it; exits 3 if one does not
 */
import { HOST, loadConfig } from './config.js';
import { isInfraError } from './errors.js';
import { upServers } from './ensure.js';
import { withLock } from './lock.js';
import { seconds, type Log } from './progress.js';
import { inspect, stop, paths, type ServiceContext } from './service.js';
import { allServices } from './services.js';

/** A POSIX shell line exporting `name`: child processes of the shell that evals it inherit it. */
function exportLine(name: string, value: string): string {
  return `export ${name}='${value.replaceAll("'", `'\\''`)}'\n`;
}

const log: Log = (line) => process.stderr.write(`[infra] ${line}\n`);

async function up(ctx: ServiceContext): Promise<void> {
  const env = await withLock(ctx.config.stateDir, log, () => upServers(ctx, allServices(ctx.config)));
  for (const [name, value] of Object.entries(env)) process.stdout.write(exportLine(name, value));
}

async function down(ctx: ServiceContext): Promise<void> {
  await withLock(ctx.config.stateDir, log, async () => {
    // Reverse order: clients of Kafka (none yet among these) would go first.
    for (const service of allServices(ctx.config).reverse()) {
      const since = Date.now();
      const stopped = await stop(ctx, service);
      log(stopped ? `${service.title}: stopped (${seconds(since)})` : `${service.title}: was not running from this checkout`);
    }
  });
}

async function status(ctx: ServiceContext): Promise<number> {
  let allUp = true;
  for (const service of allServices(ctx.config)) {
    const state = await inspect(ctx.config, service);
    const answers = state.kind !== 'stopped' && (await service.readiness().catch(() => 'error')) === undefined;
    allUp &&= answers;
    const who = state.kind === 'ours' ? `pid ${state.pid}, log ${paths(ctx.config, service).logFile}` : 'not started by this checkout';
    const what = state.kind === 'stopped' ? 'stopped' : `${answers ? 'answering' : 'NOT answering'} (${who})`;
    process.stdout.write(`${service.name}: ${what} on ${HOST}:${service.port}\n`);
  }
  return allUp ? 0 : 3;
}

async function main(command: string | undefined): Promise<number> {
  const ctx: ServiceContext = { config: loadConfig(), log };
  switch (command) {
    case 'up':
      await up(ctx);
      return 0;
    case 'down':
      await down(ctx);
      return 0;
    case 'status':
      return status(ctx);
    default:
      process.stderr.write('usage: tsx scripts/infra/main.ts up|down|status\n');
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (err) {
  const code = isInfraError(err) ? err.code : 'WEIR_INFRA';
  process.stderr.write(`[infra] error ${code}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
