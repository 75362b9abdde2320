/**
 * The pipeline's own parser must read every simulated line. Imported by path: @weir/logs is
 * not a dependency of the simulator (the simulator must not need the pipeline to run).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parserFor } from '../../logs/src/index.js';
import { labelsSessionKey, simulateTraffic } from '../src/index.js';

describe('@weir/logs reads the simulated logs', () => {
  it('parses 100 % of lines, to the same client, User-Agent and second', () => {
    const parsers = new Map<string, ReturnType<typeof parserFor>>();
    let n = 0;
    const rejected: string[] = [];
    for (const { customer, line, time, sessionRef } of simulateTraffic({ customers: 3, durationMs: 20 * 60_000, seed: 'logs', botShare: 0.5, utcOffsets: [0, 330, -480] })) {
      let parser = parsers.get(customer);
      if (!parser) {
        parser = parserFor('combined', { customer });
        parsers.set(customer, parser);
      }
      const result = parser.parseLine(line, ++n);
      if (!result?.ok) {
        rejected.push(result ? result.message : `line ${n}: blank`);
        continue;
      }
      const e = result.event;
      assert.equal(e.customer, customer);
      assert.equal(e.clientIp, sessionRef.clientIp);
      assert.equal(labelsSessionKey(e.clientIp, e.userAgent), labelsSessionKey(sessionRef.clientIp, sessionRef.userAgent));
      assert.equal(e.eventTime, Math.floor(time / 1000) * 1000);
    }
    assert.ok(n > 10_000, `only ${n} lines`);
    assert.deepEqual(rejected.slice(0, 5), [], `${rejected.length} of ${n} lines rejected`);
  });
});
