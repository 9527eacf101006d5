// The step's outputs and failure message, from hand-built fleet reports.
import { describe, expect, it } from '@jest/globals';
import { LINES_OUTPUT_LIMIT, utf8Bytes } from '../../src/report/limits.js';
import {
  failureMessage,
  fatalOutputs,
  fleetOutputs,
  worstStatus,
} from '../../src/report/outputs.js';
import { changes, failed, fleet, ids, result } from '../report/fixtures.js';

describe('worstStatus', () => {
  it('is the worst of the servers: error > stale > waiting > ready', () => {
    const of = (...statuses: ('ready' | 'waiting' | 'stale' | 'error')[]): string =>
      worstStatus(statuses.map((status, i) => result(`s${i}`, { status })));
    expect(of()).toBe('ready');
    expect(of('ready', 'ready')).toBe('ready');
    expect(of('ready', 'waiting')).toBe('waiting');
    expect(of('waiting', 'stale', 'ready')).toBe('stale');
    expect(of('stale', 'error', 'waiting')).toBe('error');
  });
});

describe('fleetOutputs', () => {
  it('gives a single failed server its message, details and retryable', () => {
    const report = fleet([
      failed('docs', 'HTTP 502: bad\ngateway', {
        attempts: 3,
        retryable: true,
        errorDetails: { cause: 'upstream\r\ntimeout', is_upstream: true, retryable: true },
        changes: changes({ breaking: ['tool old: no longer offered'] }),
      }),
    ]);
    const { outputs, resultsLeft } = fleetOutputs(report);
    expect({ ...outputs, results: undefined }).toEqual({
      status: 'error',
      error: 'HTTP 502: bad gateway',
      'error-details': '{"cause":"upstream timeout","is_upstream":true,"retryable":true}',
      retryable: 'true',
      attempts: '3',
      'breaking-changes': 'docs: tool old: no longer offered',
      results: undefined,
    });
    expect(JSON.parse(outputs.results)).toHaveLength(1);
    expect(resultsLeft).toBe(0);
  });

  it('leaves error, error-details and retryable empty for a single server without error', () => {
    const { outputs } = fleetOutputs(fleet([result('docs', { status: 'stale' })]));
    expect(outputs).toMatchObject({
      status: 'stale',
      error: '',
      'error-details': '',
      retryable: '',
    });
    expect(fleetOutputs(fleet([failed('docs', 'boom')])).outputs.retryable).toBe('false');
    const unknown = failed('docs', 'boom', { retryable: undefined });
    expect(fleetOutputs(fleet([unknown])).outputs.retryable).toBe('false');
  });

  it('gives several servers `id: message` lines, summed attempts and every breaking change', () => {
    const report = fleet([
      result('a', { attempts: 2, changes: changes({ breaking: ['tool x: no longer offered'] }) }),
      failed('b', 'boom', { errorDetails: { retryable: false } }),
      result('c', { status: 'waiting', attempts: 0, changes: null }),
      failed('d', 'bad\nthing', {
        attempts: 5,
        changes: changes({ breaking: ['tool y: lost property q', 'prompt z: no longer offered'] }),
      }),
    ]);
    expect({ ...fleetOutputs(report).outputs, results: undefined }).toEqual({
      status: 'error',
      error: 'b: boom\nd: bad thing',
      'error-details': '',
      retryable: '',
      attempts: '8',
      'breaking-changes':
        'a: tool x: no longer offered\nd: tool y: lost property q\nd: prompt z: no longer offered',
      results: undefined,
    });
  });

  it('cuts error and breaking-changes under 64 KiB with `… and N more`', () => {
    // Lines of exactly 100 bytes: k lines take 101k - 1 bytes, `\n… and 1352 more` 18.
    const message = 'e'.repeat(92);
    const report = fleet(
      ids(2000, 4).map((id) =>
        failed(id, message, { changes: changes({ breaking: ['b'.repeat(92)] }) }),
      ),
    );
    const { outputs } = fleetOutputs(report);
    for (const name of ['error', 'breaking-changes'] as const) {
      const lines = outputs[name].split('\n');
      expect(lines).toHaveLength(649);
      expect(lines[0]).toMatch(/^s-0001: [eb]{92}$/);
      expect(lines[647]).toMatch(/^s-0648: [eb]{92}$/);
      expect(lines[648]).toBe('… and 1352 more');
      expect(utf8Bytes(outputs[name])).toBe(65465);
      expect(utf8Bytes(outputs[name])).toBeLessThan(LINES_OUTPUT_LIMIT);
    }
  });
});

describe('failureMessage', () => {
  it('is undefined when nothing failed and the run was not stopped', () => {
    expect(failureMessage(fleet([result('a'), result('b', { status: 'stale' })]))).toBeUndefined();
  });

  it('counts the failed servers and names the first ten', () => {
    expect(failureMessage(fleet([failed('a', 'x')]))).toBe('1 of 1 MCP server failed to sync: a');
    const results = [result('ok'), ...ids(12).map((id) => failed(id, 'boom'))];
    expect(failureMessage(fleet(results))).toBe(
      '12 of 13 MCP servers failed to sync: s-001, s-002, s-003, s-004, s-005, s-006, s-007, s-008, s-009, s-010 and 2 more',
    );
  });

  it('names exactly ten failed servers without `and N more`', () => {
    expect(failureMessage(fleet(ids(10).map((id) => failed(id, 'boom'))))).toBe(
      '10 of 10 MCP servers failed to sync: s-001, s-002, s-003, s-004, s-005, s-006, s-007, s-008, s-009, s-010',
    );
  });

  it('says "dry run" in a dry run', () => {
    expect(failureMessage(fleet([result('a'), failed('b', 'x')], { dryRun: true }))).toBe(
      '1 of 2 MCP servers failed the dry run: b',
    );
  });

  it('starts with why the run stopped', () => {
    const results = [result('a'), failed('b', 'the run was cancelled'), failed('c', 'x')];
    expect(
      failureMessage(fleet(results, { stopped: { kind: 'cancelled', message: 'SIGTERM' } })),
    ).toBe('the run was cancelled: 2 of 3 MCP servers failed to sync: b, c');
    const denied =
      'HTTP 403: the API token lacks the account permission MCP Portals Write (Authentication error (10000))';
    expect(
      failureMessage(fleet(results, { stopped: { kind: 'credentials', message: denied } })),
    ).toBe(`${denied}: 2 of 3 MCP servers failed to sync: b, c`);
  });

  it('fails a stopped run even when every server had finished', () => {
    const stopped = { kind: 'cancelled', message: 'SIGINT' } as const;
    expect(failureMessage(fleet([result('a'), result('b')], { stopped }))).toBe(
      'the run was cancelled: all 2 MCP servers synced',
    );
    expect(failureMessage(fleet([result('a')], { stopped, dryRun: true }))).toBe(
      'the run was cancelled: the MCP server read in the dry run',
    );
  });
});

describe('fatalOutputs', () => {
  it('sets every output for a run that could not start', () => {
    expect(fatalOutputs('server-id: expected an id\nnot this')).toEqual({
      status: 'error',
      error: 'server-id: expected an id not this',
      'error-details': '',
      retryable: '',
      attempts: '0',
      'breaking-changes': '',
      results: '[]',
    });
  });
});
