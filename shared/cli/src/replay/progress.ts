/**
 * A replay's progress on stderr, per partition: records done of the span, events/s and ETA
 * (through the Progress cadence: in place on a terminal, a line every 10 s otherwise), and one
 * line per topic when it is done.
 */
import { Progress, count } from '../offline/progress.js';
import type { PartitionSpan } from './partitions.js';

export class ReplayProgress {
  private readonly progress: Progress;
  private readonly done = new Map<string, number>();
  private spans: PartitionSpan[] = [];
  private phase = '';
  private began = performance.now();

  constructor(enabled: boolean) {
    this.progress = new Progress(enabled);
  }

  start(phase: string, spans: PartitionSpan[]): void {
    this.phase = phase;
    this.spans = spans;
    this.done.clear();
    this.began = performance.now();
  }

  advance(span: { topic: string; partition: number }, records: number): void {
    const id = `${span.topic}[${span.partition}]`;
    this.done.set(id, (this.done.get(id) ?? 0) + records);
    this.progress.update(() => this.text());
  }

  finish(): void {
    this.progress.line(this.text());
  }

  private text(): string {
    const seconds = Math.max(1e-3, (performance.now() - this.began) / 1000);
    const parts = this.spans.map((span) => {
      const id = `${span.topic}[${span.partition}]`;
      const done = this.done.get(id) ?? 0;
      const total = span.end - span.start;
      const rate = done / seconds;
      const eta = done >= total ? 'done' : rate > 0 ? `ETA ${((total - done) / rate).toFixed(0)} s` : 'ETA ?';
      return `${id} ${count(done)}/${count(total)} records, ${count(Math.round(rate))} events/s, ${eta}`;
    });
    return `replay ${this.phase}: ${parts.join(' · ')}`;
  }
}
