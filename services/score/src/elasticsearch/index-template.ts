/**
 * The composable index template (PUT _index_template, ES 7.8+) every daily score index is created
 * from: explicit mappings, settings, and the read alias.
 *
 * The whole mapping is `dynamic: strict`: every field the sink writes is listed here, so a typo in
 * document.ts or a field added on one side only fails the first write loudly (a dead letter naming
 * the field) instead of quietly mapping a new field nobody searches. A template change applies to
 * the indices created after it, i.e. from the next day on; today's index keeps its mapping.
 */
import type { TemplateSettings } from './config.js';
import { indexPatternOf, readAliasOf } from './index-name.js';

/** Bump when the mapping or settings change, so `GET _index_template` shows which one is installed. */
export const TEMPLATE_VERSION = 1;

type FieldType = 'keyword' | 'match_only_text' | 'date' | 'long' | 'float' | 'double' | 'boolean' | 'ip';

export interface FieldMapping {
  type: FieldType;
  ignore_above?: number;
  fields?: Record<string, FieldMapping>;
}

export interface ObjectMapping {
  type?: 'nested';
  dynamic?: 'strict';
  properties: Record<string, Mapping>;
}

export type Mapping = FieldMapping | ObjectMapping;

export interface IndexTemplateBody {
  index_patterns: string[];
  priority: number;
  version: number;
  _meta: Record<string, string | number>;
  template: {
    settings: Record<string, string | number | boolean>;
    mappings: { dynamic: 'strict'; properties: Record<string, Mapping> };
    aliases: Record<string, Record<string, never>>;
  };
}

const keyword = (ignoreAbove = 1024): FieldMapping => ({ type: 'keyword', ignore_above: ignoreAbove });
const field = (type: FieldType): FieldMapping => ({ type });
const object = (properties: Record<string, Mapping>): ObjectMapping => ({ properties });

/** Types are ECS 1.12's for the ECS fields. */
export const SCORE_MAPPINGS: Record<string, Mapping> = {
  '@timestamp': field('date'),
  ecs: object({ version: keyword() }),
  event: object({
    kind: keyword(),
    category: keyword(),
    type: keyword(),
    module: keyword(),
    dataset: keyword(),
    start: field('date'),
    end: field('date'),
    duration: field('long'),
    risk_score: field('float'),
    risk_score_norm: field('float'),
  }),
  source: object({ ip: field('ip') }),
  user_agent: object({
    // ECS: keyword for exact matches and aggregations, a text sub-field for "contains curl".
    original: { type: 'keyword', ignore_above: 1024, fields: { text: field('match_only_text') } },
  }),
  organization: object({ id: keyword() }),
  weir: {
    dynamic: 'strict',
    properties: {
      customer: keyword(),
      session_id: keyword(),
      // `ip|user agent` keys can be long; past this they stay in _source but are not searchable.
      session_key: keyword(2048),
      score: field('double'),
      label: keyword(),
      model_version: keyword(),
      shadow: field('boolean'),
      window_start: field('date'),
      request_count: field('long'),
      closed: field('boolean'),
      // nested, so "a reason with feature X AND robust_z > 5" matches within one reason, not across two.
      reasons: {
        type: 'nested',
        dynamic: 'strict',
        properties: {
          feature: keyword(),
          value: field('double'),
          baseline_median: field('double'),
          robust_z: field('double'),
          contribution: field('double'),
        },
      },
    },
  },
};

export interface TemplateOptions extends TemplateSettings {
  indexPrefix: string;
}

export function templateNameOf(indexPrefix: string): string {
  return indexPrefix;
}

export function scoreIndexTemplate(opts: TemplateOptions): { name: string; body: IndexTemplateBody } {
  const settings: Record<string, string | number | boolean> = {
    'index.number_of_shards': opts.shards,
    'index.number_of_replicas': opts.replicas,
  };
  if (opts.ilmPolicy !== null) {
    settings['index.lifecycle.name'] = opts.ilmPolicy;
    // Age each index from the day in its name (its sessions' start), not from its creation.
    settings['index.lifecycle.parse_origination_date'] = true;
  }
  return {
    name: templateNameOf(opts.indexPrefix),
    body: {
      index_patterns: [indexPatternOf(opts.indexPrefix)],
      // Above the built-in templates (logs-*-*, metrics-*-* at 100) should a prefix ever overlap them.
      priority: 200,
      version: TEMPLATE_VERSION,
      _meta: { managed_by: 'weir score service', description: 'weir session bot scores, one document per session' },
      template: {
        settings,
        mappings: { dynamic: 'strict', properties: SCORE_MAPPINGS },
        aliases: { [readAliasOf(opts.indexPrefix)]: {} },
      },
    },
  };
}
