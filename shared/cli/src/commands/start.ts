import type { Command } from '../command.js';

export const command: Command = {
  summary: 'Run the whole pipeline in one process on simulated traffic and show its detections.',
  usage: 'weir start [--duration 60s]',
  async run() {
    console.error('weir start: the embedded pipeline is not built yet (see the open issues).');
    return 1;
  },
};
