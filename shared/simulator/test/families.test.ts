import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BOT_FAMILIES, FAMILY_WEIGHTS, simulateTraffic, type Family } from '../src/index.js';
import { ASSET, cv, gaps, median, sessionsOf, type SessionLines } from './helpers.js';

const BOT_SHARE = 0.4;

describe('simulated families', () => {
  let all: SessionLines[];
  const of = (family: Family): SessionLines[] => all.filter((s) => s.session.family === family);
  const pages = (s: SessionLines): SessionLines['lines'] => s.lines.filter((l) => !ASSET.test(l.target));

  before(() => {
    all = sessionsOf({ customers: 2, durationMs: 2 * 3_600_000, seed: 'families', ratePerMinute: 10, botShare: BOT_SHARE });
  });

  it('has every family, in sensible shares, each session with one label and unique (IP, User-Agent)', () => {
    const counts = new Map<Family, number>();
    const keys = new Set<string>();
    for (const { session, lines } of all) {
      counts.set(session.family, (counts.get(session.family) ?? 0) + 1);
      assert.equal(session.label, session.family === 'human' ? 'human' : 'bot');
      const key = `${session.clientIp}|${session.userAgent ?? '-'}`;
      assert.ok(!keys.has(key), `two sessions share ${key}`);
      keys.add(key);
      assert.equal(lines.length, session.requests);
      for (const line of lines) assert.equal(line.ip, session.clientIp);
    }
    const bots = all.length - (counts.get('human') ?? 0);
    const botShare = bots / all.length;
    assert.ok(Math.abs(botShare - BOT_SHARE) < 0.05, `bot share ${botShare.toFixed(3)}`);
    for (const family of BOT_FAMILIES) {
      const share = (counts.get(family) ?? 0) / bots;
      const expected = FAMILY_WEIGHTS[family];
      assert.ok(share > expected * 0.6 && share < expected * 1.4, `${family}: ${share.toFixed(3)} of bots, expected about ${expected}`);
    }
  });

  it('humans load pages with their assets, pause irregularly, and get mostly 200/304', () => {
    const humans = of('human');
    const withAssets = humans.filter((s) => s.lines.some((l) => ASSET.test(l.target)));
    assert.ok(withAssets.length / humans.length > 0.95, 'humans without assets');
    const statuses = humans.flatMap((s) => s.lines.map((l) => l.status));
    const ok = statuses.filter((st) => st === 200 || st === 304).length / statuses.length;
    assert.ok(ok > 0.97, `200/304 share ${ok}`);
    assert.ok(statuses.includes(404) && statuses.includes(302), 'no occasional 404 or redirect');
    assert.ok(humans.some((s) => s.lines.some((l) => l.method === 'POST')), 'no POSTs');
    // Assets come within a second of their page, with a page of the site as referrer.
    for (const s of humans.slice(0, 200)) {
      for (const l of s.lines.filter((x) => ASSET.test(x.target))) {
        assert.ok(l.referrer.startsWith('https://www.'), `asset referrer ${l.referrer}`);
      }
    }
    // Heavy-tailed think times: gaps between page views vary a lot, from seconds to minutes.
    const thinking = humans.flatMap((s) => gaps(pages(s).map((l) => l.ms))).filter((g) => g > 1000);
    assert.ok(cv(thinking) > 0.8, `think-time CV ${cv(thinking)}`);
    assert.ok(thinking.some((g) => g > 120_000) && thinking.some((g) => g < 5_000));
    const referrers = new Set(humans.map((s) => new URL(s.lines[0]!.referrer === '-' ? 'https://direct/' : s.lines[0]!.referrer).host));
    for (const host of ['www.google.com', 'direct']) assert.ok(referrers.has(host), `no landing from ${host}`);
  });

  it('search crawlers fetch robots.txt first, then pages only, steadily', () => {
    for (const s of of('search_crawler')) {
      assert.equal(s.lines[0]!.target, '/robots.txt');
      assert.ok(!s.lines.some((l) => ASSET.test(l.target) && l.target !== '/robots.txt'), 'crawler fetched an asset');
      assert.ok(/bot|spider|Googlebot/i.test(s.session.userAgent ?? ''), s.session.userAgent ?? '-');
      const g = gaps(s.lines.slice(2).map((l) => l.ms));
      if (g.length >= 10) assert.ok(cv(g) < 0.2, `crawler gap CV ${cv(g)}`);
    }
  });

  it('scrapers paginate listings fast, with no assets', () => {
    for (const s of of('scraper')) {
      assert.ok(s.lines.some((l) => /\?page=\d+$/.test(l.target)), 'no pagination');
      assert.ok(!s.lines.some((l) => ASSET.test(l.target)));
      if (s.lines.length > 10) assert.ok(median(gaps(s.lines.map((l) => l.ms))) < 3_000);
    }
  });

  it('credential stuffers mostly POST to the login form and mostly fail', () => {
    const lines = of('credential_stuffing').flatMap((s) => s.lines);
    const posts = lines.filter((l) => l.method === 'POST');
    assert.ok(posts.length / lines.length > 0.85);
    const failed = posts.filter((l) => [401, 403, 429].includes(l.status)).length / posts.length;
    assert.ok(failed > 0.8, `failed share ${failed}`);
  });

  it('scalpers hammer stock, cart and checkout in sub-second gaps', () => {
    for (const s of of('scalper')) {
      assert.ok(s.lines.some((l) => l.method === 'POST' && /cart/.test(l.target)), 'no add to cart');
      if (s.lines.length > 10) assert.ok(median(gaps(s.lines.map((l) => l.ms))) < 1_000);
    }
  });

  it('low-and-slow bots fetch one page every 20–60 s with regular gaps', () => {
    for (const s of of('low_and_slow')) {
      assert.ok(!s.lines.some((l) => ASSET.test(l.target)));
      const g = gaps(s.lines.map((l) => l.ms));
      if (g.length < 5) continue;
      assert.ok(cv(g) < 0.12, `gap CV ${cv(g)}`);
      const m = median(g);
      assert.ok(m > 18_000 && m < 66_000, `median gap ${m}`);
    }
  });

  it('headless browsers load assets like people but on a regular clock, without a favicon', () => {
    for (const s of of('headless_browser')) {
      assert.ok(s.lines.some((l) => ASSET.test(l.target)), 'no assets');
      assert.ok(!s.lines.some((l) => l.target === '/favicon.ico'));
      const g = gaps(pages(s).map((l) => l.ms));
      if (g.length >= 4) assert.ok(cv(g) < 0.15, `page gap CV ${cv(g)}`);
    }
  });

  it('vulnerability scanners probe for admin panels and secrets and mostly get 404', () => {
    const lines = of('vuln_scanner').flatMap((s) => s.lines);
    const notFound = lines.filter((l) => l.status === 404).length / lines.length;
    assert.ok(notFound > 0.7, `404 share ${notFound}`);
    const targets = new Set(lines.map((l) => l.target));
    for (const probe of ['/.env', '/wp-admin/', '/.git/config', '/phpmyadmin/']) assert.ok(targets.has(probe), probe);
    assert.ok([...targets].some((t) => t.includes('..')), 'no traversal');
  });
});

describe('day and night', () => {
  it('brings more people in the local afternoon and evening than in the small hours', () => {
    for (const offset of [0, -300]) {
      const byLocalHour = new Array<number>(24).fill(0);
      const traffic = simulateTraffic({ customers: 1, durationMs: 86_400_000, start: Date.UTC(2025, 2, 4), ratePerMinute: 1.5, botShare: 0, seed: 'diurnal', utcOffsets: [offset] });
      for (const { sessionRef, index } of traffic) {
        if (index === 0) byLocalHour[new Date(sessionRef.firstTime + offset * 60_000).getUTCHours()]!++;
      }
      const night = byLocalHour.slice(2, 6).reduce((a, b) => a + b, 0);
      const evening = byLocalHour.slice(17, 21).reduce((a, b) => a + b, 0);
      assert.ok(evening > 4 * night, `offset ${offset}: evening ${evening}, night ${night}`);
    }
  });
});
