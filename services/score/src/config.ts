/** The score service's settings, from the environment (besides the bus, registry and Elasticsearch ones). */
import type { Thresholds } from '@weir/pipeline';
import { env, readEnv, type DeliveryGuarantee } from '@weir/stream';

const THRESHOLDS = /^\s*suspicious\s*=\s*[\d.]+\s*,\s*bot\s*=\s*[\d.]+\s*$/;

export const scoreEnv = {
  port: env.int('PORT', { min: 0, max: 65535 }).default(9090),
  modelDir: env.string('WEIR_MODEL_DIR').optional(),
  shadowModelDir: env.string('WEIR_SHADOW_MODEL_DIR').optional(),
  modelPoll: env.duration('WEIR_MODEL_POLL', { min: '100ms' }).default('5s'),
  thresholds: env.string('WEIR_THRESHOLDS', { pattern: THRESHOLDS, expected: 'suspicious=0.5,bot=0.8' }).optional(),
  customerThresholds: env.string('WEIR_CUSTOMER_THRESHOLDS', { expected: 'customer:suspicious=0.6,bot=0.9;other:...' }).optional(),
  maxWait: env.duration('WEIR_SCORE_MAX_WAIT').default('5m'),
  elasticsearch: env.string('ELASTICSEARCH_URL').optional(),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once'),
  groupId: env.string('WEIR_GROUP_ID', { pattern: /^[A-Za-z0-9._-]+$/, expected: 'letters, digits, . _ -' }).default('weir-score'),
};

function parseThresholds(text: string): Thresholds | string {
  const values = Object.fromEntries(text.split(',').map((pair) => pair.split('=').map((s) => s.trim())));
  const suspicious = Number(values.suspicious);
  const bot = Number(values.bot);
  if (!(suspicious >= 0 && suspicious <= 1 && bot >= 0 && bot <= 1)) return `'${text}': both suspicious and bot must be numbers in [0, 1]`;
  if (suspicious > bot) return `'${text}': suspicious must not exceed bot`;
  return { suspicious, bot };
}

export interface ScoreConfig {
  port: number;
  groupId: string;
  delivery: DeliveryGuarantee;
  modelDir: string | undefined;
  shadowModelDir: string | undefined;
  modelPollMs: number;
  maxWaitMs: number;
  thresholds: Thresholds | undefined;
  customerThresholds: Record<string, Thresholds>;
  elasticsearch: boolean;
}

export function loadScoreConfig(source: NodeJS.ProcessEnv = process.env): ScoreConfig {
  const customerThresholds: Record<string, Thresholds> = {};
  let thresholds: Thresholds | undefined;
  const v = readEnv(scoreEnv, source, (values) => {
    const problems: string[] = [];
    if (values.thresholds !== undefined) {
      const parsed = parseThresholds(values.thresholds);
      if (typeof parsed === 'string') problems.push(`WEIR_THRESHOLDS=${parsed}`);
      else thresholds = parsed;
    }
    for (const entry of (values.customerThresholds ?? '').split(';').filter((e) => e.trim() !== '')) {
      const at = entry.indexOf(':');
      const parsed = at > 0 ? parseThresholds(entry.slice(at + 1)) : `'${entry}': expected customer:suspicious=...,bot=...`;
      if (typeof parsed === 'string') problems.push(`WEIR_CUSTOMER_THRESHOLDS=${parsed}`);
      else customerThresholds[entry.slice(0, at).trim()] = parsed;
    }
    return problems;
  });
  return {
    port: v.port,
    groupId: v.groupId,
    delivery: v.delivery,
    modelDir: v.modelDir,
    shadowModelDir: v.shadowModelDir,
    modelPollMs: v.modelPoll,
    maxWaitMs: v.maxWait,
    thresholds,
    customerThresholds,
    elasticsearch: v.elasticsearch !== undefined,
  };
}
