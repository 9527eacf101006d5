// callWithRetries with a scripted call and a clock that only moves when the loop waits: what
// happens when nothing can be sent, because the deadline has passed or the run has stopped.
import { describe, expect, it } from '@jest/globals';
import type { ApiCall, HttpOutcome, NotSent } from '../../src/api/cloudflare-api.js';
import type { Clock } from '../../src/clock.js';
import { callWithRetries, type RetryContext } from '../../src/retry/retry-loop.js';
import { RunStop } from '../../src/run-stop.js';

const RAY = '8f1c2d3e4f5a6b7c-IAD';

const READY: HttpOutcome = {
  kind: 'response',
  status: 200,
  headers: {},
  envelope: { success: true, errors: [], result: { status: 'ready' } },
};

/** A call that answers `outcomes` in turn and records the time limit of each request. */
function scripted(...outcomes: (HttpOutcome | NotSent)[]): ApiCall & { limits: number[] } {
  const limits: number[] = [];
  const call = (timeoutMs: number) => {
    limits.push(timeoutMs);
    const next = outcomes.shift();
    if (next === undefined) throw new Error('called more often than scripted');
    return Promise.resolve(next);
  };
  return Object.assign(call, { limits });
}

/** `onWait` runs as each wait between attempts begins. */
function context(
  nowMs: number,
  deadlineMs: number,
  runStop = new RunStop(),
  onWait = (): void => undefined,
): RetryContext {
  let now = nowMs;
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => {
      onWait();
      now += ms;
      return Promise.resolve();
    },
  };
  return {
    settings: {
      maxAttempts: 3,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
      requestTimeoutMs: 30_000,
      timeoutMs: 300_000,
    },
    clock,
    random: () => 0.5,
    deadlineMs,
    runStop,
    log: () => undefined,
  };
}

describe('callWithRetries', () => {
  it('gives a request no more time than is left before the deadline', async () => {
    const call = scripted(READY);
    const result = await callWithRetries('sync docs', call, context(1000, 1500));
    expect([result.ok, result.attempts, call.limits]).toEqual([true, 1, [500]]);
  });

  it('sends nothing once the deadline has passed, and says timeout-seconds ran out', async () => {
    for (const deadline of [1000, 999]) {
      const call = scripted();
      expect(await callWithRetries('sync docs', call, context(1000, deadline))).toStrictEqual({
        ok: false,
        verdict: { ok: false, retryable: true, message: 'not sent', sync: {} },
        attempts: 0,
        gaveUp: 'timeout-seconds',
        error: 'not sent (gave up after 0 attempts: timeout-seconds (300 s) ran out)',
      });
      expect(call.limits).toEqual([]);
    }
  });

  it.each([
    [
      'cancelled',
      'the run was cancelled (SIGINT)',
      'the run was cancelled (SIGINT) before sync docs was answered',
    ],
    [
      'credentials',
      'HTTP 403: the token lacks MCP Portals Write',
      'HTTP 403: the token lacks MCP Portals Write (not sent: the API refused the credentials)',
    ],
  ] as const)(
    'says why a run %s before anything was sent stopped',
    async (kind, message, error) => {
      const runStop = new RunStop();
      runStop.stop(kind, message);
      const call = scripted({ kind: 'not-sent', why: 'stopped' });
      expect(await callWithRetries('sync docs', call, context(0, 60_000, runStop))).toStrictEqual({
        ok: false,
        verdict: { ok: false, retryable: false, message, sync: {} },
        attempts: 0,
        error,
      });
    },
  );

  it('keeps the last answer of a call that a stop ended between attempts', async () => {
    const runStop = new RunStop();
    const busy: HttpOutcome = {
      kind: 'response',
      status: 503,
      headers: {},
      bodyProblem: 'body is not a Cloudflare API response (text/html)',
    };
    const call = scripted(busy, { kind: 'not-sent', why: 'stopped' });
    const stopDuringWait = context(0, 60_000, runStop, () =>
      runStop.stop('cancelled', 'the run was cancelled (SIGTERM)'),
    );
    const result = await callWithRetries('sync docs', call, stopDuringWait);
    expect(result).toMatchObject({
      ok: false,
      attempts: 1,
      outcome: busy,
      verdict: { retryable: true, message: 'HTTP 503: no Cloudflare API response in the body' },
      error: 'the run was cancelled (SIGTERM) before sync docs was answered',
    });
  });

  it('logs a ray id only when the response had one, and "ok" for an answer with no status', async () => {
    const lines: string[] = [];
    const logged = { ...context(0, 60_000), log: (line: string) => void lines.push(line) };
    const read: HttpOutcome = {
      kind: 'response',
      status: 200,
      headers: {},
      envelope: { success: true, errors: [], result: { id: 'docs' } },
    };
    await callWithRetries('read docs', scripted(read), logged, 'read');
    await callWithRetries('sync docs', scripted({ ...READY, rayId: RAY }), logged);
    expect(lines).toEqual([
      'read docs: attempt 1/3: HTTP 200, ok',
      `sync docs: attempt 1/3: HTTP 200 [cf-ray ${RAY}], ready`,
    ]);
  });
});
