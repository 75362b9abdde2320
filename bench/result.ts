/** One figure a benchmark reports; `baseline` is measured in the same run so the ratio survives a noisy machine. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
}

/** Median of repeated measurements: the machine is noisy, so one run proves little. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function formatResult(result: BenchResult): string {
  const figure = `${result.name}: ${formatNumber(result.value)} ${result.unit}`;
  if (!result.baseline) return figure;
  const ratio = result.value / result.baseline.value;
  return `${figure}  (baseline ${result.baseline.name}: ${formatNumber(result.baseline.value)} ${result.unit}; ratio ${ratio.toFixed(3)})`;
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(4);
}
