// Clocks for tests: time passes only when the code under test sleeps, so waits are exact and cost
// nothing. Both stop a run that would never end: a sleep of NaN ms, a loop that keeps sleeping
// without time passing, or a wait past a day fails the test at once instead of hanging it (and so
// kills such a mutant quickly rather than by a mutation-test timeout).
import type { Clock } from '../../src/clock.js';

/** Longer than any job may run (6 h on GitHub's runners): a wait past it is a wait forever. */
const HORIZON_MS = 24 * 60 * 60 * 1000;

/** Sleeps in a row at one instant after which the code is taken to be spinning. */
const SPIN_LIMIT = 10_000;

/** Refuses a sleep that could only be a bug in the code under test. */
class Guard {
  private spins = 0;
  private at = Number.NaN;

  check(now: number, ms: number): void {
    if (Number.isNaN(ms)) throw new Error(`asked to sleep NaN ms at ${now} ms`);
    if (now + ms > HORIZON_MS) throw new Error(`asked to sleep past ${HORIZON_MS} ms: forever`);
    this.spins = now === this.at ? this.spins + 1 : 0;
    this.at = now;
    if (this.spins > SPIN_LIMIT) throw new Error(`sleeping in a loop at ${now} ms`);
  }
}

/**
 * Time stands still until someone sleeps; sleeping moves it forward at once (not at all when the
 * signal has aborted) and is recorded. `base` gives the time the offset adds to: 0 by default,
 * `Date.now` where requests to a real server take real time.
 */
export class SteppingClock implements Clock {
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];
  private offset = 0;
  private readonly guard = new Guard();

  constructor(private readonly base: () => number = () => 0) {}

  now(): number {
    return this.base() + this.offset;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.guard.check(this.offset, ms);
    if (signal?.aborted !== true) this.offset += Math.max(0, ms);
    return Promise.resolve();
  }
}

interface Timer {
  at: number;
  sequence: number;
  fire: () => void;
}

/**
 * Virtual time for concurrent work: sleep() sets a timer, and run() fires the timers in time
 * order (in the order they were set at one instant), moving time forward only when everything
 * else is waiting. An abort fires the sleeper's timer at once.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private sequence = 0;
  private timers: Timer[] = [];
  private readonly guard = new Guard();

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.guard.check(this.time, ms);
    if (signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        sequence: this.sequence++,
        fire: resolve,
      };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((other) => other !== timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Runs `work` to completion and answers its result. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const settle = (): void => {
      settled = true;
    };
    work.then(settle, settle);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve)); // let every pending promise settle
      if (settled) return work;
      this.timers.sort((a, b) => a.at - b.at || a.sequence - b.sequence);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('simulation deadlocked: nothing to wait for');
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
  }
}
