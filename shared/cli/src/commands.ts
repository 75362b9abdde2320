import type { Command } from './command.js';

/**
 * Every `weir` command, loaded only when called so that a command pulls in only what it uses.
 * Add a command: one file in ./commands exporting `command`, one line here.
 */
export const commands: Record<string, () => Promise<{ command: Command }>> = {
  features: () => import('./commands/features.js'),
  train: () => import('./commands/train.js'),
  evaluate: () => import('./commands/evaluate.js'),
  score: () => import('./commands/score.js'),
  start: () => import('./commands/start.js'),
  simulate: () => import('./commands/simulate.js'),
  ingest: () => import('./commands/ingest.js'),
  topics: () => import('./commands/topics.js'),
  replay: () => import('./commands/replay.js'),
  groups: () => import('./commands/groups.js'),
  es: () => import('./commands/es.js'),
};
