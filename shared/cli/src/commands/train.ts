import { writeFile } from 'node:fs/promises';
import { MODEL_FAMILIES, saveModelPipeline, type CrossValidationSummary, type ModelFamily, type ThresholdTarget } from '@weir/model';
import { UsageError, type Command } from '../command.js';
import { numberFlag, parseFlags } from '../offline/args.js';
import { runReported } from '../offline/errors.js';
import { describeLabelled, INPUT_FLAGS, INPUT_USAGE, LABELS_USAGE, readLabelledSessions, resolveInputFlags } from '../offline/input-flags.js';
import { describeValidation } from '../offline/metrics-summary.js';
import { count } from '../offline/progress.js';
import { DEFAULT_L2, trainOnRows, trainOnRowsCrossValidated } from '../offline/train-model.js';
import type { LabelledRows } from '../offline/dataset.js';

const usage = `weir train --input FILE|DIR... [--labels FILE.csv] [--format F] [--session-key K] --out MODEL_DIR [options]

Trains a bot-scoring model pipeline on labelled access logs: every closed session (the same
OfflinePipeline the services mirror) is joined to its label by session key and turned into the
score service's model row (raw features + z and robust z against the customer's window baseline).
Sessions with no label row are left out, and counted.

By default it cross-validates (--cv 5): folds by session (no session in two folds), or by time;
in every fold each candidate family (logistic regression, MLP, gradient-boosted trees) is trained
on the other folds and scores the held-out one, after every epoch or round. Per family the
iteration count with the lowest pooled out-of-fold log loss is kept (early stopping judged by
cross-validation); the family with the lowest calibrated out-of-fold log loss wins. Scores are
calibrated (Platt) on the out-of-fold scores, the thresholds chosen on them (max F1, or
--max-human-flag-rate), the pooled out-of-fold metrics printed, and the final model trained on every
row. Writes MODEL_DIR/pipeline.json with model.json + weights.bin (logistic, mlp) or trees.json;
the last stdout line is one JSON object (version, family, thresholds, rows, counts, metrics).

${INPUT_USAGE}
${LABELS_USAGE}
  --out MODEL_DIR       where to write the pipeline (created; a pipeline already there is replaced)
  --seed N              training seed (default 42): same data, flags and seed → same model version
  --cv K                folds of cross-validation (default 5); 0: the single validation split below, MLP only
  --cv-by session|time  folds of sessions dealt at random, stratified by label and family (default), or
                        K consecutive blocks of session start time
  --family F            auto (default: chosen by cross-validation), or one or more of
                        ${MODEL_FAMILIES.join(', ')} (comma-separated)
  --max-human-flag-rate R  thresholds that flag at most this share of out-of-fold humans (e.g. 0.01);
                        default: the threshold of maximum out-of-fold F1
  --oof FILE.csv        write every labelled session's fold and calibrated out-of-fold score
  With --cv 0:
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
        cv: { type: 'string' },
        'cv-by': { type: 'string', default: 'session' },
        family: { type: 'string', default: 'auto' },
        'max-human-flag-rate': { type: 'string' },
        oof: { type: 'string' },
      });
      if (!values.out) throw new UsageError('--out MODEL_DIR is required');
      const settings = {
        seed: numberFlag('seed', values.seed, 42, 0, 2 ** 31 - 1, true),
        epochs: numberFlag('epochs', values.epochs, 60, 1, 10_000, true),
        patience: numberFlag('patience', values.patience, 6, 1, 10_000, true),
        validationSplit: numberFlag('validation-split', values['validation-split'], 0.2, 0.01, 0.9),
        l2: numberFlag('l2', values.l2, DEFAULT_L2, 0, 1),
      };
      const folds = numberFlag('cv', values.cv, 5, 0, 100, true);
      if (folds === 1) throw new UsageError('--cv must be 0 (no cross-validation) or at least 2');
      const by = values['cv-by'];
      if (by !== 'session' && by !== 'time') throw new UsageError(`--cv-by must be session or time, got '${by}'`);
      const candidates = parseFamilies(values.family);
      if (folds === 0 && !(candidates.length === 1 && candidates[0] === 'mlp') && values.family !== 'auto') {
        throw new UsageError('--cv 0 trains the MLP only: choose a family with --cv K');
      }
      const flagRate = values['max-human-flag-rate'];
      const target: ThresholdTarget =
        flagRate === undefined ? { kind: 'max-f1' } : { kind: 'max-human-flag-rate', rate: numberFlag('max-human-flag-rate', flagRate, 0.01, 0, 1) };
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
      let cv: CrossValidationSummary | null = null;
      let pipeline;
      if (folds >= 2) {
        console.log(`cross-validating ${candidates.join(', ')} on ${count(set.rows.length)} sessions, ${folds} folds by ${by} (${readSeconds.toFixed(1)} s to read)...`);
        const result = await trainOnRowsCrossValidated(set, data, { seed: settings.seed, l2: settings.l2, folds, by, candidates, target }, input.progress);
        pipeline = result.pipeline;
        cv = result.summary;
        for (const line of describeCrossValidation(cv)) console.log(line);
        if (values.oof) await writeOof(values.oof, set, result.foldOf, result.oofScores);
      } else {
        console.log(`training on ${count(set.rows.length)} sessions (${readSeconds.toFixed(1)} s to read)...`);
        pipeline = await trainOnRows(set, data, settings, input.progress);
      }
      await saveModelPipeline(pipeline, values.out);
      const manifest = pipeline.manifest;
      const validation = manifest.validation;
      const training = manifest.training;
      console.log(
        `model ${pipeline.version} (${pipeline.family}) → ${values.out}: ${training?.epochsRun ?? '?'} ${pipeline.family === 'trees' ? 'rounds' : 'epochs'}` +
          `${cv ? '' : ` (best ${training?.bestEpoch ?? '?'})`}, ${((training?.durationMs ?? 0) / 1000).toFixed(1)} s training, ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
      );
      console.log(`thresholds (stored in pipeline.json): suspicious ${manifest.thresholds.suspicious.toFixed(4)}, bot ${manifest.thresholds.bot.toFixed(4)}`);
      if (validation && !cv) console.log(['validation split:', ...describeValidation(validation, manifest.thresholds)].join('\n'));
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
          family: pipeline.family,
          thresholds: manifest.thresholds,
          crossValidation: cv,
          epochs: training?.epochsRun ?? null,
          trainingMs: training?.durationMs ?? null,
          validation,
        }),
      );
      return 0;
    }),
};

