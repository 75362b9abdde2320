import { parseArgs } from 'node:util';
import { SCORES_TOPIC, createSerde, type ScoreRecord } from '@weir/contracts';
import { DashboardModel, startDashboard } from '@weir/dashboard';
import { FEATURES } from '@weir/features';
import { BACKEND_CHOICES, isBackendChoice } from '@weir/model';
import { loadScoring, runScore, runSessionize, runWindow } from '@weir/pipeline';
import { parseDuration, simulateTraffic } from '@weir/simulator';
import { createEmbeddedBus, whenAborted } from '@weir/stream';
import { UsageError, type Command } from '../command.js';
import { detectionReport } from '../embedded/detection-report.js';
import { FeedGate } from '../embedded/feed-gate.js';
import { dashboardMetrics } from '../embedded/stage-meters.js';
import { TrafficFeeder } from '../embedded/traffic-feeder.js';

const usage =
  'weir start [--duration 60s] [--customers 3] [--speed 60] [--rate 10] [--bot-share 0.3] [--seed 1] ' +
  '[--port 8787] [--host 127.0.0.1] [--model DIR] [--backend auto|cpu|wasm|node] [--summary-every 5s]';

/** Lines the feeder sends at most per tick (the feeder's own default). */
const FEED_LINES_PER_TICK = 20_000;

