/**
 * Dead letters: a record that cannot be decoded or processed goes, with its original key, value
 * and headers, to the stage's dead-letter topic (`<groupId>.dlq` unless configured), with
 * headers saying why and where from. Operators can read, fix and replay them; the stream goes on.
 */
import type { ConsumedMessage, OutgoingMessage } from './bus.js';
import { errorCode, recordReason } from '@weir/contracts';
import { describeError } from './errors.js';

export const DLQ_HEADERS = {
  reason: 'weir.dlq.reason',
  sourceTopic: 'weir.dlq.source.topic',
  sourcePartition: 'weir.dlq.source.partition',
  sourceOffset: 'weir.dlq.source.offset',
  stage: 'weir.dlq.stage',
  time: 'weir.dlq.time',
} as const;

export function deadLetterTopicName(groupId: string): string {
  return `${groupId}.dlq`;
}

/**
 * What metrics count a dead letter by: the record's reason when the error carries one anywhere in
 * its cause chain (`no_address`, `no_customer`: see CodedError.reason), else the error's code
 * (WEIR_STAGE_DECODE, ...). Both come from fixed sets in the code, never from the data.
 */
export function reasonCode(error: unknown): string {
  return recordReason(error) ?? errorCode(error) ?? 'UNKNOWN';
}

export function deadLetter(opts: {
  topic: string;
  source: ConsumedMessage;
  stage: string;
  error: unknown;
  now: number;
}): OutgoingMessage {
  const { source } = opts;
  return {
    topic: opts.topic,
    key: source.key,
    value: source.value,
    timestamp: source.timestamp,
    headers: {
      ...source.headers,
      [DLQ_HEADERS.reason]: describeError(opts.error),
      [DLQ_HEADERS.sourceTopic]: source.topic,
      [DLQ_HEADERS.sourcePartition]: String(source.partition),
      [DLQ_HEADERS.sourceOffset]: String(source.offset),
      [DLQ_HEADERS.stage]: opts.stage,
      [DLQ_HEADERS.time]: new Date(opts.now).toISOString(),
    },
  };
}
