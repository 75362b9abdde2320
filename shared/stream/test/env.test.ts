import { test } from 'node:test';
import assert from 'node:assert/strict';
import { env, describeEnv, parseDuration, parseEnv, readEnv } from '../src/env.js';
import { isStreamError, type StreamError } from '../src/errors.js';

function configProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    assert.ok(isStreamError(err, 'WEIR_CONFIG'), `expected WEIR_CONFIG, got ${String(err)}`);
    return (err as StreamError).problems;
  }
  assert.fail('expected a WEIR_CONFIG error');
}

test('readEnv types and converts every kind of variable', () => {
  const values = readEnv(
    {
      name: env.string('NAME'),
      port: env.int('PORT', { min: 1, max: 65535 }),
      ratio: env.number('RATIO', { min: 0, max: 1 }),
      verbose: env.bool('VERBOSE'),
      mode: env.oneOf('MODE', ['fast', 'safe']),
      gap: env.duration('GAP'),
      hosts: env.list('HOSTS'),
      url: env.url('URL'),
    },
    {
      NAME: ' weir ',
      PORT: '8080',
      RATIO: '0.25',
      VERBOSE: 'yes',
      MODE: 'SAFE',
      GAP: '1.5m',
      HOSTS: 'a:1, b:2,,',
      URL: 'http://127.0.0.1:8081/apis',
    },
  );
  assert.deepEqual(values, {
    name: 'weir',
    port: 8080,
    ratio: 0.25,
    verbose: true,
    mode: 'safe',
    gap: 90_000,
    hosts: ['a:1', 'b:2'],
    url: 'http://127.0.0.1:8081/apis',
  });
  const typed: { port: number; mode: 'fast' | 'safe' } = values;
  assert.ok(typed);
});

test('defaults and optional values; an empty value counts as unset', () => {
  const values = readEnv(
    {
      gap: env.duration('GAP').default('30s'),
      port: env.int('PORT').default(9000),
      flag: env.bool('FLAG').default(false),
      label: env.string('LABEL').optional(),
    },
    { PORT: '', LABEL: '   ' },
  );
  assert.deepEqual(values, { gap: 30_000, port: 9000, flag: false, label: undefined });
});

test('every problem is reported at once, each naming its variable', () => {
  const problems = configProblems(() =>
    readEnv(
      {
        a: env.string('A_REQUIRED'),
        b: env.int('B_INT', { min: 1 }),
        c: env.bool('C_BOOL'),
        d: env.oneOf('D_ENUM', ['x', 'y']),
        e: env.duration('E_DURATION'),
        f: env.int('F_RANGE', { max: 10 }),
        g: env.string('G_PATTERN', { pattern: /^[a-z]+$/ }),
        h: env.url('H_URL'),
      },
      { B_INT: '1.5', C_BOOL: 'maybe', D_ENUM: 'z', E_DURATION: '30', F_RANGE: '11', G_PATTERN: 'ABC', H_URL: 'nope' },
    ),
  );
  assert.equal(problems.length, 8);
  assert.match(problems[0]!, /^A_REQUIRED is required/);
  assert.match(problems[1]!, /^B_INT="1.5" is invalid: expected an integer/);
  assert.match(problems[2]!, /^C_BOOL="maybe" is invalid/);
  assert.match(problems[3]!, /^D_ENUM="z" is invalid: expected one of x, y/);
  assert.match(problems[4]!, /^E_DURATION="30" is invalid: expected a duration/);
  assert.match(problems[5]!, /^F_RANGE="11" is invalid: must be at most 10/);
  assert.match(problems[6]!, /^G_PATTERN="ABC" is invalid/);
  assert.match(problems[7]!, /^H_URL="nope" is invalid/);
});

test('cross-variable checks add to the same report', () => {
  const problems = configProblems(() =>
    readEnv({ user: env.string('USER_X').optional(), bad: env.int('BAD') }, { USER_X: 'me', BAD: 'x' }, (v) =>
      v.user !== undefined ? ['USER_X needs PASSWORD_X'] : [],
    ),
  );
  assert.deepEqual(problems, ['BAD="x" is invalid: expected an integer', 'USER_X needs PASSWORD_X']);
});

test('durations: units, fractions, bounds; bare numbers refused', () => {
  assert.deepEqual(parseDuration('250ms'), { ok: true, value: 250 });
  assert.deepEqual(parseDuration('5m'), { ok: true, value: 300_000 });
  assert.deepEqual(parseDuration('2h'), { ok: true, value: 7_200_000 });
  assert.deepEqual(parseDuration('1d'), { ok: true, value: 86_400_000 });
  assert.equal(parseDuration('10').ok, false);
  assert.equal(parseDuration('-1s').ok, false);
  const problems = configProblems(() => readEnv({ t: env.duration('T', { min: '1s' }) }, { T: '500ms' }));
  assert.deepEqual(problems, ['T="500ms" is invalid: must be at least 1s']);
});

test('describeEnv lists variables for help texts', () => {
  assert.deepEqual(describeEnv({ a: env.int('A', { min: 0 }), b: env.bool('B').default(true) }), [
    'A: an integer >= 0 (required)',
    'B: true or false',
  ]);
});

test('parseEnv: cross-variable problems join the variables\' own, and valid() types every value as its spec says', () => {
  const spec = { gap: env.duration('GAP').default('30m'), max: env.duration('MAX').default('4h'), label: env.string('LABEL').optional() };
  const parsed = parseEnv(spec, { MAX: '10m' });
  if (parsed.values.max !== undefined && parsed.values.gap !== undefined && parsed.values.max < parsed.values.gap) parsed.problems.push('MAX must be at least GAP');
  assert.deepEqual(configProblems(() => parsed.valid()), ['MAX must be at least GAP']);

  const good = parseEnv(spec, { MAX: '1h' }).valid();
  // Defaults make the types non-optional: no `!` needed (this line would not compile otherwise).
  const sum: number = good.gap + good.max;
  assert.equal(sum, 30 * 60_000 + 3_600_000);
  assert.equal(good.label, undefined);
});
