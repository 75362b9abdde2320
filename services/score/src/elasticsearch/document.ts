/**
 * ScoreRecord → the Elasticsearch document, its id, version and index. Pure: no client here.
 *
 * Field names follow the Elastic Common Schema (1.12, the version ES/Kibana 7.17 ship with) where
 * ECS has one, so Kibana's SIEM views, ECS dashboards and cross-index searches on `source.ip` work
 * without aliases; everything weir-specific sits under `weir.*`, which the mapping makes strict.
 *
 * Id: the session id, plus `:shadow` for a shadow model's score (both may exist for one session and
 * must not replace each other). Version: `scoredAt`, written with version_type `external_gte`:
 * ES keeps a document unless the incoming version is at least the stored one, so a newer score
 * replaces the older and an older score arriving late (a retried item, a slow batch) is refused
 * with 409. `external_gte` and not `external`: two scores of one session can carry the same
 * millisecond (an update and the session's close scored in one batch), and with `external` the
 * second, which is the later state, would be refused.
 */
import type { ScoreLabel, ScoreReason, ScoreRecord } from '@weir/contracts';
import { EsSinkError } from './errors.js';
import { indexNameFor } from './index-name.js';

/** The ECS version whose field names and types the documents follow. */
export const ECS_VERSION = '1.12.0';

export const VERSION_TYPE = 'external_gte';

export interface ScoreReasonDocument {
  feature: string;
  /** null where the record's number is not finite: JSON has no NaN or Infinity. */
  value: number | null;
  baseline_median: number | null;
  robust_z: number | null;
  contribution: number | null;
}

export interface ScoreDocument {
  '@timestamp': string;
  ecs: { version: string };
  event: {
    /** `alert` for a bot verdict a security view should act on; `event` otherwise (and for every shadow score). */
    kind: 'alert' | 'event';
    category: ['web'];
    type: ['info'];
    module: 'weir';
    dataset: 'weir.scores';
    start: string;
    end: string;
    /** Nanoseconds, as ECS defines it. */
    duration: number;
    /** score × 100: ECS expects 0-100 for the normalised value, and weir's score is 0-1. */
    risk_score: number;
    risk_score_norm: number;
  };
  source: { ip: string };
  /** Absent when the session has no user agent (ECS: leave out a field with no value). */
  user_agent?: { original: string };
  organization: { id: string };
  weir: {
    customer: string;
    session_id: string;
    session_key: string;
    score: number;
    label: ScoreLabel;
    model_version: string;
    shadow: boolean;
    window_start: string | null;
    request_count: number;
    closed: boolean;
    reasons: ScoreReasonDocument[];
  };
}

/** One document as the bulk API indexes it. */
export interface ScoreDocumentAction {
  index: string;
  id: string;
  version: number;
  document: ScoreDocument;
}

export function documentIdOf(record: Pick<ScoreRecord, 'sessionId' | 'shadow'>): string {
  return record.shadow ? `${record.sessionId}:shadow` : record.sessionId;
}

/** Compares like ES compares external versions: larger is newer. */
export function documentVersionOf(record: Pick<ScoreRecord, 'scoredAt'>): number {
  return Math.floor(record.scoredAt);
}

function invalid(record: ScoreRecord, problem: string): EsSinkError {
  return new EsSinkError('WEIR_ES_DOCUMENT', `score of session ${record.sessionId} cannot be indexed: ${problem}`);
}

function isoTime(record: ScoreRecord, field: string, epochMs: number): string {
  const date = new Date(epochMs);
  if (!Number.isFinite(epochMs) || Number.isNaN(date.getTime())) throw invalid(record, `${field} ${epochMs} is not a time`);
  return date.toISOString();
}

function finiteOrNull(n: number | null): number | null {
  return n !== null && Number.isFinite(n) ? n : null;
}

function reasonDocument(reason: ScoreReason): ScoreReasonDocument {
  return {
    feature: reason.feature,
    value: finiteOrNull(reason.value),
    baseline_median: finiteOrNull(reason.baselineMedian),
    robust_z: finiteOrNull(reason.robustZ),
    contribution: finiteOrNull(reason.contribution),
  };
}

/** Six decimals: enough for a 0-100 score, and no `7.000000000000001` from `0.07 * 100` in the source. */
function percent(score: number): number {
  return Math.round(score * 100 * 1e6) / 1e6;
}

/** The ECS document of one score. Throws WEIR_ES_DOCUMENT for a record no document can represent. */
export function scoreDocument(record: ScoreRecord): ScoreDocument {
  if (!Number.isFinite(record.score) || record.score < 0 || record.score > 1) {
    throw invalid(record, `score ${record.score} is not between 0 and 1`);
  }
  if (!Number.isInteger(record.requestCount) || record.requestCount < 0) {
    throw invalid(record, `request count ${record.requestCount} is not a count`);
  }
  const document: ScoreDocument = {
    '@timestamp': isoTime(record, 'scoredAt', record.scoredAt),
    ecs: { version: ECS_VERSION },
    event: {
      kind: record.label === 'bot' && !record.shadow ? 'alert' : 'event',
      category: ['web'],
      type: ['info'],
      module: 'weir',
      dataset: 'weir.scores',
      start: isoTime(record, 'firstTime', record.firstTime),
      end: isoTime(record, 'lastTime', record.lastTime),
      duration: (record.lastTime - record.firstTime) * 1_000_000,
      risk_score: percent(record.score),
      risk_score_norm: percent(record.score),
    },
    source: { ip: record.clientIp },
    organization: { id: record.customer },
    weir: {
      customer: record.customer,
      session_id: record.sessionId,
      session_key: record.sessionKey,
      score: record.score,
      label: record.label,
      model_version: record.modelVersion,
      shadow: record.shadow,
      window_start: record.windowStart === null ? null : isoTime(record, 'windowStart', record.windowStart),
      request_count: record.requestCount,
      closed: record.closed,
      reasons: record.reasons.map(reasonDocument),
    },
  };
  if (record.userAgent !== null) document.user_agent = { original: record.userAgent };
  return document;
}

/** Document, id, version and index of one score. Throws WEIR_ES_DOCUMENT like `scoreDocument`. */
export function scoreDocumentAction(record: ScoreRecord, indexPrefix: string): ScoreDocumentAction {
  const document = scoreDocument(record);
  const version = documentVersionOf(record);
  if (version < 0) throw invalid(record, `scoredAt ${record.scoredAt} is before 1970: ES versions cannot be negative`);
  return { index: indexNameFor(indexPrefix, record.firstTime), id: documentIdOf(record), version, document };
}

/** The two NDJSON lines (action, source) the bulk API takes for one document, each ending in `\n`. */
export function bulkLines(action: ScoreDocumentAction): string {
  const meta = { index: { _index: action.index, _id: action.id, version: action.version, version_type: VERSION_TYPE } };
  return `${JSON.stringify(meta)}\n${JSON.stringify(action.document)}\n`;
}
