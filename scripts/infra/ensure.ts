/** Placeholder until the infra scripts land: uses servers named in the environment. */
export async function ensureInfra(_opts: { log: (line: string) => void }): Promise<Record<string, string>> {
  if (!process.env.KAFKA_BROKERS) throw new Error('no KAFKA_BROKERS set and the infra scripts are not built yet');
  return {};
}
