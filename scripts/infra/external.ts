/**
 * Servers named in the environment (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, ELASTICSEARCH_URL) are used
 * instead of starting our own, but only once they are seen to answer: a stale variable left in a
 * shell should fail here, clearly, rather than in the middle of a test.
 */
import { infraError } from './errors.js';
import { liveBrokerCount } from './kafka-protocol.js';
import { httpGet } from './probe.js';

type Check = (value: string, env: NodeJS.ProcessEnv) => Promise<string | undefined>;

async function kafka(value: string): Promise<string | undefined> {
  const problems: string[] = [];
  for (const broker of value.split(',').map((b) => b.trim()).filter(Boolean)) {
    const at = broker.lastIndexOf(':');
    const host = broker.slice(0, at);
    const port = Number(broker.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port)) return `${broker} is not host:port`;
    try {
      if ((await liveBrokerCount(host, port)) > 0) return undefined;
      problems.push(`${broker} reports no live broker`);
    } catch (err) {
      problems.push(`${broker}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems.join('; ') || 'no broker listed';
}

function basicAuth(user: string | undefined, password: string | undefined): Record<string, string> {
  return user && password ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {};
}

async function registry(value: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const url = `${value.replace(/\/+$/, '')}/subjects`;
  const answer = await httpGet(url, 5_000, basicAuth(env.SCHEMA_REGISTRY_USERNAME, env.SCHEMA_REGISTRY_PASSWORD));
  return answer.status === 200 ? undefined : `GET ${url} answered ${answer.status}`;
}

async function elasticsearch(value: string): Promise<string | undefined> {
  const answer = await httpGet(value);
  // A secured cluster answers 401 to an anonymous GET /; the tests bring their own credentials.
  return answer.status === 200 || answer.status === 401 ? undefined : `GET ${value} answered ${answer.status}`;
}

const CHECKS: Record<string, Check> = {
  KAFKA_BROKERS: kafka,
  SCHEMA_REGISTRY_URL: registry,
  ELASTICSEARCH_URL: elasticsearch,
};

/** The server variables already set in `env`, each checked live; throws naming the dead ones. */
export async function liveFromEnvironment(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, check] of Object.entries(CHECKS)) {
    const value = env[name]?.trim();
    if (!value) continue;
    const why = await check(value, env).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (why === undefined) found[name] = value;
    else problems.push(`${name}=${value} does not answer: ${why}`);
  }
  if (problems.length > 0) {
    throw infraError(
      'WEIR_INFRA_UNREACHABLE',
      `${problems.join('\n')}\nunset it to let the infra scripts start their own server, or start that server`,
    );
  }
  return found;
}
