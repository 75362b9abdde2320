/** Relative features: z and robust scores against a hand-built baseline, the MAD guard chain, clipping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureStats, WindowSummary } from '@weir/contracts';
import { isFeatureError } from '../src/errors.js';
import { FEATURE_NAMES, featureSetFingerprint, relativeFeatureNames } from '../src/registry.js';
import { deviation, relativeFeatures, robustScale } from '../src/relative.js';
import { assertClose, sessionRecord } from './helpers.js';

function stats(overrides: Partial<FeatureStats>): FeatureStats {
  return { count: 100, mean: 0, variance: 0, min: 0, max: 0, median: 0, mad: 0, quantiles: {}, ...overrides };
}

function summary(features: Record<string, FeatureStats>): WindowSummary {
  return { customer: 'shop', windowStart: 60_000, windowEnd: 120_000, sessionCount: 100, closed: true, featureSet: featureSetFingerprint, features };
}

test('z and robust z by hand', () => {
  const requestCount = stats({ mean: 10, variance: 4, median: 9, mad: 2, quantiles: { '0.25': 7, '0.75': 12 } });
  const d = deviation('request_count', 15, requestCount);
  assert.equal(d.z, 2.5); // (15 − 10) / 2
  assertClose(d.robustZ, 6 / (1.4826 * 2), 1e-12, 'robustZ'); // (15 − 9) / (1.4826 · 2)
  assert.equal(d.robustScale, 1.4826 * 2);
});

test('MAD = 0 falls back to IQR/1.349, then to the standard deviation, then to the floor', () => {
  assert.equal(robustScale(stats({ median: 1, mad: 0, quantiles: { '0.25': 1, '0.75': 3 } })), 2 / 1.349);
  assert.equal(robustScale(stats({ median: 0, mad: 0, variance: 0.01, quantiles: { '0.25': 0, '0.75': 0 } })), 0.1);
  assert.equal(robustScale(stats({ median: 0, mad: 0, variance: 0 })), 1e-6);
  // Never below 2% of |median|: the sketch's median is only that exact.
  assert.equal(robustScale(stats({ median: 100, mad: 0.1 })), 2);
  // Everyone at 0, this session at 1: as far out as the clip allows.
  assert.equal(deviation('robots_txt', 1, stats({})).robustZ, 50);
  assert.equal(deviation('robots_txt', 1, stats({})).z, 50);
  assert.equal(deviation('robots_txt', 0, stats({})).robustZ, 0);
  assert.equal(deviation('robots_txt', -1, stats({}), { clip: 5 }).z, -5);
});

test('relativeFeatures: every registry feature gets z_ and rz_, 0 where the baseline has nothing', () => {
  const session = sessionRecord('s', 90_000, { request_count: 15, share_get: 0.5 });
  const baseline = summary({
    request_count: stats({ mean: 10, variance: 4, median: 9, mad: 2 }),
    share_get: stats({ mean: 0.9, variance: 0.01, median: 1, mad: 0, quantiles: { '0.25': 0.8, '0.75': 1 } }),
  });
  const relative = relativeFeatures(session, baseline);
  assert.deepEqual(Object.keys(relative.vector), relativeFeatureNames());
  assert.equal(relative.vector.z_request_count, 2.5);
  assertClose(relative.vector.rz_share_get, (0.5 - 1) / (0.2 / 1.349), 1e-12, 'rz_share_get');
  assertClose(relative.vector.z_share_get, (0.5 - 0.9) / 0.1, 1e-12, 'z_share_get');
  assert.equal(relative.vector.z_page_count, 0);
  assert.deepEqual(
    relative.deviations.map((d) => d.feature),
    ['request_count', 'share_get'],
  );
  assert.equal(relative.windowStart, 60_000);
  // One feature's deviation alone (what a reason reads) is the one of the full list; none where the list has none.
  const alone = relativeFeatures(session, baseline);
  assert.deepEqual(alone.deviationOf('share_get'), deviation('share_get', 0.5, baseline.features.share_get!));
  assert.equal(alone.deviationOf('page_count'), undefined);
  for (const feature of FEATURE_NAMES) assert.deepEqual(alone.deviationOf(feature), relative.deviations.find((d) => d.feature === feature), feature);
  const none = relativeFeatures(session, null);
  assert.equal(none.deviationOf('request_count'), undefined);
  assert.equal(Object.values(none.vector).every((v) => v === 0), true);
  assert.equal(none.vector[`z_${FEATURE_NAMES[0]}`], 0);
});

test('a session or baseline from other feature code is refused', () => {
  const session = sessionRecord('s', 0);
  assert.throws(
    () => relativeFeatures({ ...session, featureSet: 'fs1-x' }, null),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_FINGERPRINT_MISMATCH'),
  );
  assert.throws(
    () => relativeFeatures(session, { ...summary({}), featureSet: 'fs1-x' }),
    (err: unknown) => isFeatureError(err, 'WEIR_FEATURES_FINGERPRINT_MISMATCH'),
  );
});
