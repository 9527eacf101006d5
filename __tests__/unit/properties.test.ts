// Property tests of the pure parts: whatever the network or the workflow hands them, they end in a
// typed result or a clean error, and never throw anything else.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { HttpOutcome } from '../../src/api/cloudflare-api.js';
import { parseEnvelope, SYNC_STATUSES } from '../../src/api/envelope.js';
import {
  parseRateLimit,
  retryAfterMs,
  type HeaderValue,
  type Headers,
} from '../../src/api/headers.js';
import { DEFAULTS, InputError, parseSettings, type Settings } from '../../src/inputs/inputs.js';
import {
  classify,
  isRetryableStatus,
  nextStep,
  type RetrySettings,
} from '../../src/retry/retry-policy.js';
import { MAX_TEXT_LENGTH, oneLine, summaryText } from '../../src/untrusted-text.js';
import { response } from '../support/outcomes.js';

const RUNS = { numRuns: 1000 };

// --- Arbitraries -------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Text of every kind: ASCII, any code point, raw UTF-16, graphemes, and line/control heavy. */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: 'grapheme' }),
  fc.string({
    unit: fc.constantFrom(
      '\n',
      '\r',
      '\u2028',
      '\u2029',
      '\u0085',
      '\u001b',
      '\u202e',
      ' ',
      '\t',
      'a',
      ':',
    ),
  }),
);

