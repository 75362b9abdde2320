/**
 * Puts the index template at start-up, before the first bulk request can auto-create a daily
 * index without it (dynamic mappings, no alias). PUT replaces a template of the same name, so every
 * instance may run it; the last one to start wins, which is the newest code in a rolling deploy.
 */
import type { SinkClient } from './client.js';
import { EsSinkError } from './errors.js';
import { scoreIndexTemplate, type TemplateOptions } from './index-template.js';
import { retryUntil } from '@weir/stream';
import { backoffOf, isRetryableError, type EsRetryPolicy } from './transient.js';

export async function installIndexTemplate(
  client: SinkClient,
  options: TemplateOptions,
  retry: EsRetryPolicy,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<void> {
  const { name, body } = scoreIndexTemplate(options);
  try {
    await retryUntil(() => client.putIndexTemplate(name, body), {
      policy: backoffOf(retry),
      maxAttempts: retry.maxAttempts,
      retryable: isRetryableError,
      ...(onRetry === undefined ? {} : { onRetry }),
    });
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new EsSinkError('WEIR_ES_TEMPLATE', `cannot install index template ${name}: ${message}`, { cause: err });
  }
}
