/**
 * `pnpm bench detection`: weir's `train --cv 5` (the same code: family choice, iterations,
 * calibration and thresholds from out-of-fold scores) against scikit-learn's logistic regression,
 * random forest and histogram gradient boosting, on the same model rows (the session features and
 * their z / robust z against the customer's window baseline, as `weir train` reads them) and the
 * same folds. Every learner's figures are computed here from its out-of-fold scores, the same
 * way: accuracy at score ≥ 0.5 (a calibrated probability's even odds; scikit-learn's `predict`),
 * and for weir also at the threshold it stores (chosen on those same out-of-fold scores, so a little
 * optimistic). Datasets: the simulator, and every real labelled set found under
 * ~/.cache/weir/real-logs (WEIR_REAL_LOGS): a directory with dataset.json ({input, labels, format,
 * sessionKey, weakLabels?}, paths relative to it). `scripts/real-logs/erddap.ts` prepares one: a
 * real ERDDAP server's nginx log with weak labels from what each user agent declares (marked as
 * such in the table: with them, the user-agent features nearly give the answer away). No real log
 * labelled by who was behind each session could be obtained from the package registries. Figures
 * are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureSetFingerprint } from '../shared/features/src/index.js';
import { confusionMatrix, classificationMetrics, rocAuc, trainCrossValidated } from '../shared/model/src/index.js';
import { MODEL_INPUT_NAMES } from '../shared/pipeline/src/index.js';
import { writeSimulation } from '../shared/simulator/src/index.js';
import { labelledRows, type LabelledRows } from '../shared/cli/src/offline/dataset.js';
import { resolveInputFlags } from '../shared/cli/src/offline/input-flags.js';
import { readLabels } from '../shared/cli/src/offline/labels.js';
import type { BenchResult } from './result.js';

interface Dataset {
  name: string;
  input: string[];
  labels: string[];
  format: string;
  sessionKey: string;
  /** Labels inferred from the user agents, not known: said so in the table. */
  weakLabels?: boolean;
}

const repoRoot = join(import.meta.dirname, '..');

async function rowsOf(d: Dataset): Promise<LabelledRows> {
  const input = resolveInputFlags({ input: d.input, labels: d.labels, format: d.format, 'session-key': d.sessionKey, timezone: 'UTC', quiet: true }, []);
  return labelledRows(input.reading.sessions(), await readLabels(input.labels));
}

interface Figures {
  accuracy: number;
  f1: number;
  rocAuc: number | null;
  humansFlagged: number;
}

function figures(scores: ArrayLike<number>, labels: readonly number[], threshold: number): Figures {
  const cm = confusionMatrix(scores, labels, threshold);
  const c = classificationMetrics(cm);
  return { accuracy: c.accuracy, f1: c.bot.f1, rocAuc: rocAuc(scores, labels), humansFlagged: cm.fp / Math.max(1, cm.fp + cm.tn) };
}

function python(): string | null {
  const venv = join(repoRoot, '.venv', 'bin', 'python');
  const candidate = process.env.WEIR_PYTHON?.trim() || venv;
  return existsSync(candidate) ? candidate : null;
}

