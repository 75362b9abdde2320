import { CUSTOMER_ID_PATTERN, LOGS_TOPIC_PATTERN, logsTopic } from '@weir/contracts';
import { resolveSessionizerConfig } from '@weir/features';
import { loadScoring } from '@weir/pipeline';
import { loadScoreConfig } from '@weir/score';
import { loadSessionizeConfig } from '@weir/sessionize';
import { createBusFromEnv, parseDuration } from '@weir/stream';
import { loadWindowConfig } from '@weir/window';
import { UsageError, type Command } from '../command.js';
import { parseFlags } from '../offline/args.js';
import { OnlineError, runOnline } from '../online/errors.js';
import { openReplayOutputs } from '../replay/outputs.js';
import { ReplayProgress } from '../replay/progress.js';
import { DEFAULT_INGEST_LAG_MS, defaultCoolDownMs, defaultWarmUpMs, parseTime, type ReplayRange } from '../replay/range.js';
import { replay } from '../replay/replay.js';

const usage = `weir replay --from TIME --to TIME [--customers a,b] [--model DIR] --namespace NS [--es-index-prefix P] [options]

Re-runs sessionize → window → score over the retained weir.logs.* records of an event-time
range (found by Kafka's timestamp offsets) with the stages' own code and settings (the same
WEIR_SESSION_*, WEIR_WINDOW_*, WEIR_THRESHOLDS... environment as the services), and publishes the
sessions that ended in [--from, --to), their final scores, and the final summaries of the windows
starting in it to <NS>.weir.sessions, <NS>.weir.windows and <NS>.weir.scores — and, when
ELASTICSEARCH_URL is set, to the daily indices <P>-yyyy.MM.dd. It never joins, commits or resets a
live consumer group and never writes a live topic or index. Progress per partition on stderr;
the last stdout line is {"events":…,"sessions":…,"scores":…,"seconds":…}.

  --from TIME            start of the range (event time): ISO 8601 with a zone, or epoch ms
  --to TIME              end of the range, exclusive
  --customers a,b        only these customers' log topics (default: every weir.logs.* topic)
  --model DIR            model pipeline to score with (default: WEIR_MODEL_DIR, else the shipped one)
  --namespace NS         prefix of the output topics (required; not the live pipeline's)
  --es-index-prefix P    Elasticsearch index prefix (default weir-scores-<ns>; must differ from WEIR_ES_INDEX_PREFIX)
  --warm-up D            read this much before --from (default WEIR_SESSION_MAX_DURATION + WEIR_SESSION_LATENESS):
                         sessions ending after --from are complete; what is computed there is not published
  --cool-down D          read this much after --to (default gap + both latenesses + a window), so the
                         sessions and windows ending before --to are final
  --ingest-lag D         longest a log line took to reach Kafka after its event (default 5m)
  --quiet                no progress

Exit status: 0 done; 1 a coded failure (bad range, unknown topic, Kafka or Elasticsearch); 2 wrong arguments.`;

const NAMESPACE = /^[A-Za-z0-9_-]{1,100}$/;

function duration(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const parsed = parseDuration(raw);
  if (!parsed.ok) throw new UsageError(`--${flag} '${raw}': ${parsed.problem}`);
  return parsed.value;
}

function time(flag: string, raw: string | undefined): number {
  if (raw === undefined) throw new UsageError(`--${flag} is required`);
  const parsed = parseTime(flag, raw);
  if (typeof parsed !== 'number') throw new UsageError(parsed.problem);
  return parsed;
}

