/** A JSON-lines file written with backpressure: a slow disk slows the reader, never fills memory. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { OfflineError } from './errors.js';

export class NdjsonWriter {
  private readonly out: WriteStream | NodeJS.WriteStream;
  private failure: Error | null = null;
  lines = 0;

  /** `-` writes to stdout. */
  constructor(private readonly path: string) {
    this.out = path === '-' ? process.stdout : createWriteStream(path);
    this.out.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  async write(record: unknown): Promise<void> {
    this.check();
    this.lines++;
    if (!this.out.write(`${JSON.stringify(record)}\n`)) await this.wait('drain');
  }

  async close(): Promise<void> {
    this.check();
    if (this.out === process.stdout) return;
    this.out.end();
    await this.wait('finish');
  }

  /** `once` rejects when the stream errors first. */
  private async wait(event: 'drain' | 'finish'): Promise<void> {
    try {
      await once(this.out, event);
    } catch (err) {
      this.failure ??= err as Error;
      this.check();
    }
  }

  private check(): void {
    if (this.failure) throw new OfflineError('WEIR_CLI_OUTPUT', `cannot write ${this.path}: ${this.failure.message}`, { cause: this.failure });
  }
}
