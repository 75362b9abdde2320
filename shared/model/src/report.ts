/**
 * The evaluation report: one self-contained `index.html` (inline SVG, inline CSS, no scripts, no
 * network) plus the same figures as `evaluation.json`. Plots carry fixed ids — `roc-curve`,
 * `pr-curve`, `score-histogram`, `score-histogram-families` (with families), `feature-importance`
 * (with importance) — so tools and tests can find them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Evaluation } from './evaluate.js';
import type { ScoreEvaluation } from './score-evaluation.js';
import { PALETTE, barChart, escapeHtml, histogramChart, lineChart } from './svg.js';

/** An evaluation from `evaluateModel`, or bare `evaluateScores` figures (no model info, no importance). */
export type ReportInput = ScoreEvaluation & Partial<Pick<Evaluation, 'model' | 'evaluatedAt' | 'featureImportance'>>;

export interface ReportOptions {
  title?: string;
}

/** Writes `<dir>/index.html` and `<dir>/evaluation.json`; returns the HTML file's path. */
export async function writeEvaluationReport(dir: string, evaluation: ReportInput, options: ReportOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'index.html');
  await writeFile(path, renderEvaluationReport(evaluation, options));
  await writeFile(join(dir, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
  return path;
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const num = (v: number | null): string => (v === null ? '—' : v.toFixed(4));

export function renderEvaluationReport(e: ReportInput, options: ReportOptions = {}): string {
  const title = options.title ?? (e.model ? `Model ${e.model.version}: evaluation` : 'Model evaluation');
  const c = e.classification;
  const metricRows: [string, string][] = [
    ['ROC AUC', num(e.rocAuc)],
    ['PR AUC (average precision)', num(e.prAuc)],
    [`Accuracy (bot at score ≥ ${e.decisionThreshold})`, pct(c.accuracy)],
    ['Bot precision', pct(c.bot.precision)],
    ['Bot recall', pct(c.bot.recall)],
    ['Bot F1', num(c.bot.f1)],
    ['Human precision', pct(c.human.precision)],
    ['Human recall', pct(c.human.recall)],
    ['Human F1', num(c.human.f1)],
    ['Macro precision', pct(c.macro.precision)],
    ['Macro recall', pct(c.macro.recall)],
    ['Macro F1', num(c.macro.f1)],
    [`Humans flagged (score ≥ ${e.thresholds.suspicious})`, pct(e.flaggedHumanShare)],
  ];
  const sections = [
    section('Summary', summary(e) + table(['Metric', 'Value'], metricRows)),
    section(
      'Confusion matrix',
      table(
        ['', 'predicted human', 'predicted bot'],
        [
          ['actual human', String(e.confusion.tn), String(e.confusion.fp)],
          ['actual bot', String(e.confusion.fn), String(e.confusion.tp)],
        ],
      ) +
        `<p>Labels by thresholds (suspicious ≥ ${e.thresholds.suspicious}, bot ≥ ${e.thresholds.bot}):</p>` +
        table(
          ['', 'human', 'suspicious', 'bot'],
          (['human', 'bot'] as const).map((actual) => [
            `actual ${actual}`,
            String(e.labelCounts[actual].human),
            String(e.labelCounts[actual].suspicious),
            String(e.labelCounts[actual].bot),
          ]),
        ),
    ),
    section(
      'Curves',
      lineChart({
        id: 'roc-curve',
        title: `ROC curve (AUC ${num(e.rocAuc)})`,
        xLabel: 'false positive rate',
        yLabel: 'true positive rate',
        diagonal: true,
        series: [{ name: 'model', color: PALETTE[0] as string, points: e.roc.map((p) => [p.fpr, p.tpr] as const) }],
      }) +
        lineChart({
          id: 'pr-curve',
          title: `Precision–recall (AP ${num(e.prAuc)})`,
          xLabel: 'recall',
          yLabel: 'precision',
          series: [{ name: 'model', color: PALETTE[0] as string, points: e.pr.map((p) => [p.recall, p.precision] as const) }],
        }),
    ),
    section('Calibration', reliability(e)),
    section('Score distributions', histograms(e)),
    section('Feature importance', importance(e)),
  ];
  if (e.families) sections.push(section('Families', familyTable(e)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}svg{margin:4px 12px 12px 0;vertical-align:top}
h2{border-bottom:1px solid #ddd;padding-bottom:4px}.muted{color:#777}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${sections.join('\n')}
</body></html>
`;
}

function summary(e: ReportInput): string {
  const items = [
    e.model ? `model <code>${escapeHtml(e.model.version)}</code>, built ${escapeHtml(e.model.created)}` : null,
    e.model ? `feature set <code>${escapeHtml(e.model.fingerprint)}</code>` : null,
    e.evaluatedAt ? `evaluated ${escapeHtml(e.evaluatedAt)}` : null,
    `${e.rows} rows: ${e.positives} bots, ${e.negatives} humans`,
  ].filter((x): x is string => x !== null);
  return `<p>${items.join(' · ')}</p>`;
}

/** Reliability plot: does a score of 0.8 mean 8 bots in 10? */
function reliability(e: ReportInput): string {
  const bins = e.reliability.filter((b) => b.count > 0);
  return (
    lineChart({
      id: 'reliability',
      title: `Reliability (expected calibration error ${num(e.calibrationError)})`,
      xLabel: 'mean score in bin',
      yLabel: 'observed share of bots',
      diagonal: true,
      series: [{ name: 'model', color: PALETTE[0] as string, points: bins.map((b) => [b.meanScore, b.botShare] as const) }],
    }) +
    table(
      ['score bin', 'sessions', 'mean score', 'share of bots'],
      bins.map((b) => [`${b.from.toFixed(1)}–${b.to.toFixed(1)}`, String(b.count), b.meanScore.toFixed(3), b.botShare.toFixed(3)]),
    )
  );
}

function histograms(e: ReportInput): string {
  const main = histogramChart({
    id: 'score-histogram',
    title: 'Scores by label',
    series: [
      { name: `human (${e.negatives})`, color: PALETTE[0] as string, ...e.histograms.human },
      { name: `bot (${e.positives})`, color: PALETTE[1] as string, ...e.histograms.bot },
    ],
  });
  const byFamily = e.histograms.byFamily;
  if (!byFamily || Object.keys(byFamily).length === 0) return main;
  const families = histogramChart({
    id: 'score-histogram-families',
    title: 'Scores by family',
    series: Object.entries(byFamily).map(([family, h], i) => ({
      name: family,
      color: PALETTE[(i + 2) % PALETTE.length] as string,
      ...h,
    })),
  });
  return main + families;
}

function importance(e: ReportInput): string {
  if (!e.featureImportance || e.featureImportance.length === 0) {
    return '<p class="muted">Not computed for this evaluation.</p>';
  }
  const byAuc = e.featureImportance.some((f) => f.aucDrop !== null);
  return (
    barChart({
      id: 'feature-importance',
      title: byAuc ? 'Permutation importance (ROC AUC drop)' : 'Permutation importance (mean |score change|)',
      valueLabel: byAuc ? 'AUC drop when the feature is shuffled' : 'mean |score change| when the feature is shuffled',
      bars: e.featureImportance.map((f) => ({ label: f.feature, value: byAuc ? (f.aucDrop ?? 0) : f.meanAbsScoreChange })),
    }) + '<p class="muted">Shuffling one feature across rows breaks its link to the label; the bigger the loss, the more the model relies on it.</p>'
  );
}

function familyTable(e: ReportInput): string {
  return table(
    ['Family', 'rows', 'bots', 'humans', 'bots detected', 'recall', 'flagged (≥ suspicious)'],
    (e.families ?? []).map((f) => [
      escapeHtml(f.family),
      String(f.rows),
      String(f.bots),
      String(f.humans),
      String(f.detected),
      pct(f.recall),
      pct(f.flaggedShare),
    ]),
  );
}

function section(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** Cells are trusted HTML: callers escape data-derived text. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}
