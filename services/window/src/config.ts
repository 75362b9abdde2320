/** The window service's settings, from the environment (besides the bus and registry ones). */
import type { WindowBaselineConfig } from '@weir/features';
import { env, readEnv, type DeliveryGuarantee } from '@weir/stream';

export const windowEnv = {
  port: env.int('PORT', { min: 0, max: 65535 }).default(9090),
  size: env.duration('WEIR_WINDOW_SIZE', { min: '1s' }).default('1m'),
  hop: env.duration('WEIR_WINDOW_HOP', { min: '1s' }).optional(),
  lateness: env.duration('WEIR_WINDOW_LATENESS').default('60s'),
  updateEvery: env.int('WEIR_WINDOW_UPDATE_EVERY', { min: 0 }).default(100),
  closeIdleAfter: env.duration('WEIR_CLOSE_IDLE_AFTER').default('0s'),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once'),
  groupId: env.string('WEIR_GROUP_ID', { pattern: /^[A-Za-z0-9._-]+$/, expected: 'letters, digits, . _ -' }).default('weir-window'),
};

export interface WindowConfig {
  port: number;
  groupId: string;
  delivery: DeliveryGuarantee;
  closeIdleAfterMs: number;
  window: WindowBaselineConfig;
}

export function loadWindowConfig(source: NodeJS.ProcessEnv = process.env): WindowConfig {
  const v = readEnv(windowEnv, source, (values) =>
    values.hop !== undefined && values.size !== undefined && values.hop > values.size ? ['WEIR_WINDOW_HOP must not exceed WEIR_WINDOW_SIZE'] : [],
  );
  return {
    port: v.port,
    groupId: v.groupId,
    delivery: v.delivery,
    closeIdleAfterMs: v.closeIdleAfter,
    window: {
      sizeMs: v.size,
      ...(v.hop !== undefined ? { hopMs: v.hop } : {}),
      allowedLatenessMs: v.lateness,
      updateEveryRecords: v.updateEvery,
    },
  };
}