function parseFamilies(value: string): ModelFamily[] {
  if (value === 'auto') return [...MODEL_FAMILIES];
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!MODEL_FAMILIES.includes(name as ModelFamily)) throw new UsageError(`--family must be auto or one or more of ${MODEL_FAMILIES.join(', ')}, got '${name}'`);
  }
  return [...new Set(names)] as ModelFamily[];
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const dec = (v: number | null): string => (v === null ? '—' : v.toFixed(4));

/** The cross-validation table and the pooled out-of-fold figures of the chosen family, before the final fit. */
export function describeCrossValidation(cv: CrossValidationSummary): string[] {
  const target = cv.target.kind === 'max-f1' ? 'max F1' : `at most ${pct(cv.target.rate)} of humans flagged`;
  return [
    `${cv.folds}-fold cross-validation by ${cv.by}, thresholds for ${target} (out-of-fold, calibrated):`,
    `  ${'family'.padEnd(9)} ${'iters'.padStart(5)} ${'log loss'.padStart(8)} ${'ROC AUC'.padStart(8)} ${'PR AUC'.padStart(8)} ${'accuracy'.padStart(9)} ${'bot F1'.padStart(7)} ${'humans flagged'.padStart(15)}`,
    ...cv.familyResults.map(
      (r) =>
        `  ${r.family.padEnd(9)} ${String(r.iterations).padStart(5)} ${r.calibratedLogLoss.toFixed(4).padStart(8)} ${dec(r.rocAuc).padStart(8)} ${dec(r.prAuc).padStart(8)} ${pct(r.accuracy).padStart(9)} ${r.f1.toFixed(4).padStart(7)} ${pct(r.flaggedHumanShare).padStart(15)}${r.family === cv.chosen ? '  ← chosen' : ''}`,
    ),
    `chosen: ${cv.chosen}: ${cv.reason}`,
    'pooled out-of-fold metrics of the chosen family:',
    ...describeValidation(cv.pooled, cv.thresholds),
    `  calibration: Platt a=${cv.calibration.a.toFixed(4)} b=${cv.calibration.b.toFixed(4)}, expected calibration error ${cv.calibrationError.toFixed(4)}`,
  ];
}

async function writeOof(path: string, set: LabelledRows, foldOf: Int32Array, scores: Float64Array): Promise<void> {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = ['session,fold,label,score'];
  set.keys.forEach((key, i) => lines.push(`${quote(key)},${foldOf[i]},${set.labels[i]},${(scores[i] as number).toFixed(6)}`));
  await writeFile(path, lines.join('\n') + '\n');
}
