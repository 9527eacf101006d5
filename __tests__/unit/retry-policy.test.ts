// The contract's retry rules, one row each, through classify(); then nextStep() with an injected
// time and random source: Retry-After, backoff with jitter, attempts and the deadline.
import { describe, expect, it } from '@jest/globals';
import type { HttpOutcome } from '../../src/api/cloudflare-api.js';
import { parseEnvelope } from '../../src/api/envelope.js';
import type { Headers } from '../../src/api/headers.js';
import {
  classify,
  nextStep,
  type RetrySettings,
  type Verdict,
} from '../../src/retry/retry-policy.js';

/** A response whose body is `body` as JSON (or the raw text when a string is given). */
function response(status: number, body?: unknown, headers: Headers = {}): HttpOutcome {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  const envelope = parseEnvelope(text);
  return envelope === undefined
    ? { kind: 'response', status, headers, bodyProblem: 'not a v4 envelope' }
    : { kind: 'response', status, headers, envelope };
}

const NETWORK_FAILURE: HttpOutcome = {
  kind: 'network',
  message: 'connect ECONNREFUSED 127.0.0.1:443',
};

/** An API failure whose body carries `error_details.retryable` when given. */
function failureBody(retryable?: boolean): unknown {
  return {
    success: false,
    errors: [{ code: 1000, message: 'something failed' }],
    result: {
      status: 'error',
      error: 'upstream failed',
      error_details: retryable === undefined ? { cause: 'x' } : { cause: 'x', retryable },
    },
  };
}

/** The API's way of reporting a failed upstream sync: HTTP 200, success, and result.error. */
function syncErrorBody(retryable: boolean): unknown {
  return {
    success: true,
    errors: [],
    result: {
      status: 'error',
      error: 'MCP server unreachable',
      error_details: { is_upstream: true, retryable },
    },
  };
}

const READY_BODY = { success: true, errors: [], result: { status: 'ready' } };

function retryable(verdict: Verdict): boolean | 'ok' {
  return verdict.ok ? 'ok' : verdict.retryable;
}

const RETRYABLE_STATUSES = [408, 409, 429, 500, 502, 520, 521, 522, 524, 599];

describe('classify: when it retries', () => {
  it.each([200, 400, 500])('retries a body with retryable: true on HTTP %i', (status) => {
    expect(retryable(classify(response(status, failureBody(true))))).toBe(true);
  });

  it('retries an HTTP 200 sync error whose details say retryable: true', () => {
    expect(retryable(classify(response(200, syncErrorBody(true))))).toBe(true);
  });

  it.each(RETRYABLE_STATUSES)('retries HTTP %i with an envelope that does not say', (status) => {
    expect(retryable(classify(response(status, failureBody())))).toBe(true);
  });

  it.each(RETRYABLE_STATUSES)('retries HTTP %i with an HTML body', (status) => {
    expect(retryable(classify(response(status, '<html>Bad Gateway</html>')))).toBe(true);
  });

  it('retries a network failure', () => {
    const verdict = classify(NETWORK_FAILURE);
    expect(verdict).toMatchObject({ ok: false, retryable: true });
  });

  it.each([
    ['HTML from a proxy', 200, '<!doctype html><title>Just a moment...</title>'],
    ['truncated JSON', 200, '{"success": true, "result": {"sta'],
    ['an empty body', 204, ''],
    ['JSON that is not an envelope', 201, '[1, 2, 3]'],
  ])('retries a 2xx whose body is %s', (_case, status, body) => {
    expect(retryable(classify(response(status, body)))).toBe(true);
  });
});

describe('classify: when it does not retry', () => {
  it.each(RETRYABLE_STATUSES)(
    'does not retry HTTP %i when the body says retryable: false',
    (status) => {
      expect(retryable(classify(response(status, failureBody(false))))).toBe(false);
    },
  );

  it.each([400, 401, 403, 404, 422])('does not retry HTTP %i', (status) => {
    expect(retryable(classify(response(status, failureBody())))).toBe(false);
  });

  it.each([301, 302, 307, 308])(
    'never retries a redirect (HTTP %i), whatever the body says',
    (status) => {
      expect(
        retryable(
          classify(response(status, failureBody(true), { location: 'https://elsewhere.example' })),
        ),
      ).toBe(false);
    },
  );

  it('does not retry an HTTP 200 sync error whose details say retryable: false', () => {
    const verdict = classify(response(200, syncErrorBody(false)));
    expect(verdict).toMatchObject({ ok: false, retryable: false });
    expect(verdict.ok ? '' : verdict.message).toContain('MCP server unreachable');
  });

  it('names the API error in the message', () => {
    const body = {
      success: false,
      errors: [{ code: 10000, message: 'Authentication error' }],
      result: null,
    };
    const verdict = classify(response(403, body));
    expect(verdict).toMatchObject({
      ok: false,
      retryable: false,
      message: 'HTTP 403: Authentication error (10000)',
    });
  });
});

describe('classify: success', () => {
  it.each(['ready', 'waiting', 'stale'])('succeeds on HTTP 200 with status %s', (status) => {
    const verdict = classify(response(200, { success: true, result: { status } }));
    expect(verdict).toEqual({
      ok: true,
      sync: { status },
      envelope: { success: true, errors: [], result: { status } },
    });
  });
});

