/**
 * Events per second over a sliding window of one-second buckets: a rate that reacts within
 * seconds but does not jump with every batch.
 */
export class RateMeter {
  private readonly buckets: number[];
  private bucketSecond = 0;
  private total = 0;

  constructor(private readonly windowSeconds = 10) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
  }

  add(count: number, nowMs: number): void {
    this.advance(nowMs);
    this.buckets[this.bucketSecond % this.windowSeconds] = (this.buckets[this.bucketSecond % this.windowSeconds] ?? 0) + count;
    this.total += count;
  }

  /** Mean rate over the completed seconds of the window. */
  perSecond(nowMs: number): number {
    this.advance(nowMs);
    let sum = 0;
    for (let i = 1; i < this.windowSeconds; i++) {
      sum += this.buckets[(this.bucketSecond - i + this.windowSeconds * 2) % this.windowSeconds] ?? 0;
    }
    return sum / (this.windowSeconds - 1);
  }

  get count(): number {
    return this.total;
  }

  private advance(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (this.bucketSecond === 0) this.bucketSecond = second;
    const steps = Math.min(second - this.bucketSecond, this.windowSeconds);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketSecond + i) % this.windowSeconds] = 0;
    if (second > this.bucketSecond) this.bucketSecond = second;
  }
}
