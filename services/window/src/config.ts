/**
 * The window service's settings, from the environment (the bus's KAFKA_* and WEIR_BUS are read
 * by @weir/stream, SCHEMA_REGISTRY_* by @weir/contracts). Every problem is reported at once.
 */
import { isFeatureError, WindowBaseline, type WindowBaselineConfig } from '@weir/features';
import { configError, env, parseEnv, type DeliveryGuarantee } from '@weir/stream';
import { connectionProblems, groupPrefixEnv, namespaceEnv } from './common-env.js';

export const windowEnv = {
  port: env.int('PORT', { min: 0, max: 65535 }).default(9090),
  size: env.duration('WEIR_WINDOW_SIZE', { min: '1s' }).default('1m'),
  hop: env.duration('WEIR_WINDOW_HOP', { min: '1s' }).optional(),
  lateness: env.duration('WEIR_WINDOW_LATENESS').default('60s'),
  updateEvery: env.int('WEIR_WINDOW_UPDATE_EVERY', { min: 0 }).default(100),
  closeIdleAfter: env.duration('WEIR_CLOSE_IDLE_AFTER').default('0s'),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once'),
  groupPrefix: groupPrefixEnv,
  namespace: namespaceEnv,
};

export interface WindowConfig {
  port: number;
  groupId: string;
  delivery: DeliveryGuarantee;
  namespace: string | undefined;
  closeIdleAfterMs: number;
  window: WindowBaselineConfig;
}

/** Throws a WEIR_CONFIG StreamError listing every problem. */
export function loadWindowConfig(source: NodeJS.ProcessEnv = process.env): WindowConfig {
  const { values: v, problems } = parseEnv(windowEnv, source);
  if (v.hop !== undefined && v.size !== undefined && v.hop > v.size) {
    problems.push(`WEIR_WINDOW_HOP (${v.hop} ms) must not exceed WEIR_WINDOW_SIZE (${v.size} ms)`);
  }
  problems.push(...connectionProblems(source));
  if (problems.length > 0) throw configError(problems);
  const window: WindowBaselineConfig = {
    sizeMs: v.size!,
    ...(v.hop !== undefined ? { hopMs: v.hop } : {}),
    allowedLatenessMs: v.lateness!,
    updateEveryRecords: v.updateEvery!,
  };
  try {
    // The feature library's own checks, so that a rule added there also fails here, at start-up.
    new WindowBaseline(window);
  } catch (err) {
    if (isFeatureError(err)) throw configError([err.message]);
    throw err;
  }
  return {
    port: v.port!,
    groupId: `${v.groupPrefix!}-window`,
    delivery: v.delivery!,
    namespace: v.namespace,
    closeIdleAfterMs: v.closeIdleAfter!,
    window,
  };
}
