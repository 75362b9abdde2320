import type { ScoreLabel } from '@weir/contracts';
import { ModelScorer } from '@weir/pipeline';
import { UsageError, type Command } from '../command.js';
import { parseFlags } from '../offline/args.js';
import { runReported } from '../offline/errors.js';
import { INPUT_FLAGS, INPUT_USAGE, resolveInputFlags } from '../offline/input-flags.js';
import { BACKEND_FLAG, BACKEND_USAGE, openModel, useBackend } from '../offline/model-dir.js';
import { NdjsonWriter } from '../offline/ndjson.js';
import { count } from '../offline/progress.js';
import { scoreSessions } from '../offline/score-sessions.js';
import { thresholdsFlag } from '../offline/thresholds-flag.js';

const { labels: _labels, ...SCORE_INPUT_FLAGS } = INPUT_FLAGS;

const usage = `weir score [--model MODEL_DIR] --input FILE|DIR... [--format F] [--session-key K] --out FILE.ndjson|-

Scores every closed session of access logs with a model pipeline, through the code the score
service runs (OfflinePipeline's final sessions with their window baselines, ModelScorer): one
JSON line per session in the weir.scores record shape — sessionKey, customer, firstTime,
lastTime, requestCount, score, label (human/suspicious/bot) and, unless human, the reasons.

  --model MODEL_DIR     a pipeline directory (or a directory of versions); default: the shipped models/default
${INPUT_USAGE}
${BACKEND_USAGE}
  --thresholds S,B      label at these suspicious,bot cut-offs instead of the model's own
  --out FILE            where to write, - for stdout`;

export const command: Command = {
  summary: 'Score the sessions of access logs with a model pipeline (default: the shipped one): one JSON line per session.',
  usage,
  run: (argv) =>
    runReported('score', async () => {
      const { values, positionals } = parseFlags(argv, {
        ...SCORE_INPUT_FLAGS,
        model: { type: 'string' },
        ...BACKEND_FLAG,
        thresholds: { type: 'string' },
        out: { type: 'string' },
      });
      if (!values.out) throw new UsageError('--out is required (a file, or - for stdout)');
      const override = thresholdsFlag(values.thresholds);
      const input = resolveInputFlags(values, positionals);
      await useBackend(values.backend);
      const { pipeline, dir } = await openModel(values.model);
      try {
        const thresholds = override ?? pipeline.thresholds;
        const out = new NdjsonWriter(values.out);
        const labels: Record<ScoreLabel, number> = { human: 0, suspicious: 0, bot: 0 };
        const started = performance.now();
        for await (const record of scoreSessions(input.reading.sessions(), new ModelScorer(() => pipeline), () => thresholds)) {
          labels[record.label]++;
          await out.write(record);
        }
        await out.close();
        const print = values.out === '-' ? console.error : console.log;
        for (const line of input.reading.describe()) print(line);
        print(
          `model ${pipeline.version} (${dir}), suspicious ≥ ${thresholds.suspicious}, bot ≥ ${thresholds.bot}: ` +
            `${count(out.lines)} sessions scored — ${count(labels.bot)} bot, ${count(labels.suspicious)} suspicious, ${count(labels.human)} human; ` +
            `${((performance.now() - started) / 1000).toFixed(1)} s → ${values.out}`,
        );
        return 0;
      } finally {
        pipeline.dispose();
      }
    }),
};
