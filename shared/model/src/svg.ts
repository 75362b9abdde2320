/**
 * Tiny inline-SVG charts for the HTML report: no external assets, no scripts, readable offline.
 * Every text that comes from data (feature names, families) is escaped.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const WIDTH = 420;
const HEIGHT = 320;
const MARGIN = { left: 52, right: 16, top: 28, bottom: 44 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export interface Series {
  name: string;
  color: string;
  /** In data units; the x axis runs 0..1, the y axis 0..yMax. */
  points: readonly (readonly [number, number])[];
}

const fmt = (v: number): string => (Math.round(v * 100) / 100).toString();

function sx(x: number): number {
  return MARGIN.left + Math.min(1, Math.max(0, x)) * PLOT_W;
}

function sy(y: number, yMax: number): number {
  return MARGIN.top + PLOT_H - (yMax <= 0 ? 0 : Math.min(1, Math.max(0, y / yMax))) * PLOT_H;
}

function pathOf(points: readonly (readonly [number, number])[], yMax: number): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(sx(x))},${fmt(sy(y, yMax))}`).join(' ');
}

function frame(id: string, title: string, xLabel: string, yLabel: string, yMax: number, body: string, legend: readonly Series[]): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const axis = [
    `<line x1="${sx(0)}" y1="${sy(0, 1)}" x2="${sx(1)}" y2="${sy(0, 1)}" stroke="#333"/>`,
    `<line x1="${sx(0)}" y1="${sy(0, 1)}" x2="${sx(0)}" y2="${sy(1, 1)}" stroke="#333"/>`,
    ...ticks.map((t) => `<text x="${fmt(sx(t))}" y="${sy(0, 1) + 16}" font-size="10" text-anchor="middle">${fmt(t)}</text>`),
    ...ticks.map(
      (t) => `<text x="${sx(0) - 6}" y="${fmt(sy(t * yMax, yMax) + 3)}" font-size="10" text-anchor="end">${fmt(t * yMax)}</text>`,
    ),
    `<text x="${fmt(sx(0.5))}" y="${HEIGHT - 8}" font-size="11" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text x="12" y="${fmt(sy(yMax / 2, yMax))}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${fmt(sy(yMax / 2, yMax))})">${escapeHtml(yLabel)}</text>`,
    `<text x="${WIDTH / 2}" y="16" font-size="13" font-weight="bold" text-anchor="middle">${escapeHtml(title)}</text>`,
  ].join('');
  const legendItems = legend
    .map(
      (s, i) =>
        `<g><rect x="${sx(1) - 120}" y="${MARGIN.top + 4 + i * 14}" width="10" height="10" fill="${s.color}"/>` +
        `<text x="${sx(1) - 106}" y="${MARGIN.top + 13 + i * 14}" font-size="10">${escapeHtml(s.name)}</text></g>`,
    )
    .join('');
  return `<svg id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">${axis}${body}${legendItems}</svg>`;
}

/** Curves over [0, 1] × [0, 1] (ROC, precision–recall), optionally with the chance diagonal. */
export function lineChart(opts: { id: string; title: string; xLabel: string; yLabel: string; series: readonly Series[]; diagonal?: boolean }): string {
  const diagonal = opts.diagonal
    ? `<path d="${pathOf([[0, 0], [1, 1]], 1)}" stroke="#aaa" stroke-dasharray="4 4" fill="none"/>`
    : '';
  const lines = opts.series
    .filter((s) => s.points.length > 0)
    .map((s) => `<path class="series" data-name="${escapeHtml(s.name)}" d="${pathOf(s.points, 1)}" stroke="${s.color}" stroke-width="2" fill="none"/>`)
    .join('');
  // One curve needs no legend, and a legend box would sit on top of a PR curve's plateau.
  return frame(opts.id, opts.title, opts.xLabel, opts.yLabel, 1, diagonal + lines, opts.series.length > 1 ? opts.series : []);
}

/** Overlaid step outlines of histograms over [0, 1]; each series' y is a share of its own rows, so classes of different sizes compare. */
export function histogramChart(opts: { id: string; title: string; series: readonly { name: string; color: string; edges: readonly number[]; counts: readonly number[] }[] }): string {
  const shares = opts.series.map((s) => {
    const total = s.counts.reduce((a, b) => a + b, 0);
    return s.counts.map((c) => (total === 0 ? 0 : c / total));
  });
  const yMax = Math.max(0.05, ...shares.flat());
  const steps: Series[] = opts.series.map((s, k) => {
    const share = shares[k] as number[];
    const points: [number, number][] = [[s.edges[0] ?? 0, 0]];
    share.forEach((v, i) => {
      points.push([s.edges[i] as number, v], [s.edges[i + 1] as number, v]);
    });
    points.push([s.edges[s.edges.length - 1] ?? 1, 0]);
    return { name: s.name, color: s.color, points };
  });
  const body = steps
    .map(
      (s) =>
        `<path class="series" data-name="${escapeHtml(s.name)}" d="${pathOf(s.points, yMax)}" stroke="${s.color}" stroke-width="1.5" fill="${s.color}" fill-opacity="0.15"/>`,
    )
    .join('');
  return frame(opts.id, opts.title, 'score', 'share of rows', yMax, body, steps);
}

/** Horizontal bars, largest first as given; negative values drawn from the zero line leftwards. */
export function barChart(opts: { id: string; title: string; valueLabel: string; bars: readonly { label: string; value: number }[] }): string {
  const rowHeight = 18;
  const labelWidth = 170;
  const width = 560;
  const height = 40 + opts.bars.length * rowHeight + 30;
  const max = Math.max(1e-12, ...opts.bars.map((b) => Math.abs(b.value)));
  const hasNegative = opts.bars.some((b) => b.value < 0);
  const plotW = width - labelWidth - 70;
  const zeroX = labelWidth + (hasNegative ? plotW / 2 : 0);
  const scale = (hasNegative ? plotW / 2 : plotW) / max;
  const rows = opts.bars
    .map((b, i) => {
      const y = 34 + i * rowHeight;
      const w = Math.abs(b.value) * scale;
      const x = b.value < 0 ? zeroX - w : zeroX;
      return (
        `<text x="${labelWidth - 6}" y="${y + 12}" font-size="11" text-anchor="end">${escapeHtml(b.label)}</text>` +
        `<rect class="bar" data-name="${escapeHtml(b.label)}" x="${fmt(x)}" y="${y + 2}" width="${fmt(Math.max(w, 0.5))}" height="${rowHeight - 5}" fill="${b.value < 0 ? '#d62728' : '#1f77b4'}"/>` +
        `<text x="${fmt(zeroX + (b.value < 0 ? 4 : w + 4))}" y="${y + 12}" font-size="10">${b.value.toPrecision(3)}</text>`
      );
    })
    .join('');
  return (
    `<svg id="${escapeHtml(opts.id)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(opts.title)}">` +
    `<text x="${width / 2}" y="16" font-size="13" font-weight="bold" text-anchor="middle">${escapeHtml(opts.title)}</text>` +
    `<line x1="${fmt(zeroX)}" y1="30" x2="${fmt(zeroX)}" y2="${height - 26}" stroke="#333"/>` +
    rows +
    `<text x="${fmt(labelWidth + plotW / 2)}" y="${height - 8}" font-size="11" text-anchor="middle">${escapeHtml(opts.valueLabel)}</text>` +
    `</svg>`
  );
}
