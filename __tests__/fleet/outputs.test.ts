// What a run over several servers reports: the worst status, one error line per failed server,
// the per-server results, annotations, and the job summary's table.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeCloudflareApi,
  type FakeServer,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import type { ActionRun } from '../../scripts/run-action.js';
import {
  TIME_CELL,
  annotations,
  resultsOf,
  runAgainst,
  startFake,
  summaryRows,
  synced,
} from '../support/harness.js';

describe('status: the worst of the servers (error > stale > waiting > ready)', () => {
  const replyFor: Record<string, ScriptedReply> = {
    ready: synced('ready'),
    waiting: synced('waiting'),
    stale: synced('stale'),
    error: upstreamFailure('upstream down', { retryable: false }),
  };

  it.each([
    [['ready', 'ready'], 'ready'],
    [['ready', 'waiting', 'ready'], 'waiting'],
    [['waiting', 'stale', 'ready'], 'stale'],
    [['stale', 'ready', 'waiting'], 'stale'],
    [['ready', 'stale', 'error', 'waiting'], 'error'],
    [['error', 'ready'], 'error'],
  ])('%j → %s', async (statuses, worst) => {
    const servers = statuses.map((status, i) => ({
      id: `s${i}-${status}`,
      syncReplies: [replyFor[status] as ScriptedReply],
    }));
    const fake = await startFake({ servers });

    const run = await runAgainst(fake, { 'server-id': servers.map((s) => s.id).join(',') });

    expect(run.outputs.status).toBe(worst);
    expect(run.exitCode).toBe(worst === 'error' ? 1 : 0);
    // A server that synced as waiting or stale passes with a warning that names it.
    const warned = servers.filter((s) => /waiting|stale/.test(s.id));
    expect(annotations(run, 'warning')).toEqual(
      warned.map(
        (s) =>
          `::warning title=MCP server ${s.id}::synced, but the status is ${s.id.split('-')[1]}`,
      ),
    );
  });
});

