/**
 * The few Elasticsearch calls the sink makes, behind a small interface: the sink and its tests
 * never touch the client's loosely typed (`any`) responses, and a test can wrap the real client to
 * inject failures (a 429, a dropped connection) in front of a real node.
 */
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { EsConnection } from './config.js';
import type { IndexTemplateBody } from './index-template.js';

export interface SinkClient {
  /** One bulk request of NDJSON lines; the parsed response body, checked by the caller. Throws the client's errors. */
  bulk(ndjson: string): Promise<unknown>;
  putIndexTemplate(name: string, body: IndexTemplateBody): Promise<void>;
}

export function esClientOptions(connection: EsConnection): ClientOptions {
  const options: ClientOptions = {
    nodes: connection.nodes,
    requestTimeout: connection.requestTimeoutMs,
    // The sink retries with backoff itself; the client's own retries are immediate and would
    // multiply the attempts. Its pool still marks a failed node dead, so a retry goes elsewhere.
    maxRetries: 0,
    name: 'weir-score',
  };
  if (connection.auth?.kind === 'basic') options.auth = { username: connection.auth.username, password: connection.auth.password };
  if (connection.auth?.kind === 'api-key') options.auth = { apiKey: connection.auth.apiKey };
  if (connection.ca !== null) options.ssl = { ca: connection.ca };
  return options;
}

export function createEsClient(connection: EsConnection): Client {
  return new Client(esClientOptions(connection));
}

/** Only what the sink reads of a bulk response: less to send back for 500 documents. */
const BULK_FILTER = 'errors,items.*._id,items.*.status,items.*.result,items.*.error';

export function sinkClientOf(client: Client): SinkClient {
  return {
    async bulk(ndjson) {
      const response = await client.bulk({ body: ndjson, filter_path: BULK_FILTER });
      const body: unknown = response.body;
      return body;
    },
    async putIndexTemplate(name, body) {
      await client.indices.putIndexTemplate({ name, body });
    },
  };
}
