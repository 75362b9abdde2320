/**
 * The in-flight byte budget: how many bytes of request bodies the service holds at once, counted
 * as they are received and as they are decompressed (never reserved on a promise in the
 * headers), with a cap per customer so one customer's uploads cannot take the whole budget and
 * lock the others out (429 for the one over its share, not for everyone).
 */

/** One request's claim on the budget, grown as its body arrives. */
export class Reservation {
  private released = false;
  private held = 0;

  constructor(
    private readonly budget: InflightBudget,
    readonly customer: string,
  ) {}

  get bytes(): number {
    return this.released ? 0 : this.held;
  }

  /** Claims `bytes` more; false (nothing claimed) when the total or the customer's share would pass its bound. */
  grow(bytes: number): boolean {
    if (this.released) return false;
    if (!this.budget.adjust(this.customer, bytes)) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` of the claim (e.g. raw gzip bytes once decompressed). */
  shrink(bytes: number): void {
    if (this.released) return;
    const given = Math.min(bytes, this.held);
    this.budget.adjust(this.customer, -given);
    this.held -= given;
  }

  /** Idempotent: every exit path of a request may call it. */
  release(): void {
    if (this.released) return;
    this.budget.adjust(this.customer, -this.held);
    this.held = 0;
    this.released = true;
  }
}

export class InflightBudget {
  private used = 0;
  private readonly byCustomer = new Map<string, number>();

  constructor(
    readonly limit: number,
    /** Most one customer may hold; at most `limit`. */
    readonly perCustomer: number = limit,
    private readonly onChange: (used: number) => void = () => undefined,
  ) {
    if (perCustomer > limit) throw new RangeError(`perCustomer (${perCustomer}) must be at most limit (${limit})`);
  }

  get inUse(): number {
    return this.used;
  }

  inUseBy(customer: string): number {
    return this.byCustomer.get(customer) ?? 0;
  }

  /** An empty claim for a request of `customer`, grown as its body arrives. */
  open(customer: string): Reservation {
    return new Reservation(this, customer);
  }

  /** @internal Adds `delta` bytes for `customer`; only growth can fail. */
  adjust(customer: string, delta: number): boolean {
    const mine = this.byCustomer.get(customer) ?? 0;
    if (delta > 0 && (this.used + delta > this.limit || mine + delta > this.perCustomer)) return false;
    this.used += delta;
    if (mine + delta === 0) this.byCustomer.delete(customer);
    else this.byCustomer.set(customer, mine + delta);
    this.onChange(this.used);
    return true;
  }
}

/** A customer's default share: a quarter of the budget, but never less than one full body. */
export function defaultCustomerShare(maxInflightBytes: number, maxBodyBytes: number): number {
  return Math.min(maxInflightBytes, Math.max(maxBodyBytes, Math.floor(maxInflightBytes / 4)));
}
