/**
 * The real servers these tests run against, from the environment `pnpm test` prepares
 * (scripts/infra). Missing ones fail the test with a clear message: never a silent skip.
 */
export function requireEnv(name: string, what: string): string {
  const value = process.env[name]?.trim();
  if (!value) {
    throw new Error(
      `${name} is not set: this test needs ${what}. Run it through \`pnpm test\`, which starts the servers ` +
        `(pnpm infra:up) and sets ${name}.`,
    );
  }
  return value;
}

export const registryUrl = (): string =>
  requireEnv('SCHEMA_REGISTRY_URL', 'the real schema registry (Apicurio, Confluent-compatible API)');
export const kafkaBrokers = (): string[] => requireEnv('KAFKA_BROKERS', 'the real Kafka broker').split(',');
export const weirPython = (): string =>
  requireEnv('WEIR_PYTHON', "the infra venv's python with confluent-kafka and fastavro");

/** A name no earlier run used: the real registry and broker keep subjects and topics between runs. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
