import type { ReadinessCheck } from './readiness.js';

export interface RegistryCheckConfig {
  schemaRegistryUrl?: string | undefined;
  schemaRegistryUsername?: string | undefined;
  schemaRegistryPassword?: string | undefined;
}

/**
 * The schema registry's readiness check. The serde caches schema ids, so a working encode says
 * nothing about the registry now; this asks it directly, with `GET /config` (one small answer on
 * Confluent, Apicurio's ccompat API and Karapace alike). Null on the embedded registry.
 */
export function registryCheck(config: RegistryCheckConfig, timeoutMs = 2000): ReadinessCheck | null {
  const base = config.schemaRegistryUrl?.trim();
  if (!base) return null;
  const url = `${base.replace(/\/+$/, '')}/config`;
  const headers: Record<string, string> = {};
  if (config.schemaRegistryUsername && config.schemaRegistryPassword) {
    const token = Buffer.from(`${config.schemaRegistryUsername}:${config.schemaRegistryPassword}`).toString('base64');
    headers.authorization = `Basic ${token}`;
  }
  return async () => {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    // Drain the body: an unread body keeps the connection from being reused.
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  };
}
