/** The clients a Kafka bus has handed out and not yet seen closed: what `Bus.close` closes. */
export class OpenClients<P extends { close(): Promise<void> }, C extends { stop(): Promise<void> }, R extends { close(): Promise<void> }> {
  readonly producers = new Set<P>();
  readonly consumers = new Set<C>();
  readonly readers = new Set<R>();

  /** Consumers first (their batches in hand still produce), then readers, then producers. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.readers].map((r) => r.close()));
    await Promise.all([...this.producers].map((p) => p.close()));
  }
}