/** Whatever fc.anything() makes, as text, however it has to be turned into one. */
function stringified(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

/** Strings that look like the headers' grammar, so the parsers get past their first checks. */
const headerLike = fc
  .array(
    fc.constantFrom(
      '"default"',
      ';',
      ',',
      ' ',
      'r=',
      't=',
      'q=',
      'w=',
      '0',
      '1',
      '15',
      '.',
      '5',
      '-',
      'e',
      '999999999999',
      '9'.repeat(40),
      'Wed, 21 Oct 2015 07:28:00 GMT',
      'GMT',
      'Thu, ',
      'NaN',
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const headerValue: fc.Arbitrary<HeaderValue> = fc.oneof(
  headerLike,
  anyText,
  fc.array(fc.oneof(headerLike, anyText), { maxLength: 3 }),
  fc.double(),
  fc.integer(),
  fc.constant(undefined),
);

const headers: fc.Arbitrary<Headers> = fc.record(
  {
    'retry-after': headerValue,
    'retry-after-ms': headerValue,
    ratelimit: headerValue,
  },
  { requiredKeys: [] },
);

const nowMs = fc.integer({ min: 0, max: 4_102_444_800_000 });

/** Bodies that look like v4 envelopes with fields of every type, and any other JSON. */
const envelopeLike = fc.record(
  {
    success: fc.oneof(fc.boolean(), fc.jsonValue()),
    errors: fc.oneof(
      fc.array(
        fc.record({
          code: fc.oneof(fc.integer(), fc.jsonValue()),
          message: fc.oneof(fc.string(), fc.jsonValue()),
        }),
      ),
      fc.jsonValue(),
    ),
    result: fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          status: fc.oneof(fc.constantFrom(...SYNC_STATUSES), fc.string(), fc.jsonValue()),
          error: fc.oneof(fc.string(), fc.jsonValue()),
          authentication_status: fc.oneof(fc.constantFrom('required', 'connected'), fc.jsonValue()),
          error_details: fc.oneof(
            fc.jsonValue(),
            fc.record(
              {
                retryable: fc.oneof(fc.boolean(), fc.jsonValue()),
                cause: fc.oneof(fc.string(), fc.jsonValue()),
                status_code: fc.oneof(fc.integer(), fc.jsonValue()),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(envelopeLike, fc.jsonValue());

const outcome: fc.Arbitrary<HttpOutcome> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 100, max: 599 }), anyBody, headers)
    .map(([status, body, responseHeaders]) =>
      response(status, JSON.stringify(body), responseHeaders),
    ),
  anyText.map((message): HttpOutcome => ({ kind: 'network', message })),
);

// --- Properties --------------------------------------------------------------------------------

describe('parseEnvelope', () => {
  const isEnvelopeOrUndefined = (text: string): void => {
    const envelope = parseEnvelope(text);
    if (envelope === undefined) return;
    expect(typeof envelope.success).toBe('boolean');
    expect(Array.isArray(envelope.errors)).toBe(true);
    for (const error of envelope.errors) {
      expect(typeof error.message).toBe('string');
      if (error.code !== undefined) expect(Number.isFinite(error.code)).toBe(true);
    }
  };

  it.each([
    ['any string', anyText],
    ['fc.json()', fc.json()],
    ['fc.jsonValue(), stringified', fc.jsonValue().map((value) => JSON.stringify(value) ?? '')],
    ['fc.anything(), stringified', fc.anything().map(stringified)],
    ['envelope-like JSON', envelopeLike.map((value) => JSON.stringify(value))],
  ])('never throws on %s', (_case, text: fc.Arbitrary<string>) => {
    fc.assert(fc.property(text, isEnvelopeOrUndefined), { numRuns: 500 });
  });
});

function needsLogin(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result) &&
    (result as Record<string, unknown>).authentication_status === 'required'
  );
}

describe('classify and nextStep', () => {
  it('classifies every status 100-599 and JSON body with a boolean retryable', () => {
    fc.assert(
      fc.property(
        outcome,
        fc.constantFrom('sync' as const, 'read' as const),
        (exchange, purpose) => {
          const verdict = classify(exchange, purpose);
          const status = exchange.kind === 'response' ? exchange.status : undefined;
          const is2xx = status !== undefined && status >= 200 && status <= 299;
          const envelope = exchange.kind === 'response' ? exchange.envelope : undefined;
          // A read passes on any 2xx envelope that says success, whatever its result holds.
          if (purpose === 'read') expect(verdict.ok).toBe(is2xx && envelope?.success === true);
          else if (verdict.ok) expect(is2xx).toBe(true);
          if (verdict.ok) {
            if (purpose === 'sync') {
              // A sync passes only on an answer with a known status that is not error.
              expect(['ready', 'waiting', 'stale']).toContain(verdict.sync.status);
              expect(verdict.sync.error).toBeUndefined();
              expect(verdict.sync.authenticationStatus).not.toBe('required');
            } else {
              expect(verdict.sync).toEqual({});
            }
            return;
          }
          expect(typeof verdict.retryable).toBe('boolean');
          expect(typeof verdict.message).toBe('string');
          expect(verdict.stopsRun === true).toBe(status === 401 || status === 403);
          expect(verdict.notFound === true).toBe(status === 404);
          if (exchange.kind === 'network') {
            expect(verdict.retryable).toBe(true);
            return;
          }
          const bodySays = verdict.sync.errorDetails?.retryable;
          if (purpose === 'read') expect(verdict.sync).toEqual({});
          if (exchange.status >= 300 && exchange.status <= 399)
            expect(verdict.retryable).toBe(false);
          else if (purpose === 'read' && !is2xx)
            expect(verdict.retryable).toBe(isRetryableStatus(exchange.status));
          else if (is2xx && envelope === undefined) expect(verdict.retryable).toBe(true);
          // Only an administrator can help a sync that says so, whatever its status or body.
          else if (purpose === 'sync' && needsLogin(envelope?.result))
            expect(verdict.retryable).toBe(false);
          else if (bodySays !== undefined) expect(verdict.retryable).toBe(bodySays);
        },
      ),
      { numRuns: 1500 },
    );
  });

  const retrySettings: fc.Arbitrary<RetrySettings> = fc
    .tuple(
      fc.integer({ min: 1, max: 100 }),
      fc.integer({ min: 0, max: 60_000 }),
      fc.integer({ min: 0, max: 600_000 }),
    )
    .map(([maxAttempts, a, b]) => ({
      maxAttempts,
      baseDelayMs: Math.min(a, b),
      maxDelayMs: Math.max(a, b),
    }));

  it('never starts a wait that ends at or past the deadline, nor waits less than asked', () => {
    fc.assert(
      fc.property(
        outcome,
        retrySettings,
        fc.integer({ min: 1, max: 100 }),
        nowMs,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (exchange, settings, attempt, now, budget, random) => {
          const clock = { nowMs: now, deadlineMs: now + budget, random: () => random };
          const next = nextStep(exchange, classify(exchange), attempt, settings, clock);
          if (next.action === 'stop' && next.reason !== 'deadline') return;
          expect(Number.isFinite(next.waitMs) && next.waitMs >= 0).toBe(true);
          if (next.action === 'retry') expect(now + next.waitMs).toBeLessThan(clock.deadlineMs);
          else expect(now + next.waitMs).toBeGreaterThanOrEqual(clock.deadlineMs);
          const asked =
            exchange.kind === 'response' ? retryAfterMs(exchange.headers, now) : undefined;
          if (asked !== undefined) expect(next.waitMs).toBeGreaterThanOrEqual(asked);
          else
            expect(next.waitMs).toBeLessThanOrEqual(
              Math.max(settings.maxDelayMs, settings.baseDelayMs),
            );
        },
      ),
      RUNS,
    );
  });
});

describe('header parsers', () => {
  const finiteNonNegative = (value: number): boolean => Number.isFinite(value) && value >= 0;

  it('retryAfterMs answers undefined or a finite wait of at least 0', () => {
    fc.assert(
      fc.property(headers, nowMs, (given, now) => {
        const wait = retryAfterMs(given, now);
        expect(wait === undefined || finiteNonNegative(wait)).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseRateLimit answers undefined or whole remaining and finite seconds', () => {
    fc.assert(
      fc.property(headers, (given) => {
        const limit = parseRateLimit(given);
        if (limit === undefined) return;
        expect(Number.isInteger(limit.remaining) && limit.remaining >= 0).toBe(true);
        expect(finiteNonNegative(limit.resetSeconds)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('parseSettings', () => {
  // Every credential generated below contains one of these markers, so "the message contains no
  // credential" is checked as "the message contains no marker".
  const TOKEN_MARKER = 'cfut_PROP_FAKE_TOKEN_';
  const KEY_MARKER = 'cfk_PROP_FAKE_KEY_';
  const INPUT_NAMES = [
    'api-token',
    'api-email',
    'api-key',
    'account-id',
    'server-id',
    'portal-id',
    ...Object.keys(DEFAULTS),
  ];
  const ID = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;

  /** Mostly well-formed values for `valid`, sometimes absent, sometimes anything at all. */
  const input = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    fc.oneof(
      { arbitrary: valid, weight: 20 },
      { arbitrary: fc.constant(''), weight: 2 },
      { arbitrary: anyText, weight: 1 },
    );

  const secret = (marker: string): fc.Arbitrary<string> =>
    fc.oneof(
      {
        arbitrary: fc.string().map((suffix) => `${marker}${suffix.replace(/\s/g, '')}`),
        weight: 4,
      },
      {
        arbitrary: fc
          .constantFrom('Bearer ', 'bearer\t', ' BEARER  ')
          .map((prefix) => `${prefix}${marker}x`),
        weight: 2,
      },
      { arbitrary: anyText.map((around) => `${around}${marker}${around}`), weight: 1 },
    );
  const MALFORMED_NUMBERS = [
    '-1',
    '1e3',
    '0x10',
    'Infinity',
    'NaN',
    '1.2345',
    '9'.repeat(20),
    '1,5',
  ];
  /** Mostly numbers from 0 to a little past the allowed range, some decimals, some junk. */
  const number = (max: number, decimals: number): fc.Arbitrary<string> =>
    fc.oneof(
      { arbitrary: fc.noBias(fc.integer({ min: 0, max })).map(String), weight: 12 },
      {
        arbitrary: fc.double({ min: 0, max, noNaN: true }).map((value) => value.toFixed(decimals)),
        weight: 2,
      },
      { arbitrary: fc.constantFrom(...MALFORMED_NUMBERS), weight: 1 },
    );
  const whole = (max: number): fc.Arbitrary<string> => number(max, 1);
  const seconds = (max: number): fc.Arbitrary<string> => number(max, 3);
  /** Mostly ids by Cloudflare's rule (some too long), some near misses, some anything. */
  const anId = fc.oneof(
    { arbitrary: fc.stringMatching(/^[a-z0-9_]{1,12}(-[a-z0-9_]{1,12}){0,2}$/), weight: 24 },
    { arbitrary: fc.stringMatching(/^[a-zA-Z0-9 /?#%._-]{1,33}$/), weight: 1 },
    { arbitrary: anyText, weight: 1 },
  );
  const serverIds = fc.oneof(
    fc.constant('*'),
    fc
      .array(anId, {
        minLength: 1,
        maxLength: 5,
      })
      .chain((ids) =>
        fc.constantFrom(',', '\n', ', ', '\r\n').map((separator) => ids.join(separator)),
      ),
  );
  /** One of `valid`, now and then `wrong`. */
  const aSwitch = (valid: string[], wrong: string): fc.Arbitrary<string> =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...valid), weight: 9 },
      { arbitrary: fc.constant(wrong), weight: 1 },
    );
  const urls = fc.oneof(
    {
      arbitrary: fc.constantFrom(
        'https://api.cloudflare.com/client/v4/',
        'http://localhost:8787',
        'http://127.0.0.9/v4',
        'http://[::1]:9',
        'http://example.com',
        'https://u:p@example.com',
      ),
      weight: 3,
    },
    { arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }), weight: 1 },
  );

  const inputs = fc.record({
    'api-token': input(secret(TOKEN_MARKER)),
    'api-email': input(fc.constantFrom('ops@example.com', 'a@b', 'not-an-email')),
    'api-key': input(secret(KEY_MARKER)),
    'account-id': input(
      fc.oneof(
        { arbitrary: fc.stringMatching(/^[0-9a-fA-F]{32}$/), weight: 6 },
        { arbitrary: secret(TOKEN_MARKER), weight: 1 },
      ),
    ),
    'server-id': input(serverIds),
    'portal-id': fc.oneof(
      { arbitrary: fc.constant(''), weight: 10 },
      { arbitrary: anId, weight: 6 },
      {
        arbitrary: fc.array(anId, { minLength: 2, maxLength: 3 }).map((ids) => ids.join(',')),
        weight: 1,
      },
    ),
    'max-attempts': input(whole(110)),
    'base-delay-seconds': input(seconds(20)),
    'max-delay-seconds': input(seconds(600)),
    'timeout-seconds': input(seconds(23_000)),
    'request-timeout-seconds': input(seconds(120)),
    concurrency: input(whole(70)),
    'expected-tools': input(anyText),
    'wait-for-ready': input(aSwitch(['true', 'false', 'TRUE', 'False'], 'yes')),
    'on-breaking-change': input(aSwitch(['warn', 'fail', 'ignore', 'FAIL'], 'error')),
    'dry-run': input(aSwitch(['true', 'false', 'True'], '1')),
    'api-base-url': input(urls),
  });
  const env = fc.record(
    {
      CLOUDFLARE_API_TOKEN: secret(TOKEN_MARKER),
      CLOUDFLARE_ACCOUNT_ID: fc.stringMatching(/^[0-9a-f]{32}$/),
      CLOUDFLARE_EMAIL: fc.constant('env@example.com'),
      CLOUDFLARE_API_KEY: secret(KEY_MARKER),
    },
    { requiredKeys: [] },
  );

  function expectValid(settings: Settings): void {
    const { credentials, servers } = settings;
    if (credentials.kind === 'token') expect(credentials.token).toMatch(/^[\x21-\x7e]+$/);
    else
      expect(
        [credentials.email, credentials.key].every((value) => /^[\x21-\x7e]+$/.test(value)),
      ).toBe(true);
    expect(settings.accountId).toMatch(/^[0-9a-f]{32}$/i);
    if (settings.portalId !== undefined) {
      expect(settings.portalId).toMatch(ID);
      expect(settings.portalId.length).toBeLessThanOrEqual(32);
    }
    if (servers.kind === 'list') {
      // With no server id, the portal selects.
      expect(servers.ids.length > 0 || settings.portalId !== undefined).toBe(true);
      expect(new Set(servers.ids).size).toBe(servers.ids.length);
      for (const id of servers.ids) {
        expect(id).toMatch(ID);
        expect(id.length).toBeLessThanOrEqual(32);
      }
    }
    expect(typeof settings.waitForReady).toBe('boolean');
    expect(typeof settings.dryRun).toBe('boolean');
    expect(['warn', 'fail', 'ignore']).toContain(settings.onBreakingChange);
    for (const secret of [TOKEN_MARKER, KEY_MARKER]) {
      expect(settings.credentials.source).not.toContain(secret);
    }
    expect(
      Number.isInteger(settings.maxAttempts) &&
        settings.maxAttempts >= 1 &&
        settings.maxAttempts <= 100,
    ).toBe(true);
    expect(
      Number.isInteger(settings.concurrency) &&
        settings.concurrency >= 1 &&
        settings.concurrency <= 64,
    ).toBe(true);
    for (const delay of [settings.baseDelayMs, settings.maxDelayMs])
      expect(Number.isFinite(delay) && delay >= 0).toBe(true);
    expect(settings.maxDelayMs).toBeGreaterThanOrEqual(settings.baseDelayMs);
    for (const limit of [settings.timeoutMs, settings.requestTimeoutMs])
      expect(Number.isFinite(limit) && limit > 0).toBe(true);
    for (const tool of settings.expectedTools)
      expect(tool === tool.trim() && tool !== '').toBe(true);
    expect(settings.apiBaseUrl).toMatch(/^https?:\/\/[^/?#@]+(\/[^?#]*)?$/);
    expect(settings.apiBaseUrl.endsWith('/')).toBe(false);
  }

  /** Parses, and checks the result or the error; answers whether the settings were accepted. */
  function parsesCleanly(
    given: Record<string, string>,
    environment: Record<string, string>,
  ): boolean {
    let settings: Settings;
    try {
      settings = parseSettings((name) => given[name] ?? '', environment);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const { message } = error as InputError;
      expect(INPUT_NAMES.some((name) => message.startsWith(`${name}: `))).toBe(true);
      expect(message).not.toContain(TOKEN_MARKER);
      expect(message).not.toContain(KEY_MARKER);
      return false;
    }
    expectValid(settings);
    return true;
  }

  it('returns valid Settings or a clean InputError for arbitrary strings in every input', () => {
    const anyInputs = fc.record({
      ...Object.fromEntries(INPUT_NAMES.map((name) => [name, anyText])),
      'api-token': fc.oneof(anyText, secret(TOKEN_MARKER)),
      'api-key': fc.oneof(anyText, secret(KEY_MARKER)),
    });
    fc.assert(
      fc.property(anyInputs, env, (given, environment) => {
        parsesCleanly(given, environment);
      }),
      RUNS,
    );
  });

  it('returns valid Settings or a clean InputError for mostly well-formed inputs', () => {
    let accepted = 0;
    fc.assert(
      fc.property(inputs, env, (given, environment) => {
        if (parsesCleanly(given, environment)) accepted += 1;
      }),
      { numRuns: 3000 },
    );
    // The invariants were checked on a fair share of accepted settings (about 3.5%, some 105 of
    // them), not only on errors.
    expect(accepted).toBeGreaterThan(60);
  });
});

describe('untrusted text', () => {
  it('oneLine never returns a line break and never more than the limit', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
        (text, max) => {
          const line = oneLine(text, max);
          expect(line).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
          expect(Array.from(line).length).toBeLessThanOrEqual(max ?? MAX_TEXT_LENGTH);
        },
      ),
      RUNS,
    );
  });

  it('summaryText never leaves a tag, link or image opener', () => {
    const markup = fc
      .array(
        fc.oneof(
          fc.constantFrom('<', '>', '[', ']', '(', ')', '!', 'https:', '@', '`', '|', '&', '\n'),
          anyText,
        ),
        {
          maxLength: 20,
        },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(anyText, markup), (text) => {
        const escaped = summaryText(text);
        for (const fragment of ['<', '>', '[', '](', '\n', '\r'])
          expect(escaped).not.toContain(fragment);
      }),
      RUNS,
    );
  });
});
