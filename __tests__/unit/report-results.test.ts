// The `results` output: its entries, and which of them stay when the array must be cut.
import { describe, expect, it } from '@jest/globals';
import { RESULTS_LIMIT, utf8Bytes } from '../../src/report/limits.js';
import {
  boundedResults,
  entryStrings,
  hasChanges,
  resultEntry,
  type ResultEntry,
} from '../../src/report/results-json.js';
import { NO_CHANGES, changes, failed, ids, result } from '../report/fixtures.js';

describe('resultEntry', () => {
  it('names every contract field in snake_case, null where unknown', () => {
    expect(
      resultEntry(result('docs', { tools: undefined, prompts: undefined, changes: null })),
    ).toEqual({
      server_id: 'docs',
      status: 'ready',
      authentication_status: null,
      error: null,
      error_details: null,
      attempts: 1,
      duration_ms: 420,
      tools: null,
      prompts: null,
      changes: null,
      ray_id: null,
    });
  });

  it('folds every piece of network text to one line and caps names', () => {
    const entry = resultEntry(
      failed('docs', 'upstream said:\r\n::error::boom', {
        authenticationStatus: 'required',
        errorDetails: { cause: 'line one\nline two ##[error]', retryable: false, status_code: 502 },
        tools: ['a\nb', 'x'.repeat(300)],
        prompts: ['p\u202e'],
        changes: changes({
          tools: { added: ['new\ntool'], removed: ['old'], changed: ['c\u2028d'] },
          prompts: { removed: ['gone'] },
          breaking: ['tool old:\nno longer offered'],
        }),
        rayId: '8f1c2d3e4f5a6b7c-LHR',
      }),
    );
    expect(entry).toEqual({
      server_id: 'docs',
      status: 'error',
      authentication_status: 'required',
      error: 'upstream said: ::error::boom',
      error_details: { cause: 'line one line two ## [error]', retryable: false, status_code: 502 },
      attempts: 1,
      duration_ms: 420,
      tools: ['a b', `${'x'.repeat(199)}…`],
      prompts: ['p'],
      changes: {
        tools: { added: ['new tool'], removed: ['old'], changed: ['c d'] },
        prompts: { added: [], removed: ['gone'], changed: [] },
        breaking: ['tool old: no longer offered'],
      },
      ray_id: '8f1c2d3e4f5a6b7c-LHR',
    });
  });
});

describe('hasChanges', () => {
  it('is true for anything added, removed or changed, and false without a comparison', () => {
    expect(hasChanges(NO_CHANGES)).toBe(false);
    expect(hasChanges(null)).toBe(false);
    expect(hasChanges(changes({ prompts: { changed: ['p'] } }))).toBe(true);
    expect(hasChanges(changes({ tools: { removed: ['t'] } }))).toBe(true);
  });
});

describe('boundedResults', () => {
  it('keeps the whole array in selection order when it fits', () => {
    const results = [result('b'), failed('a', 'boom')];
    expect(boundedResults(results)).toEqual({
      json: JSON.stringify(results.map(resultEntry)),
      left: 0,
    });
  });

  // Entries of chosen sizes stand in for real ones: only their bytes matter here.
  const sized = (...bytes: number[]): string[] =>
    bytes.map((n, i) => `"${String.fromCharCode(97 + i).repeat(n - 2)}"`);

  it('cuts an array of exactly RESULTS_LIMIT bytes, and keeps one a byte shorter', () => {
    // Two entries, a comma and the brackets.
    const half = (RESULTS_LIMIT - 3) / 2;
    const fits = sized(Math.floor(half), Math.ceil(half) - 1);
    const results = [result('a'), result('b')];
    expect(boundedResults(results, fits)).toEqual({ json: `[${fits.join(',')}]`, left: 0 });
    const over = sized(Math.floor(half), Math.ceil(half));
    expect(boundedResults(results, over)).toEqual({ json: `[${over[0] ?? ''}]`, left: 1 });
  });

  it('keeps the failed servers first, in selection order, when it cuts', () => {
    const results = [
      result('r1'),
      failed('f1', 'x'),
      result('r2'),
      failed('f2', 'x'),
      failed('f3', 'x'),
    ];
    // Three of the five fit.
    const entries = sized(...Array<number>(5).fill(RESULTS_LIMIT / 4));
    expect(boundedResults(results, entries)).toEqual({
      json: `[${[1, 3, 4].map((i) => entries[i] ?? '').join(',')}]`,
      left: 2,
    });
  });

  it('keeps failed, then changed, then not-ready servers first, each whole, as many as fit', () => {
    // 60 servers of about 9.5 KB each (570 KB): 27 of them fit in 256 KiB.
    const tools = Array.from({ length: 400 }, (_, i) => `tool_${String(i).padStart(15, '0')}`);
    const results = ids(60).map((id) => result(id, { tools }));
    const at = (index: number): NonNullable<(typeof results)[number]> =>
      results[index] ?? result('?');
    Object.assign(at(50), { status: 'error', error: 'boom' });
    Object.assign(at(40), { changes: changes({ tools: { added: ['x'] } }) });
    Object.assign(at(30), { status: 'stale' });
    Object.assign(at(20), { status: 'waiting' });
    Object.assign(at(45), { status: 'error', error: 'boom', changes: null });
    const entries = entryStrings(results);

    const { json, left } = boundedResults(results, entries);

    const kept = (JSON.parse(json) as ResultEntry[]).map((entry) => entry.server_id);
    const priority = ['s-046', 's-051', 's-041', 's-021', 's-031'];
    const rest = ids(60).filter((id) => !priority.includes(id));
    expect(kept).toEqual([...priority, ...rest].slice(0, kept.length));
    expect(left).toBe(60 - kept.length);
    expect(utf8Bytes(json)).toBeLessThan(RESULTS_LIMIT);
    // Whole entries only, and as many as fit: one more would not.
    expect(json).toBe(`[${kept.map((id) => entries[ids(60).indexOf(id)]).join(',')}]`);
    const next = entries[ids(60).indexOf(rest[kept.length - priority.length] ?? '')] ?? '';
    expect(utf8Bytes(json) + 1 + utf8Bytes(next)).toBeGreaterThanOrEqual(RESULTS_LIMIT);
    expect(kept.length).toBe(27);
  });
});
