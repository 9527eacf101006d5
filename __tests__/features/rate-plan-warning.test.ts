// A fleet that needs more requests than timeout-seconds allows under the API's rate limit (its
// Ratelimit-Policy) is warned about at the start, with the time it needs, instead of ending as
// hundreds of servers "not sent". The action and the fake share a stepping clock, so the time
// left when the plan is made is exactly timeout-seconds.
import { describe, expect, it } from '@jest/globals';
import type { FakeCloudflareApi } from '../../scripts/fake-cloudflare-api.js';
import {
  annotationMessage,
  annotations,
  baseInputs,
  logLines,
  serverIds,
  startFake,
} from '../support/harness.js';
import { runInProcess, type InProcessRun } from '../support/in-process.js';
import { SteppingClock } from '../support/virtual-clock.js';

/** Ten requests a minute, as the fake announces in Ratelimit-Policy. */
const RATE_LIMIT = { limit: 10, windowMs: 60_000, penaltyMs: 0 };

async function syncFleet(
  count: number,
  timeoutSeconds: string,
): Promise<{ fake: FakeCloudflareApi; run: InProcessRun }> {
  // Not at 0, where the time left (the deadline less the time now) would be the deadline itself.
  const clock = new SteppingClock(() => 1_700_000_000_000);
  const ids = serverIds(count, 'mcp');
  const fake = await startFake({
    servers: ids.map((id) => ({ id, tools: ['search_docs'] })),
    rateLimit: RATE_LIMIT,
    now: () => clock.now(),
  });
  const run = await runInProcess(
    { ...baseInputs(fake), 'server-id': ids.join(','), 'timeout-seconds': timeoutSeconds },
    { clock },
  );
  return { fake, run };
}

const isPlanWarning = (line: string): boolean => annotationMessage(line).includes('needs at least');

// 30 syncs and one list page for After: 31 requests at 10 a minute take 186 s at the limit's
// steady rate, which rounds up to 4 min (as 10,100 requests at 1,200 per 300 s make the contract's 43).
const PLAN_WARNING =
  "this fleet needs about 31 requests: at the rate limit of 10 per 60 s it needs at least 4 min, but timeout-seconds is 5 s; servers past that will fail as not sent: raise timeout-seconds (and the job's timeout-minutes) or sync the fleet in parts";

describe('the rate plan', () => {
  it('warns when the fleet cannot fit in timeout-seconds, naming the time it needs', async () => {
    const { fake, run } = await syncFleet(30, '5');

    expect(annotations(run, 'warning').filter(isPlanWarning)).toEqual([
      `::warning::${PLAN_WARNING}`,
    ]);
    // Paced, not refused: the servers past the window fail as not sent.
    expect(fake.tooManyRequests).toBe(0);
    expect(fake.requests).toHaveLength(10);
    expect(run.exitCode).toBe(1);
  });

  // The contract says the step warns "at the start": a run cut short (timeout-minutes, a cancel)
  // must still have said it could never fit.
  // BUG (reported): the warning is only annotated with the report at the end of the run; nothing
  // in the log before the first sync says the fleet cannot fit.
  it('says so in the log before the first sync is sent', async () => {
    const { run } = await syncFleet(30, '5');

    const lines = logLines(run);
    const firstSync = lines.findIndex((line) => line.startsWith('sync '));
    const firstWarning = lines.findIndex((line) => line.includes(PLAN_WARNING));
    expect(firstSync).toBeGreaterThan(0);
    expect(firstWarning).toBeGreaterThanOrEqual(0);
    expect(firstWarning).toBeLessThan(firstSync);
  });

  // BUG (reported): a server never sent gets the hint of one whose upstream kept failing with
  // retryable errors, which is not what happened to it.
  it('a server not sent is not said to have an upstream that kept failing', async () => {
    const { run } = await syncFleet(30, '5');

    const notSent = annotations(run, 'error')
      .filter((line) => line.startsWith('::error title=MCP server mcp-10 '))
      .map(annotationMessage);
    expect(notSent).toHaveLength(1);
    expect(notSent[0]).not.toContain('the upstream kept failing');
  });

  it('says nothing when the fleet fits', async () => {
    const { fake, run } = await syncFleet(5, '5');

    expect(run.exitCode).toBe(0);
    expect(fake.requests).toHaveLength(7);
    expect(annotations(run, 'warning')).toEqual([]);
  });
});
