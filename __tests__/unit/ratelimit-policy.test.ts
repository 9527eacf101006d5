// parseRateLimitPolicy: Cloudflare's `Ratelimit-Policy: "default";q=1200;w=300`, the slowest of
// several, and everything malformed read as no policy, never thrown on.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseRateLimit, parseRateLimitPolicy, type Headers } from '../../src/api/headers.js';

const policy = (value: Headers[string]): ReturnType<typeof parseRateLimitPolicy> =>
  parseRateLimitPolicy({ 'ratelimit-policy': value });

describe('parseRateLimitPolicy', () => {
  it.each<[string, string, { quota: number; windowSeconds: number }]>([
    ["Cloudflare's header", '"default";q=1200;w=300', { quota: 1200, windowSeconds: 300 }],
    [
      'parameters in the other order',
      '"default";w=300;q=1200',
      { quota: 1200, windowSeconds: 300 },
    ],
    [
      'spaces around parameters',
      ' "default" ; q = 1200 ; w = 300 ',
      { quota: 1200, windowSeconds: 300 },
    ],
    ['another name', '"burst";q=50;w=10', { quota: 50, windowSeconds: 10 }],
    ['an unquoted name', 'default;q=7;w=1', { quota: 7, windowSeconds: 1 }],
    ['extra parameters', '"default";q=1200;w=300;pk=:abc=:', { quota: 1200, windowSeconds: 300 }],
    [
      'two policies, the slower second',
      '"burst";q=100;w=10, "default";q=1200;w=300',
      { quota: 1200, windowSeconds: 300 },
    ],
    [
      'two policies, the slower first',
      '"slow";q=10;w=60, "default";q=1200;w=300',
      { quota: 10, windowSeconds: 60 },
    ],
    [
      'two policies at the same rate, the smaller quota',
      '"a";q=1200;w=300, "b";q=4;w=1',
      { quota: 4, windowSeconds: 1 },
    ],
    [
      'two policies at the same rate, the smaller quota first',
      '"a";q=4;w=1, "b";q=1200;w=300',
      { quota: 4, windowSeconds: 1 },
    ],
    ['two equal policies, the first', '"a";q=4;w=1, "b";q=4;w=1', { quota: 4, windowSeconds: 1 }],
    [
      'a malformed policy beside a good one',
      '"bad";q=x;w=1, "default";q=1200;w=300',
      { quota: 1200, windowSeconds: 300 },
    ],
    [
      'q=0 beside a good one',
      '"off";q=0;w=60, "default";q=1200;w=300',
      { quota: 1200, windowSeconds: 300 },
    ],
  ])('reads %s', (_case, value, expected) => {
    expect(policy(value)).toEqual(expected);
  });

  it('reads the first of repeated headers', () => {
    expect(policy(['"a";q=5;w=2', '"b";q=1;w=100'])).toEqual({ quota: 5, windowSeconds: 2 });
  });

  it.each<[string, Headers[string]]>([
    ['no header', undefined],
    ['an empty header', ''],
    ['an empty list of headers', []],
    ['a number', 1200],
    ['no parameters', '"default"'],
    ['no window', '"default";q=1200'],
    ['no quota', '"default";w=300'],
    ['a decimal quota', '"default";q=1.5;w=300'],
    ['a decimal window', '"default";q=1200;w=0.5'],
    ['a negative quota', '"default";q=-1;w=300'],
    ['a quota with a unit', '"default";q=1200r;w=300'],
    ['an exponent', '"default";q=1e3;w=300'],
    ['a quota of more than 12 digits', `"default";q=${'9'.repeat(13)};w=300`],
    ['q=0', '"default";q=0;w=300'],
    ['w=0', '"default";q=1200;w=0'],
    ['a parameter without a value', '"default";q;w=300'],
    ['the IETF draft form without a name', '1200;w=300'],
    ['garbage', ';;;,,,=;=,'],
  ])('ignores %s', (_case, value) => {
    expect(policy(value)).toBeUndefined();
  });

  it('reads the lower-case header name only, as Node gives it', () => {
    expect(parseRateLimitPolicy({ 'Ratelimit-Policy': '"default";q=1200;w=300' })).toBeUndefined();
  });

  it('answers undefined or a positive whole quota and window for any value', () => {
    const grammar = fc
      .array(
        fc.constantFrom(
          '"default"',
          ';',
          ',',
          ' ',
          'q=',
          'w=',
          '0',
          '1',
          '12',
          '.',
          '-',
          'e',
          '9'.repeat(13),
        ),
        {
          maxLength: 14,
        },
      )
      .map((parts) => parts.join(''));
    const value = fc.oneof(
      grammar,
      fc.string(),
      fc.array(fc.oneof(grammar, fc.string()), { maxLength: 3 }),
      fc.integer(),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(value, (given) => {
        const parsed = policy(given);
        if (parsed === undefined) return;
        for (const field of [parsed.quota, parsed.windowSeconds]) {
          expect(Number.isSafeInteger(field) && field > 0).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ties', () => {
  it('takes the smaller of two quotas at the same rate: the one a burst runs into', () => {
    expect(
      parseRateLimitPolicy({ 'ratelimit-policy': '"slow";q=100;w=10, "burst";q=10;w=1' }),
    ).toEqual({ quota: 10, windowSeconds: 1 });
  });

  it('takes, of two limits with as many requests left, the one that resets later', () => {
    expect(parseRateLimit({ ratelimit: '"burst";r=5;t=1, "default";r=5;t=30' })).toEqual({
      remaining: 5,
      resetSeconds: 30,
    });
  });
});