function number(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${flag} must be a number ≥ ${min}, got '${value}'`);
  return n;
}

function duration(value: string, flag: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new UsageError(`--${flag} takes a duration like 30s, 10m or 2h, got '${value}'`);
  }
}

export const command: Command = {
  summary:
    'Run the whole pipeline in one process (embedded bus and registry) on simulated multi-customer traffic, ' +
    'with a live dashboard. With --duration it stops after that long and prints a report; its last line is JSON.',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        customers: { type: 'string', default: '3' },
        speed: { type: 'string', default: '60' },
        rate: { type: 'string', default: '10' },
        'bot-share': { type: 'string', default: '0.3' },
        seed: { type: 'string', default: '1' },
        port: { type: 'string', default: '8787' },
        host: { type: 'string', default: '127.0.0.1' },
        model: { type: 'string' },
        backend: { type: 'string', default: 'auto' },
        'summary-every': { type: 'string', default: '5s' },
      },
      strict: true,
    });
    const runFor = values.duration === undefined ? null : duration(values.duration, 'duration');
    const speed = number(values.speed, 'speed', 0.001);
    const customers = number(values.customers, 'customers', 1);
    const summaryEvery = duration(values['summary-every'], 'summary-every');

    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    const backend = values.backend;
    if (!isBackendChoice(backend)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, not '${backend}'`);
    const scoring = await loadScoring({ modelDir: values.model, pollMs: 2000, backend });
    const dashboard = new DashboardModel({
      featureDefinitions: Object.fromEntries(FEATURES.map((f) => [f.name, `${f.definition} (${f.unit})`])),
      baselineFeatures: ['request_count', 'session_duration_s', 'inter_arrival_mean_s', 'share_image', 'share_no_referrer', 'share_4xx', 'max_pages_6s'],
    });
    const port = number(values.port, 'port', 0);
    let server;
    try {
      server = await startDashboard({ model: dashboard, port, host: values.host });
    } catch (err) {
      // Let go of what would keep the process alive (the model watcher, the signal handlers):
      // a port in use is one line and an exit, not a stack trace and a hang.
      scoring.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        console.error(`weir start: port ${port} on ${values.host} is in use (another weir start?): pick another with --port N, or --port 0 for any free one`);
        return 1;
      }
      throw err;
    }

    const bus = createEmbeddedBus();
    const registry = {};
    const partitions = 3;
    const simulatedMs = runFor === null ? 7 * 24 * 3_600_000 : Math.ceil(runFor * speed) + 3_600_000;
    const feeder = new TrafficFeeder({
      bus,
      registry,
      speed,
      partitions,
      maxLinesPerTick: FEED_LINES_PER_TICK,
      traffic: simulateTraffic({
        customers,
        durationMs: simulatedMs,
        seed: values.seed,
        ratePerMinute: number(values.rate, 'rate', 0.01),
        botShare: number(values['bot-share'], 'bot-share', 0),
      })[Symbol.iterator](),
      onLines: (customer, count) => {
        dashboard.recordEvents(customer, count);
        dashboard.recordStage('ingest', count);
      },
    });

    // The feeder's next tick waits for sessionize to be within half a tick's lines of it.
    const gate = new FeedGate({ ahead: FEED_LINES_PER_TICK / 2, intervalMs: 100 });
    const sessionizeMetrics = dashboardMetrics(dashboard, 'sessionize');
    const common = { bus, registry, signal: abort.signal, handleSignals: false, partitions, tickIntervalMs: 500 };
    const stages = [
      runSessionize({
        ...common,
        metrics: {
          ...sessionizeMetrics,
          recordsIn: (topic, count) => {
            sessionizeMetrics.recordsIn(topic, count);
            gate.took(count);
          },
        },
        stage: { closeIdleAfterMs: 5000 },
      }),
      runWindow({ ...common, metrics: dashboardMetrics(dashboard, 'window'), stage: { closeIdleAfterMs: 5000 } }),
      runScore({
        ...common,
        metrics: dashboardMetrics(dashboard, 'score'),
        stage: { scorer: scoring.scorer, shadow: scoring.shadow, thresholds: scoring.thresholds },
        onWindow: (summary) => dashboard.recordWindow(summary),
      }),
    ];

    const latest = new Map<string, ScoreRecord>();
    const scoreSerde = createSerde<ScoreRecord>(registry);
    const scoreReader = bus.consumer({ groupId: 'weir-dashboard' });
    await scoreReader.subscribe([SCORES_TOPIC]);
    await scoreReader.run(async (batch) => {
      for (const message of batch.messages) {
        if (message.value === null) continue;
        const score = await scoreSerde.decode(batch.topic, message.value);
        dashboard.recordScore(score);
        if (!score.shadow) latest.set(score.sessionId, score);
      }
    });

    const started = Date.now();
    const cpuAtStart = process.cpuUsage();
    console.log(`weir: dashboard at ${server.url}`);
    console.log(`weir: scoring with ${scoring.description}`);
    console.log(`weir: ${customers} customers of simulated traffic at ${speed}x real time${runFor ? `, for ${runFor / 1000} s` : '; Ctrl-C to stop'}`);

    const feeding = (async () => {
      while (!abort.signal.aborted && !feeder.finished) {
        await feeder.tick(Date.now());
        await (feeder.behind ? gate.wait(feeder.lines) : gate.pause());
      }
    })().catch((err: unknown) => {
      console.error('weir: feeding traffic failed:', err);
      abort.abort();
    });
    let lastSummary = started;
    const summary = setInterval(() => {
      const now = Date.now();
      const report = detectionReport(latest.values(), feeder.truth);
      const stagesLine = dashboard.snapshot().stages.map((s) => `${s.stage} ${Math.round(s.perSecond)}/s`).join(', ');
      console.log(
        `[${((now - started) / 1000).toFixed(0)}s] events ${feeder.lines} · ${stagesLine} · sessions ${report.sessions} · ` +
          `flagged ${report.flagged} · precision ${report.precision.toFixed(3)} recall ${report.recall.toFixed(3)}`,
      );
      lastSummary = now;
    }, summaryEvery);
    const deadline = runFor === null ? null : setTimeout(stop, runFor);

    await whenAborted(abort.signal);
    clearInterval(summary);
    if (deadline) clearTimeout(deadline);
    void lastSummary;
    await Promise.allSettled(stages);
    await scoreReader.stop();
    await feeder.close();
    await feeding;
    await server.close();
    scoring.close();
    await bus.close();

    const elapsed = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const snapshot = dashboard.snapshot();
    const report = detectionReport(latest.values(), feeder.truth);
    const perStage = Object.fromEntries(snapshot.stages.map((s) => [s.stage, Math.round(s.total / elapsed)]));
    console.log(
      `weir: ${feeder.lines} events in ${elapsed.toFixed(1)} s; ${report.sessions} sessions scored; ` +
        `precision ${report.precision.toFixed(3)}, recall ${report.recall.toFixed(3)}; humans flagged ${(100 * report.humansFlaggedShare).toFixed(2)} %`,
    );
    console.log(
      JSON.stringify({
        events: feeder.lines,
        sessions: report.sessions,
        precision: report.precision,
        recall: report.recall,
        humansFlaggedShare: report.humansFlaggedShare,
        recallByFamily: report.recallByFamily,
        eventsPerSecond: perStage,
        seconds: elapsed,
        // The process's CPU time over the same span: on a shared machine events per CPU second
        // compare runs that events/s alone cannot (the process's share of the cores swings).
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        model: scoring.description,
      }),
    );
    return 0;
  },
};
