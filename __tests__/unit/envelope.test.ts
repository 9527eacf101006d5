// The defensive readers of Cloudflare's v4 envelope and the objects inside it: any JSON shape, or
// no JSON at all, gives a typed result or undefined.
import { describe, expect, it } from '@jest/globals';
import {
  describeApiErrors,
  parseEnvelope,
  parseServer,
  parseSyncResult,
} from '../../src/api/envelope.js';

const json = (value: unknown): string => JSON.stringify(value);

describe('parseEnvelope', () => {
  it('reads a successful envelope', () => {
    const text = json({ success: true, errors: [], messages: [], result: { status: 'ready' } });
    expect(parseEnvelope(text)).toEqual({ success: true, errors: [], result: { status: 'ready' } });
  });

  it('reads a failed envelope with its errors', () => {
    const text = json({
      success: false,
      errors: [{ code: 10000, message: 'Authentication error' }],
      result: null,
    });
    expect(parseEnvelope(text)).toEqual({
      success: false,
      errors: [{ code: 10000, message: 'Authentication error' }],
      result: null,
    });
  });

  it('tolerates missing errors and messages', () => {
    expect(parseEnvelope(json({ success: true, result: 1 }))).toEqual({
      success: true,
      errors: [],
      result: 1,
    });
  });

  it.each([null, 0, 'text', [1, 2], { nested: true }, undefined])(
    'passes a result of any type through: %j',
    (result) => {
      expect(parseEnvelope(json({ success: true, result }))?.result).toEqual(result);
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
    expect(parseEnvelope(json({ success: false, errors }))?.errors).toEqual([
      { code: 7003, message: 'Could not route' },
      { message: 'no code' },
      { code: 9, message: '' },
      { code: 0, message: '' },
    ]);
  });

  it('reads result_info numbers and drops the others', () => {
    const text = json({
      success: true,
      result: [],
      result_info: { page: 2, per_page: '100', total_pages: 3 },
    });
    expect(parseEnvelope(text)?.resultInfo).toEqual({
      perPage: undefined,
      totalCount: undefined,
      totalPages: 3,
    });
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
    expect(parseSyncResult(result)).toEqual({
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

  it.each([null, undefined, 'ready', 42, true, ['ready']])(
    'reads %j as an empty result',
    (result) => {
      expect(parseSyncResult(result)).toEqual({});
    },
  );

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
    expect(parseSyncResult(result)).toEqual({});
  });

  it.each([
    ['a blank error', { error: '   ' }, {}],
    ['a status of the wrong case', { status: 'READY' }, {}],
    ['error_details that is an array', { error_details: [{ retryable: true }] }, {}],
    [
      'a non-finite-looking mcp_code string',
      { error_details: { mcp_code: 'NaN', retryable: false } },
      {
        errorDetails: { retryable: false },
      },
    ],
  ])('ignores %s', (_case, result, expected) => {
    expect(parseSyncResult(result)).toEqual(expected);
  });
});

describe('parseServer', () => {
  it('reads tools and prompts given as names or objects', () => {
    const server = {
      id: 'docs',
      tools: ['search', { name: 'fetch' }, { nope: 1 }, 7],
      prompts: [{ name: 'hello' }],
    };
    expect(parseServer(server)).toEqual({
      id: 'docs',
      tools: ['search', 'fetch'],
      prompts: ['hello'],
    });
  });

  it('leaves out capabilities that are not lists', () => {
    expect(parseServer({ id: 'docs', tools: 'search', prompts: { name: 'x' } })).toEqual({
      id: 'docs',
    });
  });

  it.each([null, undefined, 'docs', 3, [], [{ id: 'docs' }], {}, { id: 7 }, { id: null }])(
    'returns undefined for %j',
    (value) => {
      expect(parseServer(value)).toBeUndefined();
    },
  );
});
