// Several servers at once: `concurrency` bounds the syncs in flight, one server's failure never
// stops the others, and a 429 pauses every worker, not just the one that received it.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  apiError,
  peakConcurrentSyncs,
  upstreamFailure,
  type FakeCloudflareApi,
} from '../../scripts/fake-cloudflare-api.js';
import type { ActionRun } from '../../scripts/run-action.js';
import {
  annotations,
  expectEachSyncedOnce,
  logLines,
  resultsOf,
  runAgainst,
  serverIds,
  startFake,
  syncCounts,
} from '../support/harness.js';

describe('concurrency', () => {
  const SYNC_MS = 120;

  it.each([1, 3, 5])('keeps at most %i syncs in flight, and uses them', async (concurrency) => {
    const ids = serverIds(10);
    const fake = await startFake({ servers: ids.map((id) => ({ id, syncDelayMs: SYNC_MS })) });

    const run = await runAgainst(fake, {
      'server-id': ids.join(','),
      concurrency: String(concurrency),
    });

    expectEachSyncedOnce(fake, run, ids);
    expect(peakConcurrentSyncs(fake.syncs())).toBe(concurrency);
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
        { id: 'missing-token', syncReplies: [apiError(403, 10000, 'Authentication error')] },
        {
          id: 'flaky',
          syncReplies: [503, 503, 503].map((status) => apiError(status, 1000, 'overloaded')),
        },
        ...healthy.map((id) => ({ id, syncDelayMs: 40 })),
      ],
    });
    const ids = ['broken', 'missing-token', 'flaky', ...healthy];

    const run = await runAgainst(fake, {
      'server-id': ids.join('\n'),
      concurrency: '2',
      'max-attempts': '3',
    });

    expect(run.exitCode).toBe(1);
    expect(syncCounts(fake)).toEqual({
      broken: 1,
      'missing-token': 1,
      flaky: 3,
      ...Object.fromEntries(healthy.map((id) => [id, 1])),
    });
    // The healthy servers were synced after the first failure, not abandoned because of it.
    const firstFailure = fake.requests.findIndex((request) => request.serverId === 'broken');
    const healthySyncs = fake.syncs().filter((r) => healthy.includes(r.serverId ?? ''));
    expect(healthySyncs.every((request) => fake.requests.indexOf(request) > firstFailure)).toBe(
      true,
    );
    expect(resultsOf(run).map((result) => [result.server_id, result.status])).toEqual([
      ['broken', 'error'],
      ['missing-token', 'error'],
      ['flaky', 'error'],
      ...healthy.map((id) => [id, 'ready']),
    ]);
    // The step fails once, last, naming the failed servers.
    expect(logLines(run).at(-1)).toBe(
      '::error::3 of 7 MCP servers failed to sync: broken, missing-token, flaky',
    );
    expect(annotations(run, 'error')).toHaveLength(4);
  });
});

describe('the shared 429 pause', () => {
  // Three requests a second and a 500 ms penalty past it: the first burst of four workers runs
  // into the limit. One run, several checks.
  const ids = serverIds(8);
  let fake: FakeCloudflareApi;
  let run: ActionRun;
  beforeAll(async () => {
    fake = await startFake({
      servers: ids.map((id) => ({ id, syncDelayMs: 30 })),
      rateLimit: { limit: 3, windowMs: 1000, penaltyMs: 500 },
    });
    run = await runAgainst(fake, {
      'server-id': ids.join(','),
      concurrency: '4',
      'max-attempts': '5',
    });
  });

  it('stops every worker until the Retry-After of the first 429 has passed', () => {
    const first429 = fake.requests.find((request) => request.status === 429);
    if (first429 === undefined) throw new Error('no 429 was answered');
    // The wait the action announced for that 429: the Retry-After the fake sent.
    const waitLine = logLines(run).find((line) => / HTTP 429 .*\(retry-after\)$/.test(line));
    const waitSeconds = Number(
      /waiting (\d+(?:\.\d+)?) s \(retry-after\)$/.exec(waitLine ?? '')?.[1],
    );
    // The fake blocks for the rest of its window plus the penalty: at least 1.5 s from the start.
    expect(waitSeconds).toBeGreaterThanOrEqual(1.5);
    const pauseEnds = first429.at + waitSeconds * 1000;
    const duringPause = fake.requests.filter((r) => r.at > first429.at && r.at < pauseEnds - 1);
    expect(duringPause.map((r) => `${r.method} ${r.url} at +${r.at - first429.at} ms`)).toEqual([]);
  });

  it('still syncs every server, and counts the 429s as attempts', () => {
    expect(run.exitCode).toBe(0);
    expect(Object.keys(syncCounts(fake)).sort()).toEqual(ids);
    expect(resultsOf(run).every((result) => result.status === 'ready')).toBe(true);
    expect(run.outputs.attempts).toBe(String(fake.syncs().length));
  });

  it('resumes within the fresh window: one probe, then the 2 it reports left, then a wait', () => {
    // The window holds three. After the pause a single probe learns what is left; a fourth
    // request in the same window would earn another 429 and penalty. (The next window cannot be
    // timed to the millisecond from whole-second headers: 900 ms of it.)
    const first429 = fake.requests.findIndex((request) => request.status === 429);
    const resumed = fake.requests.slice(first429 + 1);
    const start = resumed[0]?.at ?? 0;
    const burst = resumed.filter((request) => request.at < start + 900);
    expect(
      burst.map((r) => `${r.method} ${r.serverId ?? r.url} at +${r.at - start} ms: ${r.status}`),
    ).toHaveLength(3);
  });
});
