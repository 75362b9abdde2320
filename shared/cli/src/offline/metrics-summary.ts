/**
 * The figures `weir evaluate` (and `weir train`, for its validation split) reports: one flat,
 * stable JSON object for scripts — the commands' last stdout line — and the same as text.
 */
import type { ScoreEvaluation, ValidationSummary } from '@weir/model';

export interface MetricsSummary {
  rows: number;
  bots: number;
  humans: number;
  /** The binary metrics call a session a bot at score ≥ `thresholds.bot`. */
  thresholds: { suspicious: number; bot: number };
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  rocAuc: number | null;
  prAuc: number | null;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** Share of human sessions scored at least `suspicious` (any label but human). */
  flaggedHumanShare: number | null;
  /** Bot recall per family (at the bot threshold); null when the labels name no families. */
  recallByFamily: Record<string, number> | null;
}

export function summariseEvaluation(e: ScoreEvaluation): MetricsSummary {
  const c = e.classification;
  const recallByFamily = e.families
    ? Object.fromEntries(e.families.filter((f) => f.recall !== null).map((f) => [f.family, f.recall as number]))
    : null;
  return {
    rows: e.rows,
    bots: e.positives,
    humans: e.negatives,
    thresholds: { ...e.thresholds },
    accuracy: c.accuracy,
    precision: c.bot.precision,
    recall: c.bot.recall,
    f1: c.bot.f1,
    macroPrecision: c.macro.precision,
    macroRecall: c.macro.recall,
    macroF1: c.macro.f1,
    rocAuc: e.rocAuc,
    prAuc: e.prAuc,
    confusion: { ...e.confusion },
    flaggedHumanShare: e.flaggedHumanShare,
    recallByFamily: recallByFamily && Object.keys(recallByFamily).length > 0 ? recallByFamily : null,
  };
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const dec = (v: number | null): string => (v === null ? '—' : v.toFixed(4));

export function describeMetrics(m: MetricsSummary): string[] {
  const lines = [
    `  rows ${m.rows} (${m.bots} bots, ${m.humans} humans); bot at score ≥ ${m.thresholds.bot}, flagged at ≥ ${m.thresholds.suspicious}`,
    `  accuracy ${pct(m.accuracy)}   bot precision ${pct(m.precision)}   bot recall ${pct(m.recall)}   bot F1 ${dec(m.f1)}`,
    `  macro precision ${pct(m.macroPrecision)}   macro recall ${pct(m.macroRecall)}   macro F1 ${dec(m.macroF1)}`,
    `  ROC AUC ${dec(m.rocAuc)}   PR AUC ${dec(m.prAuc)}   humans flagged ${pct(m.flaggedHumanShare)}`,
    `  confusion: ${m.confusion.tp} bots caught, ${m.confusion.fn} missed; ${m.confusion.tn} humans passed, ${m.confusion.fp} called bots`,
  ];
  if (m.recallByFamily) lines.push(...familyLines(m.recallByFamily));
  return lines;
}

/** The validation figures `trainModel` keeps in pipeline.json, as text. */
export function describeValidation(v: ValidationSummary, thresholds: { suspicious: number; bot: number }): string[] {
  const lines = [
    `  rows ${v.rows} (${v.positives} bots, ${v.rows - v.positives} humans); bot at score ≥ ${thresholds.bot}, flagged at ≥ ${thresholds.suspicious}`,
    `  accuracy ${pct(v.accuracy)}   bot precision ${pct(v.precision)}   bot recall ${pct(v.recall)}   bot F1 ${dec(v.f1)}   macro F1 ${dec(v.macroF1)}`,
    `  ROC AUC ${dec(v.rocAuc)}   PR AUC ${dec(v.prAuc)}   humans flagged ${pct(v.flaggedHumanShare)}`,
  ];
  if (v.recallByFamily) lines.push(...familyLines(v.recallByFamily));
  return lines;
}

function familyLines(recallByFamily: Record<string, number>): string[] {
  return ['  recall by family:', ...Object.entries(recallByFamily).map(([family, recall]) => `    ${family.padEnd(22)} ${pct(recall)}`)];
}
