// The contract's retry rules, one row each, through classify(): for a sync, whose answer decides
// by its body, and for a read, which only needs the envelope; then nextStep() with an injected
// time and random source: Retry-After, backoff with jitter, attempts and the deadline.
import { describe, expect, it } from '@jest/globals';
import type { HttpOutcome } from '../../src/api/cloudflare-api.js';
import type { Headers } from '../../src/api/headers.js';
import { ADMIN_LOGIN_NEEDED } from '../../src/api/server-object.js';
import {
  classify,
  nextStep,
  type RetrySettings,
  type Verdict,
} from '../../src/retry/retry-policy.js';
import { response } from '../support/outcomes.js';

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

  // The whole of each class counts, its last code too.
  it.each([200, 299])('reads a sync answer on HTTP %i', (status) => {
    expect(classify(response(status, READY_BODY))).toMatchObject({ ok: true });
  });

  it.each([300, 399])('fails HTTP %i as a redirect not followed', (status) => {
    expect(classify(response(status, READY_BODY))).toMatchObject({
      ok: false,
      retryable: false,
      message: `HTTP ${status}: redirect not followed`,
    });
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

describe("classify: the sync's answer", () => {
  const answer = (result: unknown): HttpOutcome =>
    response(
      200,
      result === undefined ? { success: true, errors: [] } : { success: true, errors: [], result },
    );

  it.each([
    ['an empty object', {}, 'the result is an empty object'],
    ['a list', [1, 2, 3], 'the result is a list'],
    ['a string', 'ready', 'the result is a string'],
    ['a number', 200, 'the result is a number'],
    ['a boolean', true, 'the result is a boolean'],
    ['null', null, 'no result'],
    ['no result at all', undefined, 'no result'],
    ['an unknown status', { status: 'pending' }, 'the result is an object without them'],
    ['an empty error', { error: ' ' }, 'the result is an object without them'],
  ])('retries a 2xx whose result is %s', (_case, result, shape) => {
    expect(classify(answer(result))).toStrictEqual({
      ok: false,
      retryable: true,
      message: `HTTP 200: the sync answer has no status or error (${shape})`,
      sync: {},
    });
  });

  it('fails a status error without error text, not retried', () => {
    expect(classify(answer({ status: 'error' }))).toStrictEqual({
      ok: false,
      retryable: false,
      message: 'sync failed',
      sync: { status: 'error' },
    });
  });

  it('retries a status error without error text when its details say retryable', () => {
    expect(classify(answer({ status: 'error', error_details: { retryable: true } }))).toStrictEqual(
      {
        ok: false,
        retryable: true,
        message: 'sync failed',
        sync: { status: 'error', errorDetails: { retryable: true } },
      },
    );
  });

  it('fails an error beside a status that is not error', () => {
    expect(classify(answer({ status: 'ready', error: 'tools/list timed out' }))).toMatchObject({
      ok: false,
      retryable: false,
      message: 'tools/list timed out',
    });
  });

  it.each([
    ['a cause', { cause: 'ECONNREFUSED' }, 'MCP server unreachable (cause: ECONNREFUSED)'],
    ['an empty cause', { cause: '' }, 'MCP server unreachable'],
    ['a cause equal to the error', { cause: 'MCP server unreachable' }, 'MCP server unreachable'],
  ])('words a sync error with %s', (_case, details, message) => {
    const verdict = classify(
      answer({ status: 'error', error: 'MCP server unreachable', error_details: details }),
    );
    expect(verdict.ok ? '' : verdict.message).toBe(message);
  });

  it('does not retry an answer that needs an administrator, whatever its details say', () => {
    const result = {
      status: 'error',
      error: 'authentication required',
      authentication_status: 'required',
      error_details: { retryable: true },
    };
    expect(classify(answer(result))).toStrictEqual({
      ok: false,
      retryable: false,
      message: ADMIN_LOGIN_NEEDED,
      sync: {
        status: 'error',
        error: 'authentication required',
        errorDetails: { retryable: true },
        authenticationStatus: 'required',
      },
    });
  });

  it('fails a ready answer that needs an administrator', () => {
    expect(classify(answer({ status: 'ready', authentication_status: 'required' }))).toMatchObject({
      ok: false,
      retryable: false,
      message: ADMIN_LOGIN_NEEDED,
    });
  });

  it('passes an answer whose authentication is fine', () => {
    expect(
      classify(answer({ status: 'waiting', authentication_status: 'connected' })),
    ).toMatchObject({
      ok: true,
      sync: { status: 'waiting', authenticationStatus: 'connected' },
    });
  });

  it('reads a 2xx that says success: false by its API errors, not retried', () => {
    const body = {
      success: false,
      errors: [{ code: 7003, message: 'Could not route' }],
      result: null,
    };
    expect(classify(response(200, body))).toStrictEqual({
      ok: false,
      retryable: false,
      message: 'HTTP 200: Could not route (7003)',
      sync: {},
    });
  });
});

describe('classify: a read', () => {
  const SERVER_WITH_LAST_ERROR = {
    success: true,
    errors: [],
    result: {
      id: 'docs-mcp',
      status: 'error',
      error: 'upstream refused the connection',
      error_details: { retryable: false },
    },
  };

  it("passes a 2xx envelope whatever the server's last sync error says", () => {
    expect(classify(response(200, SERVER_WITH_LAST_ERROR), 'read')).toStrictEqual({
      ok: true,
      sync: {},
      envelope: SERVER_WITH_LAST_ERROR,
    });
  });

  it('is a sync by default, for which the same body fails', () => {
    expect(classify(response(200, SERVER_WITH_LAST_ERROR))).toMatchObject({
      ok: false,
      message: 'upstream refused the connection',
    });
  });

  it.each([
    ['null', null],
    ['a list', [{ id: 'docs-mcp' }]],
    ['an empty object', {}],
  ])('passes a 2xx envelope whose result is %s: the reader judges it', (_case, result) => {
    expect(classify(response(200, { success: true, errors: [], result }), 'read')).toMatchObject({
      ok: true,
    });
  });

  it('retries a 2xx whose body is not an envelope', () => {
    expect(classify(response(200, '<html>Just a moment...</html>'), 'read')).toStrictEqual({
      ok: false,
      retryable: true,
      message: 'HTTP 200: not a v4 envelope',
      sync: {},
    });
  });

  it("retries a 5xx whatever the server object's last sync says of retrying", () => {
    expect(classify(response(503, failureBody(false)), 'read')).toStrictEqual({
      ok: false,
      retryable: true,
      message: 'HTTP 503: something failed (1000)',
      sync: {},
    });
  });

  it.each([
    [401, { stopsRun: true }],
    [403, { stopsRun: true }],
    [404, { notFound: true }],
  ])('marks HTTP %i of a read as for a sync', (status, mark) => {
    expect(classify(response(status, failureBody()), 'read')).toStrictEqual({
      ok: false,
      retryable: false,
      message: `HTTP ${status}: something failed (1000)`,
      sync: {},
      ...mark,
    });
  });
});

describe('classify: what a failure tells the run', () => {
  const AUTH_ERROR = {
    success: false,
    errors: [{ code: 10000, message: 'Authentication error' }],
    result: null,
  };

  it.each([401, 403])('stops the run on HTTP %i', (status) => {
    expect(classify(response(status, AUTH_ERROR))).toStrictEqual({
      ok: false,
      retryable: false,
      message: `HTTP ${status}: Authentication error (10000)`,
      sync: {},
      stopsRun: true,
    });
  });

  it('says the server is not found on HTTP 404', () => {
    const body = {
      success: false,
      errors: [{ code: 10404, message: 'MCP server not found' }],
      result: null,
    };
    expect(classify(response(404, body))).toStrictEqual({
      ok: false,
      retryable: false,
      message: 'HTTP 404: MCP server not found (10404)',
      sync: {},
      notFound: true,
    });
  });

  it.each([400, 408, 409, 422, 429, 500, 302])(
    'neither stops the run nor says not found on HTTP %i',
    (status) => {
      const verdict = classify(response(status, failureBody()));
      expect(verdict).not.toHaveProperty('stopsRun');
      expect(verdict).not.toHaveProperty('notFound');
    },
  );

  it('keeps a network failure to its message', () => {
    expect(classify(NETWORK_FAILURE)).toStrictEqual({
      ok: false,
      retryable: true,
      message: 'connect ECONNREFUSED 127.0.0.1:443',
      sync: {},
    });
  });

  it.each<[string, number, unknown, string]>([
    ['a redirect', 302, failureBody(true), 'HTTP 302: redirect not followed'],
    ['HTML', 502, '<html>Bad Gateway</html>', 'HTTP 502: no Cloudflare API response in the body'],
    [
      'an envelope without a message',
      400,
      { success: false, errors: [], result: null },
      'HTTP 400: the API reported failure without a message',
    ],
    [
      'a sync error but no API error',
      500,
      {
        success: false,
        errors: [],
        result: { error: 'upstream failed', error_details: { cause: 'x' } },
      },
      'HTTP 500: upstream failed (cause: x)',
    ],
  ])('words %s', (_case, status, body, message) => {
    const verdict = classify(response(status, body));
    expect(verdict.ok ? '' : verdict.message).toBe(message);
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
  ])('honours %s in full, neither shortened nor jittered', (_case, headers, askedMs) => {
    for (const random of [0, 0.99]) {
      expect(step(rateLimited(headers), 4, { random })).toEqual({
        action: 'retry',
        waitMs: askedMs,
        waitSource: 'retry-after',
      });
    }
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
