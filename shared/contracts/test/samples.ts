/** Typed sample records: the compiler checks them against records.ts, the tests against schemas.ts. */
import { MAX_LONG } from '../src/avro.js';
import type { RequestEvent, ScoreRecord, SessionFeatures, WindowSummary } from '../src/records.js';

/** 9999-12-31T23:59:59.999Z: the largest timestamp anyone will send, well inside 2^53. */
export const FAR_FUTURE = 253_402_300_799_999;
export const NOW = 1_735_689_600_123;
export { MAX_LONG, MIN_LONG } from '../src/avro.js';

export const fullRequest: RequestEvent = {
  customer: 'acme',
  eventTime: NOW,
  clientIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0',
  method: 'GET',
  path: '/products/42',
  query: 'ref=home&q=caf%C3%A9',
  protocol: 'HTTP/1.1',
  status: 200,
  bytes: MAX_LONG,
  referrer: 'https://acme.example/',
  host: 'acme.example',
  sessionId: 'c0ffee',
  requestTimeMs: 12.5,
  extra: { upstream: '10.0.0.1:8080', 'x-forwarded-for': '198.51.100.1', unicode: 'naïve ☕' },
  unlogged: [],
};

export const sparseRequest: RequestEvent = {
  customer: 'acme',
  eventTime: 0,
  clientIp: '::1',
  userAgent: null,
  method: 'POST',
  path: '/',
  query: null,
  protocol: null,
  status: 499,
  bytes: 0,
  referrer: null,
  host: null,
  sessionId: null,
  requestTimeMs: null,
  extra: {},
  unlogged: ['referrer', 'bytes'],
};

export const fullSession: SessionFeatures = {
  customer: 'acme',
  sessionId: 's-1',
  sessionKey: '203.0.113.7|Mozilla/5.0',
  clientIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
  firstTime: NOW,
  lastTime: FAR_FUTURE,
  requestCount: 2 ** 40,
  closed: true,
  closeReason: null,
  featureSet: 'fs-3f2a',
  features: { requestRate: 0.25, errorShare: 0, meanGapMs: -1.5e300 },
};

export const sparseSession: SessionFeatures = { ...fullSession, userAgent: null, closed: false, features: {} };

export const fullWindow: WindowSummary = {
  customer: 'acme',
  windowStart: NOW,
  windowEnd: NOW + 3_600_000,
  sessionCount: 1234,
  closed: false,
  featureSet: 'fs-3f2a',
  features: {
    requestRate: {
      count: 1234,
      mean: 0.5,
      variance: 0.01,
      min: 0,
      max: 3,
      median: 0.4,
      mad: 0.1,
      quantiles: { '0.05': 0.01, '0.95': 2.5 },
    },
  },
};

export const sparseWindow: WindowSummary = { ...fullWindow, sessionCount: 0, closed: true, features: {} };

export const fullScore: ScoreRecord = {
  customer: 'acme',
  sessionId: 's-1',
  sessionKey: '203.0.113.7|Mozilla/5.0',
  clientIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
  firstTime: NOW,
  lastTime: NOW + 5000,
  requestCount: 17,
  closed: true,
  score: 0.93,
  label: 'bot',
  modelVersion: 'm-2025-01-01',
  shadow: true,
  windowStart: NOW - 3_600_000,
  reasons: [
    { feature: 'requestRate', value: 9, baselineMedian: 0.4, robustZ: 58, contribution: 0.7 },
    { feature: 'errorShare', value: 0.5, baselineMedian: null, robustZ: null, contribution: 0.3 },
  ],
  scoredAt: NOW + 5001,
};

export const sparseScore: ScoreRecord = {
  ...fullScore,
  userAgent: null,
  label: 'human',
  shadow: false,
  windowStart: null,
  reasons: [],
};
