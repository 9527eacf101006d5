// Whether a fleet can fit in timeout-seconds under Cloudflare's rate limit, said before the first
// sync rather than discovered as hundreds of servers "not sent" at the end.
import { LIST_PAGE_SIZE } from '../api/cloudflare-api.js';
import type { RateLimitPolicy } from '../api/headers.js';

/** Cloudflare's documented limit, for when no `Ratelimit-Policy` header has said otherwise. */
export const DEFAULT_POLICY: RateLimitPolicy = { quota: 1200, windowSeconds: 300 };

/** Requests a run of `servers` servers needs at the least: syncs, and the After reading. */
export function requestsNeeded(servers: number, dryRun: boolean): number {
  if (dryRun) return 0;
  // A list page per hundred servers; a single server's own read is one request too.
  return servers + Math.ceil(servers / LIST_PAGE_SIZE);
}

/** A warning when `requests` cannot all be sent within `timeoutMs` under `policy`. */
export function rateLimitWarning(
  requests: number,
  timeoutMs: number,
  policy: RateLimitPolicy = DEFAULT_POLICY,
): string | undefined {
  if (requests <= policy.quota) return undefined;
  // At the limit's steady rate: a first window may go faster, but a fleet past one window is
  // held to this pace for the rest of it, and another client may be spending the same quota.
  const neededMs = (requests / policy.quota) * policy.windowSeconds * 1000;
  if (neededMs <= timeoutMs) return undefined;
  const minutes = Math.ceil(neededMs / 60_000);
  return `this fleet needs about ${requests} requests: at the rate limit of ${policy.quota} per ${policy.windowSeconds} s it needs at least ${minutes} min, but timeout-seconds is ${Math.round(timeoutMs / 1000)} s; servers past that will fail as not sent: raise timeout-seconds (and the job's timeout-minutes) or sync the fleet in parts`;
}
