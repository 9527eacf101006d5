// Whether a fleet fits in timeout-seconds under the rate limit: the requests a run needs and the
// warning said at the start, pinned with exact figures.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LIST_PAGE_SIZE } from '../../src/api/cloudflare-api.js';
import { DEFAULT_POLICY, rateLimitWarning, requestsNeeded } from '../../src/fleet/rate-plan.js';

describe('requestsNeeded', () => {
  it.each([
    [1, 2],
    [2, 3],
    [100, 101],
    [101, 103],
    [250, 253],
    [10_000, 10_100],
  ])('counts a sync per server and the After reading for %i servers: %i', (servers, needed) => {
    expect(requestsNeeded(servers, false)).toBe(needed);
  });

  it('counts nothing for no servers', () => {
    expect(requestsNeeded(0, false)).toBe(0);
  });

  it.each([1, 100, 10_000])('counts no request for a dry run of %i servers', (servers) => {
    expect(requestsNeeded(servers, true)).toBe(0);
  });

  it('reads a hundred servers a list page', () => {
    expect(LIST_PAGE_SIZE).toBe(100);
  });
});

describe('rateLimitWarning', () => {
  it("uses Cloudflare's documented limit by default", () => {
    expect(DEFAULT_POLICY).toEqual({ quota: 1200, windowSeconds: 300 });
  });

  it('warns for 10,000 servers at the default policy with timeout-seconds 300', () => {
    expect(rateLimitWarning(requestsNeeded(10_000, false), 300_000)).toBe(
      "this fleet needs about 10100 requests: at the rate limit of 1200 per 300 s it needs at least 43 min, but timeout-seconds is 300 s; servers past that will fail as not sent: raise timeout-seconds (and the job's timeout-minutes) or sync the fleet in parts",
    );
  });

  it.each([
    ['up to one quota, however short the time', 1200, 1000],
    ['no servers', 0, 1000],
    ['two quotas in two windows', 2400, 600_000],
    ['10,100 requests in 2,525 s', 10_100, 2_525_000],
  ])('says nothing when %s', (_case, requests, timeoutMs) => {
    expect(rateLimitWarning(requests, timeoutMs)).toBeUndefined();
  });

  it.each([
    ['one request past a quota, with one window', 1201, 300_000, 6],
    ['two quotas, a millisecond short of two windows', 2400, 599_999, 10],
    ['10,100 requests, a millisecond short', 10_100, 2_524_999, 43],
  ])('warns for %s', (_case, requests, timeoutMs, minutes) => {
    expect(rateLimitWarning(requests, timeoutMs)).toContain(`it needs at least ${minutes} min`);
  });

  it('takes the policy from its argument', () => {
    const policy = { quota: 100, windowSeconds: 60 };
    expect(rateLimitWarning(101, 60_599, policy)).toBe(
      "this fleet needs about 101 requests: at the rate limit of 100 per 60 s it needs at least 2 min, but timeout-seconds is 61 s; servers past that will fail as not sent: raise timeout-seconds (and the job's timeout-minutes) or sync the fleet in parts",
    );
    expect(rateLimitWarning(101, 60_600, policy)).toBeUndefined();
    // The same fleet fits the default policy easily.
    expect(rateLimitWarning(101, 1000)).toBeUndefined();
  });

  it('warns exactly when more than one quota cannot go at the steady rate in time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 1, max: 6 * 3_600_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 3600 }),
        (requests, timeoutMs, quota, windowSeconds) => {
          const needed = (requests / quota) * windowSeconds * 1000;
          const warned = rateLimitWarning(requests, timeoutMs, { quota, windowSeconds });
          expect(warned !== undefined).toBe(requests > quota && needed > timeoutMs);
        },
      ),
    );
  });
});
