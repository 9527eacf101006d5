// Which annotations a run gets, within GitHub's 10 errors and 10 warnings shown per step.
import { describe, expect, it } from '@jest/globals';
import { STATUS_EXPLANATION, planAnnotations, serverNotes } from '../../src/report/annotations.js';
import { failureMessage } from '../../src/report/outputs.js';
import type { FleetReport } from '../../src/fleet/fleet-report.js';
import { changes, failed, fleet, ids, result } from '../report/fixtures.js';

const plan = (report: FleetReport, resultsLeft = 0) =>
  planAnnotations(report, { failure: failureMessage(report), resultsLeft });

const STALE = STATUS_EXPLANATION.stale ?? '';
const WAITING = STATUS_EXPLANATION.waiting ?? '';

describe('serverNotes', () => {
  it('explains stale and waiting in words, unless the server failed', () => {
    expect(STALE).toBe(
      "the administrator's authorization has expired: re-authenticate the server in the Cloudflare dashboard",
    );
    expect(serverNotes(result('a', { status: 'stale' }), 'warn')).toEqual([STALE]);
    expect(serverNotes(result('a', { status: 'waiting' }), 'warn')).toEqual([WAITING]);
    expect(serverNotes(result('a'), 'warn')).toEqual([]);
    expect(serverNotes(failed('a', 'still waiting after 300 s'), 'warn')).toEqual([]);
    const stillWaiting = failed('a', 'still waiting after 300 s', { status: 'waiting' });
    expect(serverNotes(stillWaiting, 'warn')).toEqual([]);
  });

  it("adds the fleet's notes, one line each, and breaking changes only when on-breaking-change is warn", () => {
    const breaking = result('a', {
      warnings: ['no reading before\nthe sync'],
      changes: changes({ breaking: ['tool x: no longer offered', 'tool y: lost property q'] }),
    });
    expect(serverNotes(breaking, 'warn')).toEqual([
      'no reading before the sync',
      'breaking changes: tool x: no longer offered; tool y: lost property q',
    ]);
    expect(serverNotes(breaking, 'ignore')).toEqual(['no reading before the sync']);
    expect(serverNotes(breaking, 'fail')).toEqual(['no reading before the sync']);
    const one = result('a', { changes: changes({ breaking: ['tool x: no longer offered'] }) });
    expect(serverNotes(one, 'warn')).toEqual(['breaking change: tool x: no longer offered']);
  });
});

describe('planAnnotations: errors', () => {
  it('passes with no error annotation', () => {
    // No `failure` key at all, not one set to undefined.
    expect(plan(fleet([result('a')]))).toStrictEqual({ errors: [], warnings: [] });
  });

  it('makes the failure message the first error, then each failed server with its hint', () => {
    const report = fleet([
      result('ok'),
      failed('gone', 'HTTP 404: not found', { hint: 'did you mean gone-2?' }),
      failed('boom', 'upstream\nfailed'),
    ]);
    expect(plan(report)).toEqual({
      failure: '2 of 3 MCP servers failed to sync: gone, boom',
      errors: [
        {
          title: 'MCP server gone failed to sync',
          message: 'HTTP 404: not found → did you mean gone-2?',
        },
        { title: 'MCP server boom failed to sync', message: 'upstream failed' },
      ],
      warnings: [],
    });
  });

  it('shows 9 failed servers after the failure message: 10 error annotations, no fold', () => {
    const { failure, errors } = plan(fleet(ids(9).map((id) => failed(id, 'boom'))));
    expect(failure).toBe(
      '9 of 9 MCP servers failed to sync: s-001, s-002, s-003, s-004, s-005, s-006, s-007, s-008, s-009',
    );
    expect(errors.map((error) => error.title)).toEqual(
      ids(9).map((id) => `MCP server ${id} failed to sync`),
    );
  });

  it('folds the failed servers past the 10th annotation into `… and N more`', () => {
    const { errors } = plan(fleet(ids(25).map((id) => failed(id, 'boom'))));
    expect(errors).toHaveLength(9);
    expect(errors.slice(0, 8).map((error) => error.title)).toEqual(
      ids(8).map((id) => `MCP server ${id} failed to sync`),
    );
    expect(errors[8]).toEqual({
      message:
        '… and 17 more MCP servers failed: the job summary and the results-file output list every error',
    });
    expect(plan(fleet(ids(10).map((id) => failed(id, 'boom')))).errors[8]?.message).toMatch(
      /^… and 2 more MCP servers failed:/,
    );
  });

  it('titles a dry run as such', () => {
    expect(plan(fleet([failed('a', 'missing tool x')], { dryRun: true })).errors).toEqual([
      { title: 'MCP server a failed the dry run', message: 'missing tool x' },
    ]);
  });
});

describe('planAnnotations: warnings', () => {
  it('puts the results cut first, then run warnings once each, then per server', () => {
    const report = fleet(
      [
        result('a', { status: 'stale' }),
        result('b', { changes: changes({ breaking: ['tool x: no longer offered'] }) }),
      ],
      { warnings: ['fleet needs at least 43 min', 'fleet needs at least 43 min', 'two\nlines'] },
    );
    expect(plan(report, 1).warnings).toEqual([
      {
        message:
          "the results output leaves out 1 MCP server of 2 to stay within GitHub's output limit (failed, changed and not ready ones are kept first): the file named by the results-file output has them all",
      },
      { message: 'fleet needs at least 43 min' },
      { message: 'two lines' },
      { title: 'MCP server a', message: STALE },
      { title: 'MCP server b', message: 'breaking change: tool x: no longer offered' },
    ]);
  });

  it('shows at most 10 warnings, the results cut among them, the rest folded', () => {
    const results = ids(30).map((id) => result(id, { status: 'waiting' }));
    const { warnings } = plan(fleet(results, { warnings: ['w1', 'w2'] }), 12);
    expect(warnings).toHaveLength(10);
    expect(warnings[0]?.message).toMatch(/^the results output leaves out 12 MCP servers of 30 /);
    expect(warnings.slice(1, 3)).toEqual([{ message: 'w1' }, { message: 'w2' }]);
    expect(warnings.slice(3, 9)).toEqual(
      ids(6).map((id) => ({ title: `MCP server ${id}`, message: WAITING })),
    );
    expect(warnings[9]).toEqual({ message: '… and 24 more warnings: see the job summary' });
  });

  it('counts the warnings annotated when they arose against the ten', () => {
    const results = ids(12).map((id) => result(id, { status: 'stale' }));
    const { warnings } = plan(fleet(results, { announced: ['a', 'b', 'c'] }));
    expect(warnings.map((warning) => warning.title ?? warning.message)).toEqual([
      ...ids(6).map((id) => `MCP server ${id}`),
      '… and 6 more warnings: see the job summary',
    ]);
  });

  it('shows exactly 10 warnings without a fold', () => {
    const results = ids(10).map((id) => result(id, { status: 'stale' }));
    const { warnings } = plan(fleet(results));
    expect(warnings.map((warning) => warning.title)).toEqual(
      ids(10).map((id) => `MCP server ${id}`),
    );
  });
});
