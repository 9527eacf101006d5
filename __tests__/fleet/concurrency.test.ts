// Several servers at once, in-process: `concurrency` bounds the syncs in flight, one server's
// failure never stops the others, requests are paced by the API's Ratelimit headers, and a 429
// pauses every worker, not just the one that received it. The fake's delays and rate-limit
// windows are real time, so the pacing runs use the real clock.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiError,
  peakConcurrentSyncs,
  upstreamFailure,
  type FakeCloudflareApi,
} from '../../scripts/fake-cloudflare-api.js';
import { systemClock } from '../../src/clock.js';
import { expectedResult, runFleet } from '../support/fleet-checks.js';
import {
  annotationMessage,
  annotations,
  attemptLines,
  ofKind,
  resultsOf,
  runAgainst,
  serverIds,
  startFake,
  syncCounts,
} from '../support/harness.js';
import type { InProcessRun } from '../support/in-process.js';

describe('concurrency', () => {
  const SYNC_MS = 120;

  it.each([1, 3, 5])('keeps at most %i syncs in flight, and uses them', async (concurrency) => {
    const ids = serverIds(10);
    const fake = await startFake({ servers: ids.map((id) => ({ id, syncDelayMs: SYNC_MS })) });

    const run = await runFleet(fake, {
      'server-id': ids.join(','),
      concurrency: String(concurrency),
    });

    expect(run.exitCode).toBe(0);
    expect(syncCounts(fake)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(peakConcurrentSyncs(fake.syncs())).toBe(concurrency);
    expect(resultsOf(run)).toEqual(ids.map((id) => expectedResult(fake, id)));
  });
});

describe("one server's failure", () => {
  it('never stops the others: every server is synced, and the step fails at the end', async () => {
    const healthy = serverIds(4, 'ok');
    const fake = await startFake({
      servers: [
        {
          id: 'broken',
          syncReplies: [upstreamFailure('upstream refused', { retryable: false })],
        },
        { id: 'invalid', syncReplies: [apiError(422, 1001, 'Invalid configuration')] },
        {
          id: 'flaky',
          syncReplies: [503, 503, 503].map((status) => apiError(status, 1000, 'overloaded')),
        },
        ...healthy.map((id) => ({ id, syncDelayMs: 40 })),
      ],
    });
    const ids = ['broken', 'invalid', 'flaky', ...healthy];

    const run = await runFleet(fake, {
      'server-id': ids.join('\n'),
      concurrency: '2',
      'max-attempts': '3',
      // No backoff: the clock that moves only when the run waits then shows each server's own time.
      'base-delay-seconds': '0',
      'max-delay-seconds': '0',
    });

    expect(run.exitCode).toBe(1);
    expect(syncCounts(fake)).toEqual({
      broken: 1,
      invalid: 1,
      flaky: 3,
      ...Object.fromEntries(healthy.map((id) => [id, 1])),
    });
    // The healthy servers were synced after the first failure, not abandoned because of it.
    const firstFailure = fake.requests.findIndex((request) => request.serverId === 'broken');
    const healthySyncs = fake.syncs().filter((r) => healthy.includes(r.serverId ?? ''));
    expect(healthySyncs.every((request) => fake.requests.indexOf(request) > firstFailure)).toBe(
      true,
    );
    // Before and After: one list page each, around the syncs.
    expect(ofKind(fake, 'list').map((request) => fake.requests.indexOf(request))).toEqual([
      0,
      fake.requests.length - 1,
    ]);
    const gaveUp =
      'HTTP 503: overloaded (1000) (gave up after 3 attempts: max-attempts (3) used up)';
    expect(resultsOf(run)).toEqual([
      expectedResult(fake, 'broken', {
        status: 'error',
        error: 'upstream refused',
        error_details: { is_upstream: true, retryable: false },
        tools: null,
        prompts: null,
        changes: null,
      }),
      expectedResult(fake, 'invalid', {
        status: 'error',
        error: 'HTTP 422: Invalid configuration (1001)',
        tools: null,
        prompts: null,
        changes: null,
      }),
      expectedResult(fake, 'flaky', {
        status: 'error',
        error: gaveUp,
        attempts: 3,
        tools: null,
        prompts: null,
        changes: null,
      }),
      ...healthy.map((id) => expectedResult(fake, id)),
    ]);
    // The step fails once, first, naming the failed servers.
    expect(annotations(run, 'error').map(annotationMessage)).toEqual([
      '3 of 7 MCP servers failed to sync: broken, invalid, flaky',
      'upstream refused',
      'HTTP 422: Invalid configuration (1001)',
      `${gaveUp} → the upstream kept failing with retryable errors: raise max-attempts`,
    ]);
  });
});

describe('pacing by the Ratelimit headers', () => {
  // Three requests a second: the Before reading tells the run what is left before the first
  // sync, so the syncs never go past the limit, and each new window is used in full.
  it('syncs a fleet without a single 429, three requests to each window of the fake', async () => {
    const ids = serverIds(8);
    const fake = await startFake({
      servers: ids.map((id) => ({ id })),
      rateLimit: { limit: 3, windowMs: 1000, penaltyMs: 500 },
    });

    const run = await runFleet(
      fake,
      { 'server-id': ids.join(','), concurrency: '4' },
      { clock: systemClock },
    );

    expect(run.exitCode).toBe(0);
    expect(fake.tooManyRequests).toBe(0);
    expect(run.outputs.attempts).toBe('8');
    expect(syncCounts(fake)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    // The fake's fixed windows: each opens with the first request after the last one closed.
    const windows: number[][] = [];
    for (const { at } of fake.requests) {
      const current = windows.at(-1);
      if (current !== undefined && at < (current[0] ?? 0) + 1000) current.push(at);
      else windows.push([at]);
    }
    // The Before list page and 2 syncs, 3 syncs, 3 syncs, the After list page.
    expect(windows.map((window) => window.length)).toEqual([3, 3, 3, 1]);
  });
});

describe('a 429', () => {
  // srv-1 is refused at once; srv-2…4 are still in flight, and every worker then waits out the
  // Retry-After of that one 429 before it sends anything.
  const ids = serverIds(6);
  let fake: FakeCloudflareApi;
  let run: InProcessRun;
  beforeAll(async () => {
    fake = await startFake({
      servers: ids.map((id, i) => ({
        id,
        syncDelayMs: i >= 1 && i <= 3 ? 300 : 0,
        ...(i === 0
          ? { syncReplies: [apiError(429, 10013, 'Rate limited', { 'retry-after': '1' })] }
          : {}),
      })),
    });
    run = await runFleet(
      fake,
      { 'server-id': ids.join(','), concurrency: '4' },
      { clock: systemClock },
    );
  });

  it('pauses every worker until its Retry-After has passed', () => {
    const first429 = fake.requests.find((request) => request.status === 429);
    if (first429 === undefined) throw new Error('no 429 was answered');
    expect(attemptLines(run, 'srv-1')[0]).toMatch(
      /^sync srv-1: attempt 1\/5: HTTP 429 .*; waiting 1\.0 s \(retry-after\)$/,
    );
    // The first four syncs were sent together, before the 429 came back.
    const sentLater = fake.requests.filter((r) => r.at > first429.at + 50);
    expect(sentLater.map((r) => `${r.kind} ${r.serverId ?? ''}`).sort()).toEqual([
      'list ',
      'sync srv-1',
      'sync srv-5',
      'sync srv-6',
    ]);
    const duringPause = sentLater.filter((r) => r.at < first429.at + 1000);
    expect(duringPause.map((r) => `${r.method} ${r.url} at +${r.at - first429.at} ms`)).toEqual([]);
  });

  it('still syncs every server, and counts the 429 as an attempt', () => {
    expect(run.exitCode).toBe(0);
    expect(syncCounts(fake)).toEqual({
      ...Object.fromEntries(ids.map((id) => [id, 1])),
      'srv-1': 2,
    });
    expect(run.outputs.attempts).toBe('7');
    expect(
      resultsOf(run).map(({ server_id, status, attempts }) => [server_id, status, attempts]),
    ).toEqual(ids.map((id) => [id, 'ready', id === 'srv-1' ? 2 : 1]));
  });
});

// What only a real process shows: its stderr, which the runner puts in the log as it is.
describe('the bundled action, 16 syncs at once', () => {
  it("writes nothing to stderr (no MaxListenersExceededWarning, however many requests share the run's abort signal)", async () => {
    const ids = serverIds(20);
    const fake = await startFake({ servers: ids.map((id) => ({ id, syncDelayMs: 50 })) });

    const run = await runAgainst(fake, { 'server-id': ids.join(','), concurrency: '16' });

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
  });
});
