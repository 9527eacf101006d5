// Whether a fleet fits in timeout-seconds under the rate limit: the requests a run needs and the
// warning said at the start, pinned with exact figures.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LIST_PAGE_SIZE } from '../../src/api/cloudflare-api.js';
import { DEFAULT_POLICY, rateLimitWarning, requestsNeeded } from '../../src/fleet/rate-plan.js';

const MINUTE = 60_000;

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
      "this fleet needs about 10100 requests: at the rate limit of 1200 per 300 s it needs at least 40 min, but timeout-seconds is 300 s; servers past that will fail as not sent: raise timeout-seconds (and the job's timeout-minutes) or sync the fleet in parts",
    );
  });

  it.each([
    ['up to one quota', 1200, 1000],
    ['no servers', 0, 1000],
    ['two quotas within one window', 2400, 300_000],
    ['nine quotas within eight windows', 10_800, 40 * MINUTE],
  ])('says nothing when %s fit', (_case, requests, timeoutMs) => {
    expect(rateLimitWarning(requests, timeoutMs)).toBeUndefined();
  });

  it.each([
    ['one request past two quotas', 2401, 300_000, 10],
    ['two quotas with a millisecond short', 2400, 299_999, 5],
    ['ten thousand and one hundred requests one millisecond short', 10_100, 40 * MINUTE - 1, 40],
  ])('warns for %s', (_case, requests, timeoutMs, minutes) => {
    expect(rateLimitWarning(requests, timeoutMs)).toContain(`it needs at least ${minutes} min`);
  });

  it('takes the policy from its argument', () => {
    const policy = { quota: 100, windowSeconds: 60 };
    expect(rateLimitWarning(101, 59_000, policy)).toBe(
      "this fleet needs about 101 requests: at the rate limit of 100 per 60 s it needs at least 1 min, but timeout-seconds is 59 s; servers past that will fail as not sent: raise timeout-seconds (and the job's timeout-minutes) or sync the fleet in parts",
    );
    expect(rateLimitWarning(101, 60_000, policy)).toBeUndefined();
    // The same fleet fits the default policy easily.
    expect(rateLimitWarning(101, 59_000)).toBeUndefined();
  });

  it('rounds the minutes up and timeout-seconds to the nearest second', () => {
    const policy = { quota: 10, windowSeconds: 90 };
    expect(rateLimitWarning(21, 1_499, policy)).toContain(
      'it needs at least 3 min, but timeout-seconds is 1 s;',
    );
  });

  it('warns exactly when the windows after the first do not fit', () => {
    const policies = fc.record({
      quota: fc.integer({ min: 1, max: 5000 }),
      windowSeconds: fc.integer({ min: 1, max: 3600 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 6 * 60 * MINUTE }),
        policies,
        (requests, timeoutMs, policy) => {
          const windows = Math.max(0, Math.ceil(requests / policy.quota) - 1);
          const fits = windows * policy.windowSeconds * 1000 <= timeoutMs;
          const warning = rateLimitWarning(requests, timeoutMs, policy);
          expect(warning === undefined).toBe(fits);
          if (warning !== undefined) {
            const minutes = Math.ceil((windows * policy.windowSeconds) / 60);
            expect(warning).toContain(` it needs at least ${minutes} min, `);
            expect(warning).toContain(`timeout-seconds is ${Math.round(timeoutMs / 1000)} s`);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
