// What a run over several servers reports, in-process: the worst status, one error line per
// failed server, the per-server results in full, the annotations (the step's failure message
// first), and the job summary: the verdict, then a table with failed and not-ready servers first.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiError,
  upstreamFailure,
  type FakeCloudflareApi,
  type FakeServer,
} from '../../scripts/fake-cloudflare-api.js';
import { expectedResult, runFleet } from '../support/fleet-checks.js';
import {
  SUMMARY_COLUMNS,
  annotationMessage,
  annotations,
  resultsOf,
  startFake,
  summaryParagraphs,
  summaryRows,
  synced,
  timeCell,
} from '../support/harness.js';
import type { InProcessRun } from '../support/in-process.js';

const WAITING_NOTE =
  'still connecting to its upstream MCP server when the step ended: its tools may change once it is ready';
const STALE_NOTE =
  "the administrator's authorization has expired: re-authenticate the server in the Cloudflare dashboard";

describe('status: the worst of the servers (error > stale > waiting > ready)', () => {
  /** A server that ends with `status`; `waiting` reads as waiting for a minute after its sync. */
  const serverFor: Record<string, (id: string) => FakeServer> = {
    ready: (id) => ({ id }),
    waiting: (id) => ({ id, readyAfterMs: 60_000 }),
    stale: (id) => ({ id, syncReplies: [synced('stale')] }),
    error: (id) => ({
      id,
      syncReplies: [upstreamFailure('upstream down', { retryable: false })],
    }),
  };

  it.each([
    [['ready', 'ready'], 'ready'],
    [['ready', 'waiting', 'ready'], 'waiting'],
    [['waiting', 'stale', 'ready'], 'stale'],
    [['stale', 'ready', 'waiting'], 'stale'],
    [['ready', 'stale', 'error', 'waiting'], 'error'],
    [['error', 'ready'], 'error'],
  ])('%j → %s', async (statuses, worst) => {
    const servers = statuses.map(
      (status, i) => serverFor[status]?.(`s${i}-${status}`) as FakeServer,
    );
    const fake = await startFake({ servers });

    const run = await runFleet(fake, {
      'server-id': servers.map((s) => s.id).join(','),
      // A waiting server passes with a warning instead of being watched until it is ready.
      'wait-for-ready': 'false',
    });

    expect(run.outputs.status).toBe(worst);
    expect(run.exitCode).toBe(worst === 'error' ? 1 : 0);
    expect(resultsOf(run).map((result) => result.status)).toEqual(statuses);
    // A server that synced as waiting or stale passes with a warning that names it and says why.
    expect(annotations(run, 'warning')).toEqual(
      servers.flatMap(({ id }) =>
        id.endsWith('-waiting')
          ? [`::warning title=MCP server ${id}::${WAITING_NOTE}`]
          : id.endsWith('-stale')
            ? [`::warning title=MCP server ${id}::${STALE_NOTE}`]
            : [],
      ),
    );
  });
});