export const command: Command = {
  summary: 'Backfill: re-run sessionize → window → score over a time range of the retained log topics, into <NS>.weir.* and a separate index.',
  usage,
  run: (argv) =>
    runOnline('replay', async () => {
      const { values } = parseFlags(argv, {
        from: { type: 'string' },
        to: { type: 'string' },
        customers: { type: 'string' },
        model: { type: 'string' },
        namespace: { type: 'string' },
        'es-index-prefix': { type: 'string' },
        'warm-up': { type: 'string' },
        'cool-down': { type: 'string' },
        'ingest-lag': { type: 'string' },
        quiet: { type: 'boolean', default: false },
      });
      const namespace = values.namespace;
      if (namespace === undefined) throw new UsageError('--namespace is required: the replay writes <NS>.weir.* topics, never the live ones');
      if (!NAMESPACE.test(namespace)) throw new UsageError(`--namespace '${namespace}': letters, digits, _ and - only`);
      const from = time('from', values.from);
      const to = time('to', values.to);
      if (to <= from) throw new OnlineError('WEIR_CLI_RANGE', `--to (${new Date(to).toISOString()}) must be after --from (${new Date(from).toISOString()})`);

      // The services' own settings: the replay cuts sessions and windows exactly as they do.
      const sessionize = loadSessionizeConfig();
      const window = loadWindowConfig();
      const score = loadScoreConfig();
      if (sessionize.namespace === namespace || score.namespace === namespace) {
        throw new OnlineError('WEIR_CLI_LIVE', `--namespace ${namespace} is the live pipeline's (WEIR_TOPIC_NAMESPACE)`);
      }
      const sessions = resolveSessionizerConfig(sessionize.sessionizer);
      const timings = {
        sessionGapMs: sessions.gapMs,
        sessionMaxDurationMs: sessions.maxDurationMs,
        sessionLatenessMs: sessions.allowedLatenessMs,
        windowSizeMs: window.window.sizeMs ?? 60_000,
        windowLatenessMs: window.window.allowedLatenessMs ?? 60_000,
      };
      const range: ReplayRange = {
        from,
        to,
        warmUpMs: duration('warm-up', values['warm-up'], defaultWarmUpMs(timings)),
        coolDownMs: duration('cool-down', values['cool-down'], defaultCoolDownMs(timings)),
        ingestLagMs: duration('ingest-lag', values['ingest-lag'], DEFAULT_INGEST_LAG_MS),
      };

      let es = score.elasticsearch;
      if (values['es-index-prefix'] !== undefined && es === null) throw new UsageError('--es-index-prefix needs ELASTICSEARCH_URL');
      if (es) {
        const prefix = values['es-index-prefix'] ?? `weir-scores-${namespace.toLowerCase()}`;
        if (!/^[a-z0-9][a-z0-9._-]{0,199}$/.test(prefix)) throw new UsageError(`--es-index-prefix '${prefix}': lower-case letters, digits, . _ -, not starting with . _ -`);
        if (prefix === es.indexPrefix) throw new OnlineError('WEIR_CLI_LIVE', `--es-index-prefix ${prefix} is the live index prefix (WEIR_ES_INDEX_PREFIX)`);
        es = { ...es, indexPrefix: prefix };
      }

      const customers = values.customers?.split(',').map((c) => c.trim()).filter((c) => c !== '');
      for (const c of customers ?? []) if (!CUSTOMER_ID_PATTERN.test(c)) throw new UsageError(`--customers: '${c}' is not a customer id`);

      const started = performance.now();
      const bus = await createBusFromEnv();
      try {
        const existing = (await bus.admin.listTopics()).filter((t) => LOGS_TOPIC_PATTERN.test(t));
        const topics = customers ? customers.map(logsTopic) : existing.sort();
        const missing = topics.filter((t) => !existing.includes(t));
        if (missing.length > 0) throw new OnlineError('WEIR_CLI_TOPIC', `no log topic ${missing.join(', ')}`);
        const scoring = await loadScoring({
          modelDir: values.model ?? score.modelDir,
          thresholds: score.thresholds,
          customerThresholds: score.customerThresholds,
          backend: score.modelBackend,
          pollMs: 3_600_000,
        });
        try {
          const progress = new ReplayProgress(!values.quiet);
          console.error(
            `weir replay: ${topics.length} log topics, events ${new Date(from).toISOString()} → ${new Date(to).toISOString()} ` +
              `(reading from ${new Date(from - range.warmUpMs).toISOString()}, cool-down ${range.coolDownMs / 1000} s, ingest lag ${range.ingestLagMs / 1000} s), ` +
              `${scoring.description} → ${namespace}.weir.*${es ? ` and ${es.indexPrefix}-*` : ''}`,
          );
          const outputs = await openReplayOutputs(bus, namespace, es);
          let result;
          try {
            result = await replay({ bus, topics, range, sessionizer: sessionize.sessionizer, window: window.window, scoring, outputs, progress });
          } finally {
            await outputs.close();
          }
          const seconds = (performance.now() - started) / 1000;
          if (result.undecodable > 0) console.error(`weir replay: ${result.undecodable} log records could not be decoded (printed above)`);
          console.error(
            `weir replay: ${result.events} events (${Math.round(result.events / seconds)} events/s) → ${result.sessions} sessions, ` +
              `${result.windows} windows, ${result.scores} scores; ${result.lateEvents} events too late to place`,
          );
          console.log(JSON.stringify({ events: result.events, sessions: result.sessions, scores: result.scores, seconds: Number(seconds.toFixed(3)), windows: result.windows, undecodable: result.undecodable }));
          return 0;
        } finally {
          scoring.close();
        }
      } finally {
        await bus.close();
      }
    }),
};