describe('nextStep', () => {
  const SETTINGS: RetrySettings = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };
  const FAR = Number.MAX_SAFE_INTEGER;

  function step(
    outcome: HttpOutcome,
    attempt: number,
    { nowMs = 0, deadlineMs = FAR, random = 0, settings = SETTINGS } = {},
  ) {
    return nextStep(outcome, classify(outcome), attempt, settings, {
      nowMs,
      deadlineMs,
      random: () => random,
    });
  }

  const rateLimited = (headers: Headers): HttpOutcome => response(429, failureBody(), headers);

  it('stops on success', () => {
    expect(step(response(200, READY_BODY), 1)).toEqual({ action: 'stop', reason: 'succeeded' });
  });

  it('stops on a failure that is not retryable', () => {
    expect(step(response(404, failureBody()), 1)).toEqual({
      action: 'stop',
      reason: 'not-retryable',
    });
  });

  it.each([
    [5, 5],
    [1, 1],
  ])('stops once attempt %i of %i has failed', (attempt, maxAttempts) => {
    const settings = { ...SETTINGS, maxAttempts };
    expect(step(NETWORK_FAILURE, attempt, { settings })).toEqual({
      action: 'stop',
      reason: 'attempts-exhausted',
    });
  });

  it.each([
    ['Retry-After seconds', { 'retry-after': '3' }, 3000],
    ['Retry-After above max-delay', { 'retry-after': '45' }, 45_000],
    ['Retry-After below the backoff', { 'retry-after': '0.5' }, 500],
    ['retry-after-ms', { 'retry-after-ms': '1250' }, 1250],
    ['retry-after-ms over Retry-After', { 'retry-after-ms': '1250', 'retry-after': '9' }, 1250],
  ])('honours %s in full', (_case, headers, askedMs) => {
    const next = step(rateLimited(headers), 4, { random: 0.99 });
    expect(next).toMatchObject({ action: 'retry', waitSource: 'retry-after' });
    expect(next.action === 'retry' && next.waitMs >= askedMs).toBe(true);
  });

  it('honours a Retry-After date relative to the injected now', () => {
    const nowMs = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const next = step(rateLimited({ 'retry-after': 'Wed, 21 Oct 2015 07:28:20 GMT' }), 1, {
      nowMs,
    });
    expect(next).toEqual({ action: 'retry', waitMs: 20_000, waitSource: 'retry-after' });
  });

  describe('backoff', () => {
    // Nominal wait after the n-th failure: base doubled n-1 times, capped at max-delay.
    const NOMINAL: [attempt: number, nominalMs: number][] = [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
      [5, 16_000],
      [6, 30_000],
      [9, 30_000],
    ];
    const settings = { ...SETTINGS, maxAttempts: 10 };

    it.each(NOMINAL)(
      'waits the nominal %i-th backoff (%i ms) with no jitter',
      (attempt, nominal) => {
        expect(step(NETWORK_FAILURE, attempt, { settings })).toEqual({
          action: 'retry',
          waitMs: nominal,
          waitSource: 'backoff',
        });
      },
    );

    const JITTERED = NOMINAL.flatMap(([attempt, nominal]) =>
      [0.25, 0.5, 0.999_999].map((random): [number, number, number] => [attempt, nominal, random]),
    );

    it.each(JITTERED)(
      'keeps the %i-th backoff within [0.75×%i, nominal] and at least base with random %d',
      (attempt, nominal, random) => {
        const next = step(NETWORK_FAILURE, attempt, { settings, random });
        const waitMs = next.action === 'retry' ? next.waitMs : NaN;
        expect(waitMs).toBeGreaterThanOrEqual(Math.max(0.75 * nominal, SETTINGS.baseDelayMs));
        expect(waitMs).toBeLessThanOrEqual(nominal);
      },
    );

    it('never waits less than base, even fully jittered', () => {
      expect(step(NETWORK_FAILURE, 1, { random: 0.999_999 })).toMatchObject({
        waitMs: SETTINGS.baseDelayMs,
      });
    });

    it('is used for a retryable response without Retry-After', () => {
      expect(step(response(503, failureBody()), 2)).toEqual({
        action: 'retry',
        waitMs: 2000,
        waitSource: 'backoff',
      });
    });
  });

  describe('deadline', () => {
    it.each([
      ['a backoff', NETWORK_FAILURE, 1000, 'backoff'],
      ['a Retry-After', rateLimited({ 'retry-after': '5' }), 5000, 'retry-after'],
    ] as const)(
      'does not start %s that would end at the deadline',
      (_case, outcome, waitMs, waitSource) => {
        expect(step(outcome, 1, { nowMs: 10_000, deadlineMs: 10_000 + waitMs })).toEqual({
          action: 'stop',
          reason: 'deadline',
          waitMs,
          waitSource,
        });
      },
    );

    it('does not start a wait that would end past the deadline', () => {
      expect(step(rateLimited({ 'retry-after': '60' }), 1, { deadlineMs: 30_000 })).toMatchObject({
        action: 'stop',
        reason: 'deadline',
      });
    });

    it('starts a wait that ends just before the deadline', () => {
      expect(step(NETWORK_FAILURE, 1, { nowMs: 10_000, deadlineMs: 11_001 })).toEqual({
        action: 'retry',
        waitMs: 1000,
        waitSource: 'backoff',
      });
    });
  });
});
