/**
 * The sessionize service's settings, from the environment (besides the bus and registry ones,
 * read by @weir/stream and @weir/contracts).
 */
import type { SessionizerConfig, SessionKeySpec } from '@weir/features';
import { env, readEnv, type DeliveryGuarantee } from '@weir/stream';

export const sessionizeEnv = {
  port: env.int('PORT', { min: 0, max: 65535 }).default(9090),
  sessionKey: env.string('WEIR_SESSION_KEY', { pattern: /^(ip_ua|field:[A-Za-z0-9_.-]+)$/, expected: 'ip_ua or field:NAME' }).default('ip_ua'),
  gap: env.duration('WEIR_SESSION_GAP', { min: '1s' }).default('30m'),
  maxDuration: env.duration('WEIR_SESSION_MAX_DURATION', { min: '1m' }).default('4h'),
  lateness: env.duration('WEIR_SESSION_LATENESS').default('60s'),
  updateEvery: env.int('WEIR_SESSION_UPDATE_EVERY', { min: 0 }).default(10),
  updateAfter: env.duration('WEIR_SESSION_UPDATE_AFTER').default('30s'),
  closeIdleAfter: env.duration('WEIR_CLOSE_IDLE_AFTER').default('0s'),
  timeZone: env.string('WEIR_TIMEZONE').default('UTC'),
  delivery: env.oneOf('WEIR_DELIVERY', ['at-least-once', 'exactly-once']).default('at-least-once'),
  groupId: env.string('WEIR_GROUP_ID', { pattern: /^[A-Za-z0-9._-]+$/, expected: 'letters, digits, . _ -' }).default('weir-sessionize'),
};

export interface SessionizeConfig {
  port: number;
  groupId: string;
  delivery: DeliveryGuarantee;
  closeIdleAfterMs: number;
  sessionizer: SessionizerConfig;
}

export function loadSessionizeConfig(source: NodeJS.ProcessEnv = process.env): SessionizeConfig {
  const v = readEnv(sessionizeEnv, source);
  const sessionKey: SessionKeySpec = v.sessionKey === 'ip_ua' ? 'ip_ua' : `field:${v.sessionKey.slice('field:'.length)}`;
  return {
    port: v.port,
    groupId: v.groupId,
    delivery: v.delivery,
    closeIdleAfterMs: v.closeIdleAfter,
    sessionizer: {
      sessionKey,
      gapMs: v.gap,
      maxDurationMs: v.maxDuration,
      allowedLatenessMs: v.lateness,
      updateEveryEvents: v.updateEvery,
      updateAfterMs: v.updateAfter,
      timeZone: v.timeZone,
    },
  };
}
