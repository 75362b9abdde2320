/**
 * Progress on stderr for long runs: rewritten in place on a terminal (4 times a second), a line
 * every ten seconds otherwise (logs of CI jobs), and nothing at all for runs under a second.
 */
export class Progress {
  private readonly began = performance.now();
  private lastShown = this.began;
  private shown = false;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly enabled: boolean) {}

  /** Shows `text()` if it is time to; `text` is only called then, so it may be costly to build. */
  update(text: () => string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.began < 1000 || now - this.lastShown < (this.tty ? 250 : 10_000)) return;
    this.lastShown = now;
    this.shown = true;
    process.stderr.write(this.tty ? `\r\x1b[K${text()}` : `${text()}\n`);
  }

  /** A line of its own (an epoch's figures): always shown when enabled. */
  line(text: string): void {
    if (!this.enabled) return;
    this.end();
    process.stderr.write(`${text}\n`);
  }

  /** Ends the in-place line, so what follows starts on a fresh one. */
  end(): void {
    if (this.shown && this.tty) process.stderr.write('\n');
    this.shown = false;
  }
}

export const count = (n: number): string => n.toLocaleString('en-US');
