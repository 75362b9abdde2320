/**
 * The peer job of `pnpm bench peers` through weir's own stages, on Kafka:
 *   parse:      raw log lines (keyed `<customer>|<ip>|<ua>`) → RequestEvent on `weir.logs.<run>`
 *   sessionize: weir's sessionize stage → `<run>.weir.sessions`
 *   window:     weir's window stage (per customer, 1-minute windows) → `<run>.weir.windows`
 * with weir's defaults: 30 min gap, 60 s lateness, every session feature, window summaries with
 * moments and quantile sketches of each.
 *
 * usage: weir-job.ts <input topic> <run> <stage>[,<stage>...]
 * One process per stage by default (the bench starts three); prints `weir-peer ready` once every
 * stage it runs has joined its group. KAFKA_BROKERS and SCHEMA_REGISTRY_URL as for the services.
 */
import { logsTopic, type RequestEvent, createSerde } from '../../shared/contracts/src/index.js';
import type { SessionizerConfig } from '../../shared/features/src/index.js';
import { parserFor, type LogParser } from '../../shared/logs/src/index.js';
import { runSessionize, runWindow } from '../../shared/pipeline/src/index.js';
import { createBusFromEnv, createLogger, runStage, silentLogger, stageSerde, type Logger, type Serde, type Stage } from '../../shared/stream/src/index.js';

export const READY_LINE = 'weir-peer ready';

/**
 * The sessionizer's settings in this job (and in the offline reference its windows are checked
 * against): weir's defaults. Not without the open sessions' updates, though the peers window closed
 * sessions only: a closed session's record comes a whole gap (30 min) after its last event, past
 * the window stage's lateness, so weir's windows count a session through its updates.
 */
export const WEIR_SESSIONIZER: SessionizerConfig = {};
export const STAGES = ['parse', 'sessionize', 'window'] as const;
export type PeerStage = (typeof STAGES)[number];

/** The run's log topic: one for every customer, partitioned like the input (the key is kept). */
export const runLogsTopic = (run: string) => logsTopic(run);

const lineSerde: Serde<string> = {
  encode: async (_topic, value) => Buffer.from(value, 'utf8'),
  decode: async (_topic, bytes) => bytes.toString('utf8'),
};

/**
 * Raw lines → request events. The customer is the key's first field. A line that does not parse
 * throws with the parser's reason, so the runner dead-letters it with that reason.
 */
export function parseStage(output: string): Stage<string, RequestEvent> {
  const parsers = new Map<string, LogParser>();
  let lineNo = 0;
  return {
    name: 'parse',
    process: (records) =>
      records.map((record) => {
        const key = record.key?.toString('utf8') ?? '';
        const customer = key.slice(0, Math.max(0, key.indexOf('|')));
        if (!customer) throw new Error(`WEIR_PEERS_KEY: key ${JSON.stringify(key)} does not start with '<customer>|'`);
        let parser = parsers.get(customer);
        if (!parser) parsers.set(customer, (parser = parserFor('combined', { customer })));
        const result = parser.parseLine(record.value, ++lineNo);
        if (!result) throw new Error('WEIR_PEERS_LINE: blank line');
        if (!result.ok) throw new Error(`WEIR_PEERS_LINE: ${result.reason}`);
        // Keyed as it came: the same partition as the input's, so each partition's event time holds.
        return { topic: output, key: record.key, value: result.event };
      }),
  };
}

/** WEIR_PEERS_LOG_LEVEL=<pino level>: the stages' and the client's logs as JSON lines on stdout, beside the ready line; silent by default. */
function jobLogger(): Logger {
  const level = process.env.WEIR_PEERS_LOG_LEVEL;
  return level ? createLogger('weir-peer', { level }) : silentLogger();
}

async function main(): Promise<void> {
  const [input, run, stagesArg] = process.argv.slice(2);
  if (!input || !run || !stagesArg) throw new Error('usage: weir-job.ts <input topic> <run> <stage>[,<stage>...]');
  const stages = stagesArg.split(',') as PeerStage[];
  const unknown = stages.filter((s) => !STAGES.includes(s));
  if (unknown.length > 0) throw new Error(`WEIR_PEERS_STAGE: unknown stage(s) ${unknown.join(', ')}`);
  const logger = jobLogger();
  const bus = await createBusFromEnv(logger, { ...process.env, WEIR_BUS: 'kafka' });
  const abort = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => abort.abort());
  let started = 0;
  const onStarted = () => {
    if (++started === stages.length) console.log(READY_LINE);
  };
  const common = { bus, signal: abort.signal, handleSignals: false, namespace: run, logger, partitions: 4, onStarted };
  const logs = runLogsTopic(run);
  // As many partitions as the input: the parse stage keeps each record's key, hence its partition.
  await bus.admin.createTopics([{ topic: logs, partitions: await bus.admin.partitionCount(input) }]);
  await Promise.all(
    stages.map((stage) => {
      switch (stage) {
        case 'parse':
          return runStage({
            bus,
            groupId: `${run}-parse`,
            input: [input],
            stage: parseStage(logs),
            serde: stageSerde(lineSerde, createSerde<RequestEvent>()),
            signal: abort.signal,
            handleSignals: false,
            logger,
            onStarted,
          });
        case 'sessionize':
          return runSessionize({ ...common, groupId: `${run}-sessionize`, input: new RegExp(`^${logs.replace(/\./g, '\\.')}$`), stage: { sessionizer: WEIR_SESSIONIZER } });
        case 'window':
          return runWindow({ ...common, groupId: `${run}-window` });
      }
    }),
  );
  await bus.close();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
