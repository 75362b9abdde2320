/**
 * The window service's settings, from the environment (the bus's KAFKA_* and WEIR_BUS are read
 * by @weir/stream, SCHEMA_REGISTRY_* by @weir/contracts). Every problem is reported at once.
 */
import { isFeatureError, WindowBaseline, type WindowBaselineConfig } from '@weir/features';
import { portEnv, connectionProblems, groupPrefixEnv, namespaceEnv, shutdownTimeoutEnv } from '@weir/service';
import { configError, env, parseEnv, type DeliveryGuarantee } from '@weir/stream';

export const windowEnv = {
  port: portEnv(9090),
  size: env.duration('WEIR_WINDOW_SIZE', { min: '1s' }).default('1m').describe('Length of a window of the per-customer baseline'),
  hop: env.duration('WEIR_WINDOW_HOP', { min: '1s' }).optional().describe('Hop of hopping windows, at most WEIR_WINDOW_SIZE (unset: tumbling windows)'),
  lateness: env.duration('WEIR_WINDOW_LATENESS').default('60s').describe('How far behind the newest session time of its customer a record may be and still count'),
  updateEvery: env.int('WEIR_WINDOW_UPDATE_EVERY', { min: 0 }).default(100).describe('Publish the running summary of a window after this many records touched it (0: only on close)'),
  closeIdleAfter: env.duration('WEIR_CLOSE_IDLE_AFTER').default('0s').describe('Close the open sessions (sessionize) or windows (window) of an input partition with no input for this long, wall clock (0s: never)'),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once').describe('Delivery guarantee; at-least-once produces then commits, exactly-once uses Kafka transactions'),
  groupPrefix: groupPrefixEnv,
  shutdownTimeout: shutdownTimeoutEnv,
  namespace: namespaceEnv,
};

export interface WindowConfig {
  port: number;
  /** Bound on the graceful stop after SIGTERM (WEIR_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs: number;
  groupId: string;
  delivery: DeliveryGuarantee;
  namespace: string | undefined;
  closeIdleAfterMs: number;
  window: WindowBaselineConfig;
}

/** Throws a WEIR_CONFIG StreamError listing every problem. */
export function loadWindowConfig(source: NodeJS.ProcessEnv = process.env): WindowConfig {
  const { values: v, problems, valid } = parseEnv(windowEnv, source);
  if (v.hop !== undefined && v.size !== undefined && v.hop > v.size) {
    problems.push(`WEIR_WINDOW_HOP (${v.hop} ms) must not exceed WEIR_WINDOW_SIZE (${v.size} ms)`);
  }
  problems.push(...connectionProblems(source));
  const c = valid();
  const window: WindowBaselineConfig = {
    sizeMs: c.size,
    ...(c.hop !== undefined ? { hopMs: c.hop } : {}),
    allowedLatenessMs: c.lateness,
    updateEveryRecords: c.updateEvery,
  };
  try {
    // The feature library's own checks, so that a rule added there also fails here, at start-up.
    new WindowBaseline(window);
  } catch (err) {
    if (isFeatureError(err)) throw configError([err.message]);
    throw err;
  }
  return {
    port: c.port,
    shutdownTimeoutMs: c.shutdownTimeout,
    groupId: `${c.groupPrefix}-window`,
    delivery: c.delivery,
    namespace: c.namespace,
    closeIdleAfterMs: c.closeIdleAfter,
    window,
  };
}
