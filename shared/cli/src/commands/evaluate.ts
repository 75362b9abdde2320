import { evaluateModel, writeEvaluationReport } from '@weir/model';
import { MODEL_INPUT_NAMES } from '@weir/pipeline';
import type { Command } from '../command.js';
import { parseFlags } from '../offline/args.js';
import { familiesOf } from '../offline/dataset.js';
import { runReported } from '../offline/errors.js';
import { describeLabelled, INPUT_FLAGS, INPUT_USAGE, LABELS_USAGE, readLabelledSessions, resolveInputFlags } from '../offline/input-flags.js';
import { describeMetrics, summariseEvaluation } from '../offline/metrics-summary.js';
import { BACKEND_FLAG, BACKEND_USAGE, openModel, useBackend } from '../offline/model-dir.js';
import { thresholdsFlag } from '../offline/thresholds-flag.js';

const usage = `weir evaluate [--model MODEL_DIR] --input FILE|DIR... [--labels FILE.csv] [--format F] [--session-key K] [--report DIR]

Scores labelled access logs with a model pipeline and reports accuracy, precision, recall and F1
(bot class and macro), ROC AUC, PR AUC, the confusion matrix, recall per bot family (when the
labels name families) and the share of human sessions flagged. Sessions with no label row are
left out of every metric, and counted. The last stdout line is one JSON object with the metrics.

  --model MODEL_DIR     a pipeline directory (or a directory of versions, as the score service reads);
                        default: the shipped model in models/default
${INPUT_USAGE}
${BACKEND_USAGE}
${LABELS_USAGE}
  --thresholds S,B      judge at these suspicious,bot cut-offs instead of the model's own
  --report DIR          also write DIR/index.html (ROC, PR, score histograms, feature importance) and evaluation.json`;

export const command: Command = {
  summary: 'Evaluate a model pipeline (default: the shipped one) on labelled access logs; optional HTML report.',
  usage,
  run: (argv) =>
    runReported('evaluate', async () => {
      const { values, positionals } = parseFlags(argv, {
        ...INPUT_FLAGS,
        model: { type: 'string' },
        ...BACKEND_FLAG,
        report: { type: 'string' },
        thresholds: { type: 'string' },
      });
      const thresholds = thresholdsFlag(values.thresholds);
      const input = resolveInputFlags(values, positionals);
      await useBackend(values.backend);
      const { pipeline, dir } = await openModel(values.model);
      try {
        const set = await readLabelledSessions(input);
        for (const line of describeLabelled(input, set)) console.log(line);
        const families = familiesOf(set);
        const evaluation = evaluateModel(pipeline, { names: MODEL_INPUT_NAMES, rows: set.rows }, set.labels, {
          ...(families ? { families } : {}),
          ...(thresholds ? { thresholds } : {}),
        });
        const metrics = summariseEvaluation(evaluation);
        console.log([`model ${pipeline.version} (${dir}):`, ...describeMetrics(metrics)].join('\n'));
        const report = values.report ? await writeEvaluationReport(values.report, evaluation) : null;
        if (report) console.log(`report: ${report}`);
        console.log(
          JSON.stringify({
            model: { version: pipeline.version, dir },
            sessions: set.sessions,
            labelled: set.rows.length,
            unlabelled: set.unlabelled,
            ...metrics,
            report,
          }),
        );
        return 0;
      } finally {
        pipeline.dispose();
      }
    }),
};
