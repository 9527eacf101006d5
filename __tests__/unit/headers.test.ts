// The header parsers that steer waiting. Malformed values are ignored (undefined), never thrown on.
import { describe, expect, it } from '@jest/globals';
import {
  parseRateLimit,
  parseRateLimitPolicy,
  retryAfterMs,
  type Headers,
} from '../../src/api/headers.js';

const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

describe('retryAfterMs', () => {
  it.each<[string, Headers, number | undefined]>([
    ['no header', {}, undefined],
    ['Retry-After in seconds', { 'retry-after': '5' }, 5000],
    ['Retry-After zero', { 'retry-after': '0' }, 0],
    ['Retry-After with decimals', { 'retry-after': '1.5' }, 1500],
    ['Retry-After with surrounding spaces', { 'retry-after': ' 7 ' }, 7000],
    ['Retry-After as a number value', { 'retry-after': 3 }, 3000],
    ['retry-after-ms', { 'retry-after-ms': '250' }, 250],
    ['retry-after-ms with decimals', { 'retry-after-ms': '12.5' }, 12.5],
    ['retry-after-ms with two decimals', { 'retry-after-ms': '12.25' }, 12.25],
    ['retry-after-ms with nine decimals', { 'retry-after-ms': '0.123456789' }, 0.123456789],
    ['retry-after-ms of twelve digits', { 'retry-after-ms': '999999999999' }, 999_999_999_999],
    ['Retry-After of twelve digits', { 'retry-after': '999999999999' }, 999_999_999_999_000],
    ['retry-after-ms over Retry-After', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    [
      'Retry-After when retry-after-ms is malformed',
      { 'retry-after-ms': 'soon', 'retry-after': '2' },
      2000,
    ],
    ['the first of repeated headers', { 'retry-after': ['4', '60'] }, 4000],
    ['an empty header array as absent', { 'retry-after': [] }, undefined],
  ])('reads %s', (_case, headers, expected) => {
    expect(retryAfterMs(headers, NOW)).toBe(expected);
  });

  it('reads an HTTP date relative to the injected now', () => {
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }, NOW)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }, NOW + 10_000)).toBe(
      20_000,
    );
  });

  it('reads an HTTP date in the past as no wait', () => {
    expect(retryAfterMs({ 'retry-after': 'Tue, 20 Oct 2015 07:28:00 GMT' }, NOW)).toBe(0);
  });

  it.each([
    ['negative', '-1'],
    ['a word', 'abc'],
    ['an exponent', '1e3'],
    ['empty', ''],
    ['blank', ' '],
    ['hexadecimal', '0x10'],
    ['a leading plus', '+5'],
    ['Infinity', 'Infinity'],
    ['very long digits', '9'.repeat(10_000)],
    ['a very long date-like string', `Wed, ${'x'.repeat(10_000)} GMT`],
    ['a date without GMT', 'Wed, 21 Oct 2015 07:28:30'],
    ['a bare date', '2015-10-21T07:28:30Z'],
    ['thirteen digits', '1234567890123'],
    ['ten decimals', '1.1234567890'],
    ['no digit before the point', '.5'],
    ['no digit after the point', '5.'],
    ['a decimal comma', '1,5'],
    ['a date after other text', 'x Wed, 21 Oct 2015 07:28:30 GMT'],
    ['a date with an offset after GMT', 'Wed, 21 Oct 2015 07:28:30 GMT+0100'],
    ['a date without the space after the weekday', 'Wed,21 Oct 2015 07:28:30 GMT'],
  ])('ignores a malformed Retry-After (%s)', (_case, value) => {
    expect(retryAfterMs({ 'retry-after': value }, NOW)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after-ms': value }, NOW)).toBeUndefined();
  });
});