describe('a fleet with failures', () => {
  // ok-a syncs at once; ok-b after one retry; up-c fails upstream for good; retry-d stays
  // retryable until max-attempts; bad-e is refused by the API. One at a time, so that each
  // server's time is its own waits on the clock that moves only when the run waits.
  const upstreamDetails = {
    cause: '401 Unauthorized',
    is_upstream: true,
    mcp_code: -32001,
    retryable: false,
    status_code: 401,
  };
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
        upstreamFailure('Upstream MCP server rejected the credentials', upstreamDetails),
      ],
    },
    { id: 'retry-d', syncReplies: Array.from({ length: 5 }, () => apiError(503, 1000, 'busy')) },
    { id: 'bad-e', syncReplies: [apiError(400, 1001, 'Invalid request')] },
  ];
  const ids = servers.map((server) => server.id);
  const UP_C = 'Upstream MCP server rejected the credentials (cause: 401 Unauthorized)';
  const RETRY_D = 'HTTP 503: busy (1000) (gave up after 3 attempts: max-attempts (3) used up)';
  const RETRY_D_HINT = 'the upstream kept failing with retryable errors: raise max-attempts';
  const BAD_E = 'HTTP 400: Invalid request (1001)';
  let fake: FakeCloudflareApi;
  let run: InProcessRun;

  beforeAll(async () => {
    fake = await startFake({ servers });
    run = await runFleet(fake, {
      'server-id': ids.join(','),
      'max-attempts': '3',
      concurrency: '1',
    });
  });

  it('fails the step, with status error', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('error');
  });

  it('reports one `id: message` line per failed server, in input order', () => {
    expect(run.outputs.error?.split('\n')).toEqual([
      `up-c: ${UP_C}`,
      `retry-d: ${RETRY_D}`,
      `bad-e: ${BAD_E}`,
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

  it('reads Before and After through one list page each, around the syncs', () => {
    expect(fake.requests.map((r) => (r.kind === 'list' ? 'list' : r.serverId))).toEqual([
      'list',
      'ok-a',
      'ok-b',
      'ok-b',
      'up-c',
      'retry-d',
      'retry-d',
      'retry-d',
      'bad-e',
      'list',
    ]);
  });

  it('has one whole result per server, in order; a failed sync has no After reading', () => {
    const unread = { tools: null, prompts: null, changes: null };
    expect(resultsOf(run)).toEqual([
      expectedResult(fake, 'ok-a', { tools: ['search', 'fetch'], prompts: ['summarize'] }),
      // One backoff wait of base-delay-seconds (10 ms).
      expectedResult(fake, 'ok-b', { tools: ['deploy'], attempts: 2, duration_ms: 10 }),
      expectedResult(fake, 'up-c', {
        status: 'error',
        error: UP_C,
        error_details: upstreamDetails,
        ...unread,
      }),
      // Waits of 10 ms and 20 ms less an eighth (random 0.5 takes half the quarter of jitter).
      expectedResult(fake, 'retry-d', {
        status: 'error',
        error: RETRY_D,
        attempts: 3,
        duration_ms: 28,
        ...unread,
      }),
      expectedResult(fake, 'bad-e', { status: 'error', error: BAD_E, ...unread }),
    ]);
    expect(run.resultsFile).toBe(run.outputs.results);
  });

  it('fails the step first, naming the failed servers, then annotates each of them', () => {
    expect(annotations(run, 'error').map(annotationMessage)).toEqual([
      '3 of 5 MCP servers failed to sync: up-c, retry-d, bad-e',
      UP_C,
      `${RETRY_D} → ${RETRY_D_HINT}`,
      BAD_E,
    ]);
    expect(
      annotations(run, 'error')
        .slice(1)
        .map((line) => /title=([^:]*)::/.exec(line)?.[1]),
    ).toEqual(['up-c', 'retry-d', 'bad-e'].map((id) => `MCP server ${id} failed to sync`));
    expect(annotations(run, 'warning')).toEqual([]);
  });

  it('writes the verdict, the next step, and a row per server, failed ones first', () => {
    expect(summaryParagraphs(run.summary)).toEqual([
      // The failed syncs have no After reading to compare.
      '❌ 3 of 5 MCP servers failed to sync\n❌ 3 error · ✅ 2 ready — no capability changes, no breaking change, 3 not compared',
      `Next: up-c: ${UP_C} (2 more failed servers below)`,
    ]);
    const [head, ...rows] = summaryRows(run.summary);
    expect(head).toEqual(SUMMARY_COLUMNS);
    expect(rows).toEqual([
      ['up-c', '❌ error', '1', timeCell(0), '–', '–', '–', UP_C],
      ['retry-d', '❌ error', '3', timeCell(28), '–', '–', '–', `${RETRY_D_HINT}\n${RETRY_D}`],
      ['bad-e', '❌ error', '1', timeCell(0), '–', '–', '–', BAD_E],
      ['ok-a', '✅ ready', '1', timeCell(0), '2', '1', '', ''],
      ['ok-b', '✅ ready', '2', timeCell(10), '1', '0', '', ''],
    ]);
  });
});

describe('a fleet that syncs', () => {
  it('passes with empty error outputs, no error annotation, and says so first in the summary', async () => {
    const fake = await startFake({ servers: [{ id: 'one' }, { id: 'two' }, { id: 'three' }] });

    const run = await runFleet(fake, { 'server-id': 'one,two,three' });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({
      status: 'ready',
      error: '',
      'error-details': '',
      retryable: '',
      attempts: '3',
      'breaking-changes': '',
      results: JSON.stringify(['one', 'two', 'three'].map((id) => expectedResult(fake, id))),
      'results-file': expect.stringMatching(/results\.json$/),
    });
    expect(annotations(run, 'error')).toEqual([]);
    expect(annotations(run, 'warning')).toEqual([]);
    expect(summaryParagraphs(run.summary)).toEqual([
      '✅ all 3 MCP servers synced and ready\n✅ 3 ready — no capability changes, no breaking change',
    ]);
  });
});
