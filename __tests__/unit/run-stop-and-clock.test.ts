// RunStop, which every worker and request shares, and the system clock's sleep, whose waits a
// stop must end: what in-process runs cannot single out.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { RunStop } from '../../src/run-stop.js';

describe('RunStop', () => {
  it('stops sending and aborts the requests in flight on a cancel', () => {
    const runStop = new RunStop();
    runStop.stop('cancelled', 'the run was cancelled (SIGINT)');
    expect(runStop.reason).toStrictEqual({
      kind: 'cancelled',
      message: 'the run was cancelled (SIGINT)',
    });
    expect([runStop.signal.aborted, runStop.abortSignal.aborted]).toEqual([true, true]);
  });

  it('lets the requests in flight finish when the credentials were refused', () => {
    const runStop = new RunStop();
    runStop.stop('credentials', 'HTTP 403: Authentication error (10000)');
    expect([runStop.signal.aborted, runStop.abortSignal.aborted]).toEqual([true, false]);
  });

  it('keeps the first stop: a cancel after refused credentials changes nothing', () => {
    const runStop = new RunStop();
    runStop.stop('credentials', 'HTTP 403: Authentication error (10000)');
    runStop.stop('cancelled', 'the run was cancelled (SIGTERM)');
    expect(runStop.reason).toStrictEqual({
      kind: 'credentials',
      message: 'HTTP 403: Authentication error (10000)',
    });
    expect(runStop.abortSignal.aborted).toBe(false);
  });
});

describe('systemClock.sleep', () => {
  /** Whether `promise` settles before a timer of `ms` fires. */
  async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const settled = await Promise.race([promise.then(() => true as const), late]);
    clearTimeout(timer);
    return settled;
  }

  it('sleeps without a signal', async () => {
    expect(await settlesWithin(systemClock.sleep(1), 5_000)).toBe(true);
  });

  it('does not start a wait for a signal already aborted', async () => {
    const stop = new AbortController();
    stop.abort();
    expect(await settlesWithin(systemClock.sleep(3_600_000, stop.signal), 1_000)).toBe(true);
  });

  it('ends the wait when the signal aborts', async () => {
    const stop = new AbortController();
    const sleeping = systemClock.sleep(3_600_000, stop.signal);
    stop.abort();
    expect(await settlesWithin(sleeping, 1_000)).toBe(true);
  });

  it('stops listening to the signal once the time has passed', async () => {
    const stop = new AbortController();
    await systemClock.sleep(1, stop.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