describe('parseRateLimit', () => {
  const rateLimit = (value: string | string[]) => parseRateLimit({ ratelimit: value });

  it('reads remaining and seconds to reset', () => {
    expect(rateLimit('"default";r=50;t=30')).toEqual({ remaining: 50, resetSeconds: 30 });
  });

  it('reads parameters with a space after the semicolon (RFC 8941)', () => {
    expect(rateLimit('"default"; r=50; t=30')).toEqual({ remaining: 50, resetSeconds: 30 });
  });

  it('reads items with spaces around the comma (RFC 8941)', () => {
    expect(rateLimit('"default";r=5;t=30 , "day";r=900;t=8000')).toEqual({
      remaining: 5,
      resetSeconds: 30,
    });
  });

  it('reads t with decimals and the longest numbers', () => {
    expect(rateLimit('"default";r=999999999999;t=1.5')).toEqual({
      remaining: 999_999_999_999,
      resetSeconds: 1.5,
    });
  });

  it('ignores parameters without a value (true in RFC 8941), whatever their name', () => {
    expect(rateLimit('"default";r=5;t=1;rx;tx')).toEqual({ remaining: 5, resetSeconds: 1 });
  });

  it('lets the item with the fewest remaining bind', () => {
    expect(rateLimit('"default";r=50;t=30, "burst";r=5;t=1, "day";r=900;t=8000')).toEqual({
      remaining: 5,
      resetSeconds: 1,
    });
  });

  it('of items with as few remaining, lets the one that resets later bind, first or not', () => {
    const later = { remaining: 5, resetSeconds: 30 };
    expect(rateLimit('"a";r=5;t=30, "b";r=5;t=10')).toEqual(later);
    expect(rateLimit('"a";r=5;t=10, "b";r=5;t=30')).toEqual(later);
  });

  it('reads the first of repeated headers', () => {
    expect(rateLimit(['"default";r=3;t=2', '"default";r=0;t=9'])).toEqual({
      remaining: 3,
      resetSeconds: 2,
    });
  });

  it('skips items with missing or malformed parameters', () => {
    expect(rateLimit('"a";r=1, "b";t=2, "c";r=x;t=1, "d";r=-1;t=1, "e";r=7;t=4')).toEqual({
      remaining: 7,
      resetSeconds: 4,
    });
  });

  it.each([
    '',
    'garbage',
    '"default"',
    '"default";r=;t=',
    ';;;,,,',
    '"default";r=1e3;t=1',
    '"default";r=1234567890123;t=1',
    '"default";r=1.5;t=1',
    '"default";r=1;t=.5',
    'r=5;t=1',
  ])('returns undefined for %j', (value) => {
    expect(rateLimit(value)).toBeUndefined();
  });

  it('returns undefined without the header', () => {
    expect(parseRateLimit({})).toBeUndefined();
  });
});

describe('parseRateLimitPolicy', () => {
  const policy = (value: string) => parseRateLimitPolicy({ 'ratelimit-policy': value });

  it('reads the quota and its window', () => {
    expect(policy('"default";q=1200;w=300')).toEqual({ quota: 1200, windowSeconds: 300 });
  });

  it('reads parameters with spaces (RFC 8941)', () => {
    expect(policy('"default"; q=1200; w=300 , "burst"; q=100; w=10')).toEqual({
      quota: 1200,
      windowSeconds: 300,
    });
  });

  it('lets the quota with the fewest requests per second bind, not the smallest', () => {
    expect(policy('"burst";q=100;w=10, "default";q=1200;w=300')).toEqual({
      quota: 1200,
      windowSeconds: 300,
    });
  });

  it('reads the first of repeated headers', () => {
    expect(parseRateLimitPolicy({ 'ratelimit-policy': ['"a";q=10;w=1', '"b";q=1;w=60'] })).toEqual({
      quota: 10,
      windowSeconds: 1,
    });
  });

  it('skips items with missing, malformed or zero parameters', () => {
    expect(
      policy(
        '"a";q=1, "b";w=2, "c";q=x;w=1, "d";q=5;w=1.5, "e";q=0;w=10, "f";q=10;w=0, "g";q=7;w=4',
      ),
    ).toEqual({ quota: 7, windowSeconds: 4 });
  });

  it.each(['', 'garbage', '"default"', '"default";q=0;w=10', '"default";q=10;w=0', 'q=5;w=1'])(
    'returns undefined for %j',
    (value) => {
      expect(policy(value)).toBeUndefined();
    },
  );

  it('returns undefined without the header', () => {
    expect(parseRateLimitPolicy({})).toBeUndefined();
  });
});