/** Real labelled sets in the cache: one directory each with dataset.json. */
function realDatasets(): Dataset[] {
  const cache = process.env.WEIR_REAL_LOGS ?? join(process.env.HOME ?? '/root', '.cache', 'weir', 'real-logs');
  if (!existsSync(cache)) return [];
  return readdirSync(cache)
    .filter((name) => existsSync(join(cache, name, 'dataset.json')))
    .map((name) => {
      const spec = JSON.parse(spawnSync('cat', [join(cache, name, 'dataset.json')], { encoding: 'utf8' }).stdout) as Omit<Dataset, 'name'>;
      return { name, ...spec, input: spec.input.map((p) => join(cache, name, p)), labels: spec.labels.map((p) => join(cache, name, p)) };
    });
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-detection-'));
  await writeSimulation({ outDir: join(dir, 'sim'), customers: 2, durationMs: 45 * 60_000, seed: 'bench-detection' });
  const datasets: Dataset[] = [
    { name: 'simulator', input: [join(dir, 'sim')], labels: [join(dir, 'sim', 'labels.csv')], format: 'combined', sessionKey: 'ip_ua' },
    ...realDatasets(),
  ];
  const py = python();
  if (py === null) console.log('  (no Python venv with scikit-learn: run bash scripts/setup.sh --test; weir alone is measured)');
  const table: string[] = [];
  const results: BenchResult[] = [];
  for (const d of datasets) {
    const set = await rowsOf(d);
    const started = performance.now();
    const cv = await trainCrossValidated({
      names: MODEL_INPUT_NAMES,
      rows: set.rows,
      labels: set.labels,
      times: set.times,
      fingerprint: featureSetFingerprint,
      folds: 5,
      seed: 42,
    });
    const seconds = (performance.now() - started) / 1000;
    const bots = set.labels.filter((y) => y === 1).length;
    const rows: [string, Figures, string][] = [
      [`weir train --cv 5 (${cv.summary.chosen})`, figures(cv.oofScores, set.labels, 0.5), `${seconds.toFixed(0)} s`],
      [`  at its stored threshold ${cv.summary.thresholds.bot.toFixed(3)}`, figures(cv.oofScores, set.labels, cv.summary.thresholds.bot), ''],
    ];
    cv.pipeline.dispose();
    if (py !== null) {
      const csv = join(dir, `${d.name}.csv`);
      const lines = [['fold', 'label', ...MODEL_INPUT_NAMES].join(',')];
      set.rows.forEach((row, i) => lines.push([cv.foldOf[i], set.labels[i], ...row.map((v) => (Number.isFinite(v) ? v : 0))].join(',')));
      writeFileSync(csv, lines.join('\n') + '\n');
      const t0 = performance.now();
      const out = spawnSync(py, [join(import.meta.dirname, 'detection_sklearn.py'), csv], { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (out.status !== 0) throw new Error(`scikit-learn failed: ${out.stderr}`);
      const pySeconds = (performance.now() - t0) / 1000;
      for (const line of out.stdout.trim().split('\n')) {
        const { learner, scores } = JSON.parse(line) as { learner: string; scores: number[] };
        rows.push([learner, figures(scores, set.labels, 0.5), `${(pySeconds / 3).toFixed(0)} s`]);
      }
    }
    const weak = d.weakLabels === true ? ', WEAK labels from the user agents' : '';
    table.push(`${d.name}: ${set.rows.length} labelled sessions (${bots} bots, ${set.rows.length - bots} humans${weak}), 5 folds by session`);
    table.push(`  ${'learner'.padEnd(40)} ${'accuracy'.padStart(9)} ${'bot F1'.padStart(7)} ${'ROC AUC'.padStart(8)} ${'humans flagged'.padStart(15)} ${'time'.padStart(6)}`);
    for (const [name, f, time] of rows) {
      table.push(`  ${name.padEnd(40)} ${f.accuracy.toFixed(4).padStart(9)} ${f.f1.toFixed(4).padStart(7)} ${(f.rocAuc ?? NaN).toFixed(4).padStart(8)} ${(100 * f.humansFlagged).toFixed(2).padStart(13)} % ${time.padStart(6)}`);
    }
    const best = Math.max(...rows.slice(2).map(([, f]) => f.accuracy));
    results.push({
      name: `${d.name}${d.weakLabels === true ? ' (weak labels)' : ''}: weir out-of-fold accuracy`,
      value: (rows[0] as [string, Figures, string])[1].accuracy,
      unit: '',
      ...(rows.length > 2 ? { baseline: { name: 'best scikit-learn learner', value: best } } : {}),
    });
  }
  console.log(table.map((l) => `  ${l}`).join('\n'));
  return results;
}
