import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ASSET, sessionsOf, type SessionLines } from './helpers.js';

describe('wide variety: sites and people vary as real ones do', () => {
  const sessions = sessionsOf({ customers: 10, durationMs: 40 * 60_000, seed: 'variety', variety: 'wide' });
  const humans = sessions.filter((s) => s.session.family === 'human');
  const byCustomer = new Map<string, SessionLines[]>();
  for (const s of humans) byCustomer.set(s.session.customer, [...(byCustomer.get(s.session.customer) ?? []), s]);

  it('some sites serve their assets from a CDN (none logged), others log them', () => {
    const assetShare = [...byCustomer.values()].map((list) => list.filter((s) => s.lines.some((l) => ASSET.test(l.target))).length / list.length);
    assert.ok(assetShare.some((share) => share === 0), `share of humans with logged assets per site: ${assetShare.map((x) => x.toFixed(2))}`);
    assert.ok(assetShare.some((share) => share > 0.9), `share of humans with logged assets per site: ${assetShare.map((x) => x.toFixed(2))}`);
  });

  it('single-page apps: people navigate by XHR to /api/ with the page as referrer', () => {
    const spa = humans.filter((s) => s.lines.slice(1).some((l) => l.target.startsWith('/api/') && l.method === 'GET' && l.status === 200));
    assert.ok(spa.length > 20, `humans on single-page apps: ${spa.length}`);
  });

  it('some people send no referrer with their pages, and some browse long and busy with a warm cache (304s)', () => {
    const multi = humans.filter((s) => s.lines.length >= 5);
    // Their pages and XHRs carry none; assets still name the page that loads them.
    const noReferrer = multi.filter((s) => s.lines.filter((l) => !ASSET.test(l.target)).every((l) => l.referrer === '-'));
    assert.ok(noReferrer.length / multi.length > 0.08, `humans whose pages carry no referrer: ${noReferrer.length} of ${multi.length}`);
    const busy = humans.filter((s) => s.lines.length >= 150 && s.lines.filter((l) => l.status === 304).length >= 20);
    assert.ok(busy.length >= 3, `long busy human sessions with many 304s: ${busy.length}`);
  });

  it('classic simulations have none of it', () => {
    const classic = sessionsOf({ customers: 3, durationMs: 20 * 60_000, seed: 'variety' }).filter((s) => s.session.family === 'human');
    assert.ok(classic.every((s) => !s.lines.slice(1).some((l) => l.target.startsWith('/api/') && l.method === 'GET' && l.status === 200 && !/stock|inventory/.test(l.target))));
    assert.ok(classic.filter((s) => s.lines.some((l) => ASSET.test(l.target))).length / classic.length > 0.95);
  });
});
