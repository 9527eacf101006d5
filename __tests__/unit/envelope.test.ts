// The defensive readers of Cloudflare's v4 envelope and the objects inside it: any JSON shape, or
// no JSON at all, gives a typed result or undefined.
import { describe, expect, it } from '@jest/globals';
import { describeApiErrors, parseEnvelope, parseSyncResult } from '../../src/api/envelope.js';

const json = (value: unknown): string => JSON.stringify(value);

describe('parseEnvelope', () => {
  it('reads a successful envelope', () => {
    const text = json({ success: true, errors: [], messages: [], result: { status: 'ready' } });
    expect(parseEnvelope(text)).toStrictEqual({
      success: true,
      errors: [],
      result: { status: 'ready' },
    });
  });

  it('reads a failed envelope with its errors', () => {
    const text = json({
      success: false,
      errors: [{ code: 10000, message: 'Authentication error' }],
      result: null,
    });
    expect(parseEnvelope(text)).toStrictEqual({
      success: false,
      errors: [{ code: 10000, message: 'Authentication error' }],
      result: null,
    });
  });

  it('tolerates missing errors and messages', () => {
    expect(parseEnvelope(json({ success: true, result: 1 }))).toStrictEqual({
      success: true,
      errors: [],
      result: 1,
    });
  });

  it.each([null, 0, 'text', [1, 2], { nested: true }, undefined])(
    'passes a result of any type through: %j',
    (result) => {
      expect(parseEnvelope(json({ success: true, result }))?.result).toStrictEqual(result);
    },
  );

  it('keeps only well-formed error messages', () => {
    const errors = [
      { code: 7003, message: 'Could not route' },
      { message: 'no code' },
      { code: 9 },
      { code: 'x', message: 5 },
      'just a string',
      null,
      { code: 0 },
    ];
    expect(parseEnvelope(json({ success: false, errors }))?.errors).toStrictEqual([
      { code: 7003, message: 'Could not route' },
      { message: 'no code' },
      { code: 9, message: '' },
      { code: 0, message: '' },
    ]);
  });

  it.each([
    ['plain text', 'Bad Gateway'],
    ['an HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['truncated JSON', '{"success": true, "result": {"status": "rea'],
    ['an empty body', ''],
    ['a JSON array', '[{"success": true}]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['a JSON string', '"success"'],
    ['success as a string', '{"success": "true", "result": {}}'],
    ['success as a number', '{"success": 1}'],
    ['success missing', '{"result": {"status": "ready"}}'],
  ])('returns undefined for %s', (_case, text) => {
    expect(parseEnvelope(text)).toBeUndefined();
  });
});

describe('describeApiErrors', () => {
  it.each([
    [[{ code: 10000, message: 'Authentication error' }], 'Authentication error (10000)'],
    [[{ message: 'plain' }], 'plain'],
    [[{ code: 7, message: '' }], 'error (7)'],
    [
      [
        { code: 1, message: 'a' },
        { code: 2, message: 'b' },
      ],
      'a (1); b (2)',
    ],
    [[], ''],
  ])('describes %j as %j', (errors, expected) => {
    expect(describeApiErrors(errors)).toBe(expected);
  });
});

describe('parseSyncResult', () => {
  it('reads a full sync result', () => {
    const result = {
      status: 'error',
      error: 'upstream unavailable',
      error_details: {
        cause: 'timeout',
        is_upstream: true,
        mcp_code: -32000,
        retryable: true,
        status_code: 503,
      },
    };
    expect(parseSyncResult(result)).toStrictEqual({
      status: 'error',
      error: 'upstream unavailable',
      errorDetails: {
        cause: 'timeout',
        is_upstream: true,
        mcp_code: -32000,
        retryable: true,
        status_code: 503,
      },
    });
  });

  it.each([null, undefined, 'ready', 42, true, ['ready'], {}, { error_details: {} }])(
    'reads %j as no sync result at all',
    (result) => {
      expect(parseSyncResult(result)).toBeUndefined();
    },
  );

  it('reads a status alone, and an error alone, as results', () => {
    expect(parseSyncResult({ status: 'waiting' })).toStrictEqual({ status: 'waiting' });
    expect(parseSyncResult({ error: 'boom' })).toStrictEqual({ error: 'boom' });
  });

  it('reads authentication_status when the answer carries it', () => {
    expect(parseSyncResult({ status: 'error', authentication_status: 'required' })).toStrictEqual({
      status: 'error',
      authenticationStatus: 'required',
    });
  });

  it('drops every field of the wrong type', () => {
    const result = {
      status: 'exploded',
      error: 42,
      error_details: {
        cause: 1,
        is_upstream: 'yes',
        mcp_code: '5',
        retryable: 'true',
        status_code: null,
      },
    };
    expect(parseSyncResult(result)).toBeUndefined();
  });

  it.each([
    ['a blank error', { status: 'ready', error: '   ' }, { status: 'ready' }],
    ['a status of the wrong case', { status: 'READY', error: 'x' }, { error: 'x' }],
    [
      'error_details that is an array',
      { status: 'error', error_details: [{ retryable: true }] },
      { status: 'error' },
    ],
    [
      'a non-finite-looking mcp_code string',
      { status: 'error', error_details: { mcp_code: 'NaN', retryable: false } },
      { status: 'error', errorDetails: { retryable: false } },
    ],
  ])('ignores %s', (_case, result, expected) => {
    expect(parseSyncResult(result)).toStrictEqual(expected);
  });
});

describe('parseEnvelope with a cleaner', () => {
  const SECRET = 'cfut_ENVELOPE_FAKE_SECRET_5e1a';
  const clean = (value: string): string => value.split(SECRET).join('***');

  it('cleans a secret that stands in the text as it is', () => {
    const text = json({ success: true, result: { error: `bad token ${SECRET}`, n: [SECRET] } });
    expect(parseEnvelope(text, clean)?.result).toEqual({ error: 'bad token ***', n: ['***'] });
  });

  it('cleans a secret that JSON escapes hide from a plain search of the text', () => {
    const escaped = Array.from(
      SECRET,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    const text = `{"success":true,"result":{"error":"echo ${escaped.join('')}"}}`;
    expect(text).not.toContain(SECRET);
    expect(parseEnvelope(text, clean)?.result).toEqual({ error: 'echo ***' });
  });

  it('leaves a text without the secret as it is, escapes included', () => {
    const text = json({ success: true, result: { error: 'line\nbreak "quoted"', ok: ['a'] } });
    expect(parseEnvelope(text, clean)?.result).toEqual({
      error: 'line\nbreak "quoted"',
      ok: ['a'],
    });
  });
});
