import { saveModelPipeline } from '@weir/model';
import { UsageError, type Command } from '../command.js';
import { numberFlag, parseFlags } from '../offline/args.js';
import { runReported } from '../offline/errors.js';
import { describeLabelled, INPUT_FLAGS, INPUT_USAGE, LABELS_USAGE, readLabelledSessions, resolveInputFlags } from '../offline/input-flags.js';
import { describeValidation } from '../offline/metrics-summary.js';
import { count } from '../offline/progress.js';
import { DEFAULT_L2, trainOnRows } from '../offline/train-model.js';

const usage = `weir train --input FILE|DIR... [--labels FILE.csv] [--format F] [--session-key K] --out MODEL_DIR [options]

Trains a bot-scoring model pipeline on labelled access logs: every closed session (the same
OfflinePipeline the services mirror) is joined to its label by session key and turned into the
score service's model row (raw features + z and robust z against the customer's window baseline).
Sessions with no label row are left out, and counted. Writes MODEL_DIR/{pipeline.json,model.json,
weights.bin}; the last stdout line is one JSON object (version, rows, counts, validation metrics).

${INPUT_USAGE}
${LABELS_USAGE}
  --out MODEL_DIR       where to write the pipeline (created; a pipeline already there is replaced)
  --seed N              training seed (default 42): same data, flags and seed → same model version
  --epochs N            most epochs (default 60); early stopping on validation loss usually ends sooner
  --patience N          epochs without improvement before stopping (default 6)
  --validation-split F  share of sessions held out, stratified by label and family (default 0.2)
  --l2 F                L2 penalty on the network's kernels (default ${DEFAULT_L2}); see train-model.ts for why not 0`;

export const command: Command = {
  summary: 'Train a bot-scoring model pipeline on labelled access logs (or a weir simulate directory).',
  usage,
  run: (argv) =>
    runReported('train', async () => {
      const { values, positionals } = parseFlags(argv, {
        ...INPUT_FLAGS,
        out: { type: 'string' },
        seed: { type: 'string' },
        epochs: { type: 'string' },
        patience: { type: 'string' },
        'validation-split': { type: 'string' },
        l2: { type: 'string' },
      });
      if (!values.out) throw new UsageError('--out MODEL_DIR is required');
      const settings = {
        seed: numberFlag('seed', values.seed, 42, 0, 2 ** 31 - 1, true),
        epochs: numberFlag('epochs', values.epochs, 60, 1, 10_000, true),
        patience: numberFlag('patience', values.patience, 6, 1, 10_000, true),
        validationSplit: numberFlag('validation-split', values['validation-split'], 0.2, 0.01, 0.9),
        l2: numberFlag('l2', values.l2, DEFAULT_L2, 0, 1),
      };
      const input = resolveInputFlags(values, positionals);
      const started = performance.now();
      const set = await readLabelledSessions(input);
      const readSeconds = (performance.now() - started) / 1000;
      for (const line of describeLabelled(input, set)) console.log(line);
      const bots = set.labels.filter((y) => y === 1).length;
      const data = {
        inputs: input.sources.map((s) => s.path),
        labels: input.labels,
        format: values.format,
        sessionKey: input.sessionKey.spec,
        lines: input.reading.lines,
        rejectedLines: input.reading.rejected,
        sessions: set.sessions,
        labelled: set.rows.length,
        unlabelled: set.unlabelled,
        bots,
        humans: set.rows.length - bots,
        byFamily: set.byFamily,
      };
      console.log(`training on ${count(set.rows.length)} sessions (${readSeconds.toFixed(1)} s to read)...`);
      const pipeline = await trainOnRows(set, data, settings, input.progress);
      await saveModelPipeline(pipeline, values.out);
      const manifest = pipeline.manifest;
      const validation = manifest.validation;
      const training = manifest.training;
      console.log(
        `model ${pipeline.version} → ${values.out}: ${training?.epochsRun ?? '?'} epochs (best ${training?.bestEpoch ?? '?'}), ` +
          `${((training?.durationMs ?? 0) / 1000).toFixed(1)} s training, ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
      );
      if (validation) console.log(['validation split:', ...describeValidation(validation, manifest.thresholds)].join('\n'));
      pipeline.dispose();
      console.log(
        JSON.stringify({
          version: pipeline.version,
          dir: values.out,
          rows: set.rows.length,
          sessions: set.sessions,
          labelled: set.rows.length,
          unlabelled: set.unlabelled,
          bots,
          humans: set.rows.length - bots,
          epochs: training?.epochsRun ?? null,
          trainingMs: training?.durationMs ?? null,
          validation,
        }),
      );
      return 0;
    }),
};
