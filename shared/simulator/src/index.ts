/**
 * @weir/simulator: labelled synthetic web traffic for training, evaluation, demos and benchmarks.
 *
 * `simulateTraffic(options)` yields Combined Log Format lines in time order, each with the
 * session it belongs to (and so its label); `writeSimulation` writes them to files.
 */
export { simulateTraffic, customerTraffic, customerLogFormats, labelsSessionKey, logLayoutOf } from './traffic.js';
export { formatLogLine, LOG_LAYOUTS, type LogLayout } from './clf.js';
export type { SimulatedLine, SimulatedSession } from './traffic.js';
export { writeSimulation, csvField, FORMATS_FILE } from './write.js';
export type { SimulationProgress, SimulationSummary, WriteSimulationOptions } from './write.js';
export { resolveOptions, DEFAULTS, DEFAULT_START, LOG_FORMAT_CHOICES, VARIETIES } from './options.js';
export type { LogFormats, ResolvedOptions, SimulationOptions, Variety } from './options.js';
export { CLASSIC_LAYOUT, type SiteLayout } from './layout.js';
export { BOT_FAMILIES, FAMILY_WEIGHTS, isBotFamily, labelOf } from './families.js';
export type { BotFamily, Family, Label } from './families.js';
export { customerNames } from './themes.js';
export { parseDuration, parseInstant, parseUtcOffset, formatUtcOffset } from './time.js';
export { mergeByTime, TimeHeap } from './merge.js';
export { Rng } from './random.js';
