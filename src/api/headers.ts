// Parsers for the response headers that steer waiting: `retry-after-ms`, `Retry-After` and
// `Ratelimit`. Malformed values are ignored, never thrown on.

export type HeaderValue = string | string[] | number | undefined;
export type Headers = Readonly<Record<string, HeaderValue>>;

/** `Ratelimit-Policy: "default";q=<requests>;w=<seconds>`. */
export interface RateLimitPolicy {
  quota: number;
  windowSeconds: number;
}

export interface RateLimitState {
  remaining: number;
  resetSeconds: number;
}

const DECIMAL = /^\d{1,12}(\.\d{1,9})?$/;
const INTEGER = /^\d{1,12}$/;

/** The header's value; a repeated header counts by its first occurrence. Names are lower case. */
function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString().trim();
}

/** `value` as a number when it has the `form` of one; absent is no number. */
function numeric(value: string | undefined, form: RegExp): number | undefined {
  return form.test(value ?? '') ? Number(value) : undefined;
}

/**
 * How long the server asked us to wait, in ms: `retry-after-ms` (Cloudflare's SDKs send and read
 * it), else `Retry-After` as delay-seconds or an HTTP date. Undefined when absent or malformed.
 */
export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const ms = numeric(header(headers, 'retry-after-ms'), DECIMAL);
  if (ms !== undefined) return ms;
  const value = header(headers, 'retry-after') ?? '';
  const seconds = numeric(value, DECIMAL);
  if (seconds !== undefined) return seconds * 1000;
  // An HTTP date names a weekday and GMT; Date.parse alone would also accept bare numbers.
  if (!/^[A-Za-z]{3}, .*GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

interface Parameters {
  [name: string]: string;
}

/** Items of a structured-field list: `"default";r=50;t=30, "burst";r=5;t=1`. */
function structuredItems(value: string): Parameters[] {
  return value.split(',').map((item) => {
    const params: Parameters = {};
    for (const part of item.split(';').slice(1)) {
      const eq = part.indexOf('=');
      if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return params;
  });
}

/**
 * `Ratelimit: "default";r=<remaining>;t=<seconds to reset>`. With several limits, the one with
 * the fewest requests left binds; of two with as many left, the one that resets later, which a
 * probe sent at the earlier reset would still run into.
 */
export function parseRateLimit(headers: Headers): RateLimitState | undefined {
  const value = header(headers, 'ratelimit');
  if (value === undefined) return undefined;
  let binding: RateLimitState | undefined;
  for (const params of structuredItems(value)) {
    const remaining = numeric(params.r, INTEGER);
    const resetSeconds = numeric(params.t, DECIMAL);
    if (remaining === undefined || resetSeconds === undefined) continue;
    const state = { remaining, resetSeconds };
    if (
      binding === undefined ||
      state.remaining < binding.remaining ||
      (state.remaining === binding.remaining && state.resetSeconds > binding.resetSeconds)
    ) {
      binding = state;
    }
  }
  return binding;
}

/**
 * The quota with the fewest requests per second among those `Ratelimit-Policy` names; of two at
 * the same rate, the smaller, which is the one a burst runs into first.
 */
export function parseRateLimitPolicy(headers: Headers): RateLimitPolicy | undefined {
  const value = header(headers, 'ratelimit-policy');
  if (value === undefined) return undefined;
  let binding: RateLimitPolicy | undefined;
  for (const params of structuredItems(value)) {
    const quota = numeric(params.q, INTEGER);
    const windowSeconds = numeric(params.w, INTEGER);
    if (quota === undefined || windowSeconds === undefined) continue;
    const policy = { quota, windowSeconds };
    if (quota === 0 || windowSeconds === 0) continue;
    const rate = (p: RateLimitPolicy): number => p.quota / p.windowSeconds;
    if (
      binding === undefined ||
      rate(policy) < rate(binding) ||
      (rate(policy) === rate(binding) && policy.quota < binding.quota)
    ) {
      binding = policy;
    }
  }
  return binding;
}