describe('a fleet with failures', () => {
  // ok-a syncs at once; ok-b after one retry; up-c fails upstream for good; retry-d stays
  // retryable until max-attempts; auth-e is refused by the API.
  const servers: FakeServer[] = [
    { id: 'ok-a', tools: ['search', 'fetch'], prompts: ['summarize'] },
    {
      id: 'ok-b',
      tools: ['deploy'],
      prompts: [],
      syncReplies: [upstreamFailure('upstream timed out', { retryable: true, status_code: 504 })],
    },
    {
      id: 'up-c',
      tools: ['never-read'],
      syncReplies: [
        upstreamFailure('Upstream MCP server rejected the credentials', {
          retryable: false,
          cause: '401 Unauthorized',
          mcp_code: -32001,
          status_code: 401,
        }),
      ],
    },
    { id: 'retry-d', syncReplies: Array.from({ length: 5 }, () => apiError(503, 1000, 'busy')) },
    { id: 'auth-e', syncReplies: [apiError(403, 10000, 'Authentication error')] },
  ];
  const ids = servers.map((server) => server.id);
  let fake: FakeCloudflareApi;
  let run: ActionRun;

  beforeAll(async () => {
    fake = await startFake({ servers });
    run = await runAgainst(fake, { 'server-id': ids.join(','), 'max-attempts': '3' });
  });

  it('fails the step, with status error', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
  });

  it('reports one `id: message` line per failed server, in input order', () => {
    expect(run.outputs.error?.split('\n')).toEqual([
      'up-c: Upstream MCP server rejected the credentials (cause: 401 Unauthorized)',
      'retry-d: HTTP 503: busy (1000) (gave up after 3 attempts: max-attempts (3) used up)',
      'auth-e: HTTP 403: Authentication error (10000)',
    ]);
  });

  it('leaves error-details and retryable empty: they describe a single server', () => {
    expect(run.outputs['error-details']).toBe('');
    expect(run.outputs.retryable).toBe('');
  });

  it('counts every sync request of every server in attempts', () => {
    expect(run.outputs.attempts).toBe('8');
    expect(fake.syncs()).toHaveLength(8);
  });

  it('has one result per server, in order, with tools and prompts of the synced ones', () => {
    const results = resultsOf(run);
    expect(results.map(({ server_id, status, attempts }) => [server_id, status, attempts])).toEqual(
      [
        ['ok-a', 'ready', 1],
        ['ok-b', 'ready', 2],
        ['up-c', 'error', 1],
        ['retry-d', 'error', 3],
        ['auth-e', 'error', 1],
      ],
    );
    expect(results.map(({ tools, prompts }) => [tools, prompts])).toEqual([
      [['search', 'fetch'], ['summarize']],
      [['deploy'], []],
      [null, null],
      [null, null],
      [null, null],
    ]);
    expect(results[2]).toMatchObject({
      error: 'Upstream MCP server rejected the credentials (cause: 401 Unauthorized)',
      error_details: {
        cause: '401 Unauthorized',
        is_upstream: true,
        mcp_code: -32001,
        retryable: false,
        status_code: 401,
      },
    });
    expect(results.map((result) => result.error === null)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    for (const result of results) {
      expect(result.ray_id).toMatch(/^[0-9a-f]{16}-LHR$/);
      expect(result.duration_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('annotates each failed server, then fails the step naming them', () => {
    expect(annotations(run, 'error')).toEqual([
      '::error title=MCP server up-c failed to sync::Upstream MCP server rejected the credentials (cause: 401 Unauthorized)',
      '::error title=MCP server retry-d failed to sync::HTTP 503: busy (1000) (gave up after 3 attempts: max-attempts (3) used up)',
      '::error title=MCP server auth-e failed to sync::HTTP 403: Authentication error (10000)',
      '::error::3 of 5 MCP servers failed to sync: up-c, retry-d, auth-e',
    ]);
  });

  it('writes a summary row per server and a total line', () => {
    const [head, ...rows] = summaryRows(run.summary);
    expect(head).toEqual(['Server', 'Status', 'Attempts', 'Time', 'Tools', 'Prompts', 'Error']);
    expect(rows).toHaveLength(servers.length + 1);
    const withoutTime = rows.map((cells) => cells.filter((_, i) => i !== 3));
    expect(withoutTime).toEqual([
      ['ok-a', '✅ ready', '1', '2', '1', ''],
      ['ok-b', '✅ ready', '2', '1', '0', ''],
      [
        'up-c',
        '❌ error',
        '1',
        '–',
        '–',
        'Upstream MCP server rejected the credentials (cause: 401 Unauthorized)',
      ],
      [
        'retry-d',
        '❌ error',
        '3',
        '–',
        '–',
        'HTTP 503: busy (1000) (gave up after 3 attempts: max-attempts (3) used up)',
      ],
      ['auth-e', '❌ error', '1', '–', '–', 'HTTP 403: Authentication error (10000)'],
      ['5 servers', '❌ error', '8', '3', '1', '3 failed'],
    ]);
    for (const cells of rows) expect(cells[3]).toMatch(TIME_CELL);
  });
});

describe('a fleet that syncs', () => {
  it('passes with empty error outputs and no error annotation', async () => {
    const fake = await startFake({ servers: [{ id: 'one' }, { id: 'two' }, { id: 'three' }] });

    const run = await runAgainst(fake, { 'server-id': 'one,two,three' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      status: 'ready',
      error: '',
      'error-details': '',
      retryable: '',
      attempts: '3',
    });
    expect(annotations(run, 'error')).toEqual([]);
    expect(
      summaryRows(run.summary)
        .at(-1)
        ?.filter((_, i) => i !== 3),
    ).toEqual(['3 servers', '✅ ready', '3', '0', '0', '']);
  });
});
