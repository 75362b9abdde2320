import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  evaluateModel,
  evaluateScores,
  renderEvaluationReport,
  trainModel,
  writeEvaluationReport,
  type Evaluation,
  type ModelPipeline,
} from '../src/index.js';
import { oneSignalData } from './synthetic.js';

/** The `<svg id=…>…</svg>` element with that id, or null. */
function svgById(html: string, id: string): string | null {
  const match = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html);
  return match ? match[0] : null;
}

/** Points of each data path (class="series") in an SVG. */
function seriesPoints(svg: string): number[] {
  return [...svg.matchAll(/class="series"[^>]* d="([^"]*)"/g)].map((m) => (m[1] ?? '').split(/[ML]/).filter(Boolean).length);
}

describe('evaluation and its HTML report', () => {
  let pipeline: ModelPipeline;
  let evaluation: Evaluation;
  let dir: string;
  const test = oneSignalData(800, 22);

  before(async () => {
    const train = oneSignalData(1200, 21);
    pipeline = await trainModel({ ...train, fingerprint: 'features@1', seed: 2, epochs: 30 });
    evaluation = evaluateModel(pipeline, { names: test.names, rows: test.rows }, test.labels, {
      families: test.families,
    });
    dir = await mkdtemp(join(tmpdir(), 'weir-report-'));
  });
  after(async () => {
    pipeline.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('evaluates with model identity, curves, histograms, families and permutation importance', () => {
    assert.equal(evaluation.model?.version, pipeline.version);
    assert.equal(evaluation.rows, 800);
    assert.ok((evaluation.rocAuc ?? 0) > 0.95);
    assert.ok(evaluation.roc.length > 10 && evaluation.pr.length > 10);
    assert.equal(
      evaluation.histograms.human.counts.reduce((a, b) => a + b, 0) + evaluation.histograms.bot.counts.reduce((a, b) => a + b, 0),
      800,
    );
    assert.deepEqual(
      evaluation.families?.map((f) => f.family),
      ['flood', 'human'],
    );
    const importance = evaluation.featureImportance ?? [];
    assert.equal(importance.length, 4);
    assert.equal(importance[0]?.feature, 'signal');
    assert.ok((importance[0]?.aucDrop ?? 0) > 0.2, 'shuffling the signal ruins the model');
    for (const other of importance.slice(1)) assert.ok(Math.abs(other.aucDrop ?? 1) < 0.05, `${other.feature} matters little`);
  });

  it('is reproducible: the same seed gives the same importance', () => {
    const again = evaluateModel(pipeline, { names: test.names, rows: test.rows }, test.labels);
    assert.deepEqual(again.featureImportance, evaluation.featureImportance);
  });

  it('writes one self-contained index.html holding the four plots with data', async () => {
    const path = await writeEvaluationReport(dir, evaluation);
    assert.equal(path, join(dir, 'index.html'));
    const html = await readFile(path, 'utf8');
    assert.ok(!/<script|<link|<img|src=|href=/i.test(html), 'no scripts or external assets');

    const roc = svgById(html, 'roc-curve');
    const pr = svgById(html, 'pr-curve');
    const histogram = svgById(html, 'score-histogram');
    const importance = svgById(html, 'feature-importance');
    assert.ok(roc && pr && histogram && importance, 'all four plots are there');
    assert.ok((seriesPoints(roc)[0] ?? 0) >= 10, 'ROC curve drawn through its points');
    assert.ok((seriesPoints(pr)[0] ?? 0) >= 10, 'PR curve drawn through its points');
    assert.deepEqual(seriesPoints(histogram).length, 2, 'human and bot histograms');
    assert.ok(seriesPoints(histogram).every((n) => n >= 40));
    assert.equal([...importance.matchAll(/<rect class="bar" data-name="([^"]+)"/g)].map((m) => m[1])[0], 'signal');
    assert.equal([...importance.matchAll(/<rect class="bar"/g)].length, 4);
    assert.ok(svgById(html, 'score-histogram-families'), 'per-family histograms when families are given');
    assert.match(html, /<td>actual bot<\/td><td>\d+<\/td><td>\d+<\/td>/);
    assert.match(html, new RegExp(pipeline.version));
    // The reliability plot: one point per non-empty score bin, and its table.
    const reliability = svgById(html, 'reliability');
    const filledBins = evaluation.reliability.filter((b) => b.count > 0).length;
    assert.ok(reliability && filledBins >= 2, 'reliability plot');
    assert.equal(seriesPoints(reliability)[0], filledBins);
    assert.equal(evaluation.reliability.reduce((n, b) => n + b.count, 0), evaluation.rows);

    const json = JSON.parse(await readFile(join(dir, 'evaluation.json'), 'utf8')) as { rocAuc: number };
    assert.equal(json.rocAuc, evaluation.rocAuc);
  });

  it('escapes names taken from the data', () => {
    const bare = evaluateScores([0.1, 0.9], [0, 1], { thresholds: { suspicious: 0.5, bot: 0.8 }, families: ['<b>x</b>', null] });
    const html = renderEvaluationReport({
      ...bare,
      featureImportance: [{ feature: '<script>alert(1)</script>', aucDrop: 0.1, meanAbsScoreChange: 0.1 }],
    });
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('&#60;script&#62;'));
    assert.ok(!html.includes('<b>x</b>'));
  });
});
